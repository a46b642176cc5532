"""The result contract (DESIGN.md §2): one immutable result, serialisable to JSON and CSV.

Serialisation produces text; writing it to disk is the front ends' job (the core touches no files)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from midstance.core.catalog import METRIC_NAMES
from midstance.errors import InputError

SCHEMA_VERSION = 1
_METRIC_SET = frozenset(METRIC_NAMES)

Severity = Literal["info", "notice", "warning"]
SEVERITY_RANK: dict[str, int] = {"warning": 0, "notice": 1, "info": 2}


def _clean(v: Any) -> Any:
    """JSON-safe value: NaN/inf become None, numpy scalars become Python numbers."""
    if v is None:
        return None
    if isinstance(v, bool | str):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if hasattr(v, "item"):
        return _clean(v.item())
    if isinstance(v, Mapping):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def _round(v: float | None, nd: int = 6) -> float | None:
    if v is None or not math.isfinite(v):
        return None
    return round(float(v), nd)


@dataclass(frozen=True)
class Source:
    path: str
    kind: Literal["video", "keypoints", "mocap"]
    fps: float | None
    duration_s: float | None
    frame_count: int | None
    width_px: int | None = None
    height_px: int | None = None
    rotation_deg: int = 0


@dataclass(frozen=True)
class Runner:
    height_cm: float | None
    view: Literal["side", "rear", "front"]
    facing: Literal["left", "right"] | None
    setting: Literal["treadmill", "overground"]
    leg_length_m: float | None
    #: leg length in the analysis units (pixels for video without scale); always known
    leg_length_units: float = float("nan")
    units: str = "m"
    activity: Literal["running", "walking"] = "running"
    slope_pct: float = 0.0


@dataclass(frozen=True)
class Stance:
    side: Literal["left", "right"]
    ic_s: float
    to_s: float
    midstance_s: float
    ic_frame: int
    to_frame: int
    midstance_frame: int
    metrics: Mapping[str, float | None]
    foot_strike: Literal["rearfoot", "midfoot", "forefoot"] | None
    quality: float
    #: positions at the key instants, {"ic": {name: (x, y)}, "midstance": {...}}: image pixels
    #: (x right, y down) for video/image keypoints, body-frame metres (X forward, Y up) otherwise.
    #: Names: mid_hip, mid_shoulder and the stance side's hip, knee, ankle, heel, toe.
    points: Mapping[str, Mapping[str, tuple[float, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = self.metrics.keys() - _METRIC_SET
        if unknown:
            raise ValueError(f"unknown stance metrics: {sorted(unknown)}")
        # metrics not measured are simply absent here; get() and to_dict() give None for them
        object.__setattr__(
            self,
            "metrics",
            MappingProxyType({k: v for k, v in self.metrics.items() if v is not None and math.isfinite(v)}),
        )

    def get(self, name: str) -> float | None:
        return self.metrics.get(name)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "side": self.side,
            "ic_s": _round(self.ic_s),
            "to_s": _round(self.to_s),
            "midstance_s": _round(self.midstance_s),
            "ic_frame": self.ic_frame,
            "to_frame": self.to_frame,
            "midstance_frame": self.midstance_frame,
        }
        d.update({name: _round(self.metrics.get(name)) for name in METRIC_NAMES})
        d["foot_strike"] = self.foot_strike
        d["quality"] = _round(self.quality, 3)
        d["points"] = {
            when: {
                name: [_round(x, 2 if abs(x) > 10 else 5), _round(y, 2 if abs(y) > 10 else 5)]
                for name, (x, y) in pts.items()
            }
            for when, pts in self.points.items()
        }
        return d


@dataclass(frozen=True)
class SideStat:
    median: float | None
    iqr: float | None
    n: int


@dataclass(frozen=True)
class MetricSummary:
    left: SideStat
    right: SideStat
    asymmetry_pct: float | None


@dataclass(frozen=True)
class Summary:
    cadence_spm: float | None
    steps: Mapping[str, int]
    metrics: Mapping[str, MetricSummary]
    foot_strike: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    title: str
    evidence: Mapping[str, float | None]
    cue: str
    check_next: str = ""


@dataclass(frozen=True)
class Warning_:
    code: str
    message: str


@dataclass(frozen=True)
class Result:
    source: Source
    runner: Runner
    stances: tuple[Stance, ...]
    summary: Summary
    findings: tuple[Finding, ...]
    warnings: tuple[Warning_, ...]
    #: analysis settings and method notes (cut-offs, thresholds) for reproducibility
    analysis: Mapping[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        s = self.summary
        return _clean(
            {
                "schema_version": self.schema_version,
                "source": vars(self.source),
                "runner": {
                    "height_cm": self.runner.height_cm,
                    "view": self.runner.view,
                    "facing": self.runner.facing,
                    "setting": self.runner.setting,
                    "leg_length_m": _round(self.runner.leg_length_m, 4),
                    "leg_length_units": _round(self.runner.leg_length_units, 4),
                    "units": self.runner.units,
                    "activity": self.runner.activity,
                    "slope_pct": self.runner.slope_pct,
                },
                "stances": [st.to_dict() for st in self.stances],
                "summary": {
                    "cadence_spm": _round(s.cadence_spm, 2),
                    "steps": dict(s.steps),
                    "foot_strike": dict(s.foot_strike),
                    "metrics": {
                        name: {
                            "left": vars(m.left),
                            "right": vars(m.right),
                            "asymmetry_pct": _round(m.asymmetry_pct, 2),
                        }
                        for name, m in s.metrics.items()
                    },
                },
                "findings": [
                    {
                        "code": f.code,
                        "severity": f.severity,
                        "title": f.title,
                        "evidence": dict(f.evidence),
                        "cue": f.cue,
                        "check_next": f.check_next,
                    }
                    for f in self.findings
                ],
                "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
                "analysis": dict(self.analysis),
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """One row per stance; columns as in the JSON stance objects."""
        buf = io.StringIO()
        cols = [
            "side",
            "ic_s",
            "to_s",
            "midstance_s",
            "ic_frame",
            "to_frame",
            "midstance_frame",
            *METRIC_NAMES,
            "foot_strike",
            "quality",
        ]
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for st in self.stances:
            row = st.to_dict()
            w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in cols})
        return buf.getvalue()

    # ------------------------------------------------------------------ convenience
    def stances_of(self, side: str) -> tuple[Stance, ...]:
        return tuple(s for s in self.stances if s.side == side)

    def warning_codes(self) -> set[str]:
        return {w.code for w in self.warnings}


def result_from_dict(d: Mapping[str, Any]) -> Result:
    """Rebuild a result from its JSON form (for reports re-rendered from a saved result)."""
    version = d.get("schema_version")
    if not isinstance(version, int):
        raise InputError("this file is not a midstance result (no schema_version); pass a result JSON file")
    if version > SCHEMA_VERSION:
        raise InputError(
            f"this result uses schema version {version}, newer than this midstance understands "
            f"({SCHEMA_VERSION}); upgrade midstance or re-run the analysis"
        )
    try:
        src = d["source"]
        rn = d["runner"]
        stances = tuple(
            Stance(
                side=s["side"],
                ic_s=s["ic_s"],
                to_s=s["to_s"],
                midstance_s=s["midstance_s"],
                ic_frame=s["ic_frame"],
                to_frame=s["to_frame"],
                midstance_frame=s["midstance_frame"],
                metrics={k: s.get(k) for k in METRIC_NAMES},
                foot_strike=s.get("foot_strike"),
                quality=s.get("quality") or 0.0,
                points={
                    w: {n: (float(xy[0]), float(xy[1])) for n, xy in pts.items() if None not in xy}
                    for w, pts in (s.get("points") or {}).items()
                },
            )
            for s in d["stances"]
        )
        sm = d["summary"]
        summary = Summary(
            cadence_spm=sm.get("cadence_spm"),
            steps=sm.get("steps", {}),
            foot_strike=sm.get("foot_strike", {}),
            metrics={
                name: MetricSummary(
                    left=SideStat(**m["left"]),
                    right=SideStat(**m["right"]),
                    asymmetry_pct=m.get("asymmetry_pct"),
                )
                for name, m in sm.get("metrics", {}).items()
            },
        )
        return Result(
            source=Source(**src),
            runner=Runner(
                height_cm=rn.get("height_cm"),
                view=rn["view"],
                facing=rn.get("facing"),
                setting=rn["setting"],
                leg_length_m=rn.get("leg_length_m"),
                leg_length_units=rn.get("leg_length_units") or float("nan"),
                units=rn.get("units", "m"),
                activity=rn.get("activity", "running"),
                slope_pct=rn.get("slope_pct", 0.0),
            ),
            stances=stances,
            summary=summary,
            findings=tuple(
                Finding(
                    code=f["code"],
                    severity=f["severity"],
                    title=f.get("title", f["code"]),
                    evidence=f.get("evidence", {}),
                    cue=f.get("cue", ""),
                    check_next=f.get("check_next", ""),
                )
                for f in d.get("findings", [])
            ),
            warnings=tuple(Warning_(code=w["code"], message=w["message"]) for w in d.get("warnings", [])),
            analysis=d.get("analysis", {}),
            schema_version=version,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the result file is incomplete or damaged ({exc}); re-run the analysis") from None
