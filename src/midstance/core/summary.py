"""Per-side medians and spreads, left/right asymmetry, cadence."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from midstance.core.catalog import STANCE_METRICS
from midstance.core.result import MetricSummary, SideStat, Stance, Summary


def side_stat(values: Sequence[float | None]) -> SideStat:
    v = np.array([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if v.size == 0:
        return SideStat(None, None, 0)
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return SideStat(round(float(med), 6), round(float(q3 - q1), 6), int(v.size))


def asymmetry_pct(left: float | None, right: float | None) -> float | None:
    """100 × (left − right) / mean(|left|, |right|) (DESIGN.md §2)."""
    if left is None or right is None:
        return None
    denom = 0.5 * (abs(left) + abs(right))
    if denom < 1e-9:
        return None
    return 100.0 * (left - right) / denom


def cadence_spm(stances: Sequence[Stance]) -> float | None:
    """Steps per minute: steps counted over the time they take (60 / mean step time, a step being IC
    to the other foot's next IC) — what a person counting steps against a clock gets."""
    steps = [s.get("step_time_s") for s in stances]
    v = np.array([x for x in steps if x is not None and x > 0], dtype=float)
    if v.size == 0:
        return None
    return 60.0 / float(np.mean(v))


def summarise(stances: Sequence[Stance]) -> Summary:
    metrics: dict[str, MetricSummary] = {}
    for spec in STANCE_METRICS:
        if not spec.summarise:
            continue
        left = side_stat([s.get(spec.name) for s in stances if s.side == "left"])
        right = side_stat([s.get(spec.name) for s in stances if s.side == "right"])
        if left.n == 0 and right.n == 0:
            continue
        metrics[spec.name] = MetricSummary(left, right, asymmetry_pct(left.median, right.median))
    strikes: dict[str, str | None] = {}
    for side in ("left", "right"):
        kinds = [s.foot_strike for s in stances if s.side == side and s.foot_strike]
        strikes[side] = max(set(kinds), key=kinds.count) if kinds else None
    return Summary(
        cadence_spm=cadence_spm(stances),
        steps={
            "left": sum(s.side == "left" for s in stances),
            "right": sum(s.side == "right" for s in stances),
        },
        metrics=metrics,
        foot_strike=strikes,
    )
