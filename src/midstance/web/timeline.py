"""A runner's sessions as numbers for the pages: per session, side and headline metric the median
of the per-step values with its bootstrap uncertainty, and the changes between sessions.

It reads the stored result JSON (the result contract, DESIGN.md §2); nothing is re-analysed."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from midstance.core.catalog import STANCE_METRICS
from midstance.web.change import Change, MedianEstimate, compare_steps, median_estimate

SIDES = ("left", "right")
_SPECS = {m.name: m for m in STANCE_METRICS}


@dataclass(frozen=True)
class Headline:
    """A metric shown on the timeline and compared between sessions."""

    key: str
    label: str
    unit: str
    digits: int
    per_step: Callable[[Mapping[str, Any]], float | None]


def _metric(name: str, scale: float = 1.0) -> Callable[[Mapping[str, Any]], float | None]:
    def get(stance: Mapping[str, Any]) -> float | None:
        v = stance.get(name)
        return None if v is None else float(v) * scale

    return get


def _cadence(stance: Mapping[str, Any]) -> float | None:
    step = stance.get("step_time_s")
    return 60.0 / float(step) if step else None


def _spec(
    name: str,
    unit: str | None = None,
    digits: int = 1,
    scale: float = 1.0,
    key: str | None = None,
    label: str | None = None,
) -> Headline:
    spec = _SPECS[name]
    return Headline(key or name, label or spec.label, unit or spec.unit, digits, _metric(name, scale))


OFFSET = _spec("hip_ankle_offset_pct_leg", unit="% leg", label=_SPECS["hip_ankle_offset_m"].label)
HEADLINES: tuple[Headline, ...] = (
    OFFSET,
    _spec("hip_ankle_offset_m", unit="cm", scale=100.0, key="hip_ankle_offset_cm"),
    Headline("cadence_spm", "Cadence", "steps/min", 0, _cadence),
    _spec("overstride_pct_leg", unit="% leg", label=_SPECS["overstride_m"].label),
    _spec("knee_flexion_ic_deg", unit="°"),
    _spec("knee_flexion_midstance_deg", unit="°"),
    _spec("contact_time_s", unit="ms", digits=0, scale=1000.0, key="contact_time_ms"),
)
HEADLINE_BY_KEY = {h.key: h for h in HEADLINES}


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    recorded_on: date
    label: str
    steps: Mapping[str, Mapping[str, list[float | None]]]
    estimates: Mapping[str, Mapping[str, MedianEstimate | None]]
    foot_strike: Mapping[str, str | None]
    source_kind: str


def per_step_values(result: Mapping[str, Any], headline: Headline, side: str) -> list[float | None]:
    return [headline.per_step(st) for st in result.get("stances", []) if st.get("side") == side]


@lru_cache(maxsize=512)
def _summarise(
    result_id: str, result_json: str
) -> tuple[
    dict[str, dict[str, list[float | None]]], dict[str, dict[str, MedianEstimate | None]], dict[str, Any]
]:
    # stored results never change, so the bootstrap runs once per result and process
    result = json.loads(result_json)
    steps = {h.key: {side: per_step_values(result, h, side) for side in SIDES} for h in HEADLINES}
    estimates = {
        key: {side: median_estimate(vals, n_boot=1000) for side, vals in by_side.items()}
        for key, by_side in steps.items()
    }
    meta = {
        "foot_strike": (result.get("summary") or {}).get("foot_strike", {}),
        "kind": (result.get("source") or {}).get("kind", ""),
    }
    return steps, estimates, meta


def summarise(
    session_id: str, recorded_on: date, label: str, result_id: str, result_json: str
) -> SessionSummary:
    steps, estimates, meta = _summarise(result_id, result_json)
    return SessionSummary(session_id, recorded_on, label, steps, estimates, meta["foot_strike"], meta["kind"])


@dataclass(frozen=True)
class MetricChange:
    headline: Headline
    side: str
    change: Change


def compare_sessions(before: SessionSummary, after: SessionSummary) -> list[MetricChange]:
    out = []
    for h in HEADLINES:
        for side in SIDES:
            a = before.steps[h.key][side]
            b = after.steps[h.key][side]
            if not any(v is not None for v in a) and not any(v is not None for v in b):
                continue
            out.append(MetricChange(h, side, compare_steps(a, b)))
    return out


def consecutive_offset_changes(
    sessions: Sequence[SessionSummary],
) -> list[tuple[SessionSummary, SessionSummary, str, Change]]:
    """The hip–ankle offset's change from each session to the next, per side."""
    out = []
    for before, after in itertools.pairwise(sessions):
        for side in SIDES:
            a = before.steps[OFFSET.key][side]
            b = after.steps[OFFSET.key][side]
            out.append((before, after, side, compare_steps(a, b)))
    return out


def fmt(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
