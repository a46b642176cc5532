"""The "core action" numbers: how the pelvis (and trunk, knee, feet) move seen from behind or in 3D —
pelvic drop, the pelvis' side-bend, twist and tilt ranges, trunk side-bend, the knee's frontal-plane
angle and step width — per side with their spread, against the reference bands of
:data:`~midstance.report.references.CORE_REFERENCES`.

Where they come from decides how far to trust them: 3D motion capture measures every one exactly; a
rear or front clip measures the frontal-plane ones and only *estimates* twist from the changing
apparent width of the hips; a side clip alone estimates the twist and nothing else."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from midstance.core.result import Finding, Result
from midstance.core.views import REAR_METRICS
from midstance.report.references import CORE_REFERENCES, Reference
from midstance.report.verdict import SIDES

#: measured only as an estimate from a single camera
ESTIMATED_FROM_2D = ("pelvis_rotation_rom_deg", "shoulder_rotation_rom_deg")


@dataclass(frozen=True)
class SideValue:
    """One side's values in the shown unit: median, quartiles and how many steps."""

    median: float
    q1: float
    q3: float
    n: int


@dataclass(frozen=True)
class CoreRow:
    ref: Reference
    values: dict[str, SideValue]
    #: from a single camera: a rough estimate
    estimate: bool


@dataclass(frozen=True)
class CoreAction:
    rows: list[CoreRow]
    #: "3d", "rear", "front" or "side": where the numbers were measured
    origin: str
    origin_text: str
    #: the analysis' own warning about estimated twist, when it gave one
    estimate_note: str | None
    #: the locked-pelvis finding and its number in the findings list (1-based), when there is one
    finding: tuple[int, Finding] | None
    #: what to film to measure what is missing (None when nothing is)
    film_next: str | None


def _side_values(values: list[float]) -> SideValue | None:
    v = [x for x in values if math.isfinite(x)]
    if not v:
        return None
    q1, med, q3 = np.percentile(np.asarray(v, dtype=float), [25, 50, 75])
    return SideValue(float(med), float(q1), float(q3), len(v))


def core_action(result: Result, frontal: Result | None = None) -> CoreAction:
    """The core-action rows of ``result``; ``frontal`` is the rear (or front) clip's own result when
    the report merges two views: its stances give the frontal measures (the merged result carries
    them only for the stances the two clips paired)."""
    units_3d = result.runner.units != "px"
    if units_3d:
        origin = "3d"
        origin_text = (
            "3D motion capture: every measure is exact, in the runner's own frontal and horizontal planes."
        )
    elif frontal is not None:
        origin = frontal.runner.view
        name = PurePath(frontal.source.path).name or "the second clip"
        origin_text = (
            f"The clip filmed {'in front of' if origin == 'front' else 'behind'} the runner ({name}), "
            "lined up with the side clip by the rhythm of the steps."
        )
    elif result.runner.view in ("rear", "front"):
        origin = result.runner.view
        origin_text = f"This clip, filmed {'in front of' if origin == 'front' else 'behind'} the runner."
    else:
        origin = "side"
        origin_text = "This side-view clip (from the side, at most the pelvis twist can be estimated)."
    rows: list[CoreRow] = []
    for ref in CORE_REFERENCES:
        source = frontal if (frontal is not None and ref.metric in REAR_METRICS) else result
        values: dict[str, SideValue] = {}
        for side in SIDES:
            sv = _side_values(
                [x * ref.scale for s in source.stances_of(side) if (x := s.get(ref.metric)) is not None]
            )
            if sv is not None:
                values[side] = sv
        if values:
            rows.append(CoreRow(ref, values, estimate=not units_3d and ref.metric in ESTIMATED_FROM_2D))
    notes = [
        w.message
        for r in (result, frontal)
        if r is not None
        for w in r.warnings
        if w.code == "twist_estimated"
    ]
    finding = next(((i + 1, f) for i, f in enumerate(result.findings) if f.code == "locked_pelvis"), None)
    film_next = None
    if origin == "side":
        film_next = (
            "Film the same run from behind as well, camera level at hip height 3–5 m back, and pass that clip "
            "with --rear: it adds pelvic drop, the pelvis' side-bend, the trunk's side-bend, the knee's "
            "frontal-plane angle and step width."
        )
    return CoreAction(
        rows=rows,
        origin=origin,
        origin_text=origin_text,
        estimate_note=notes[0] if notes else None,
        finding=finding,
        film_next=film_next,
    )
