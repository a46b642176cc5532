"""Matching predicted stances to truth, as ../shared/tools/score-mocap does: each true stance to the
unused predicted stance of the same side whose IC is nearest, within 150 ms, one-to-one."""

from __future__ import annotations

import csv
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def read_truth(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


@dataclass
class Score:
    n_truth: int
    matched: int = 0
    errors: dict[str, list[float]] = field(
        default_factory=lambda: {"ic": [], "to": [], "ms": [], "off": [], "knee": []}
    )

    @property
    def match_rate(self) -> float:
        return self.matched / self.n_truth if self.n_truth else 0.0

    def median_abs(self, key: str) -> float:
        v = self.errors[key]
        return statistics.median(abs(x) for x in v) if v else float("nan")

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.matched}/{self.n_truth} stances, |IC| {self.median_abs('ic') * 1000:.1f} ms, "
            f"|TO| {self.median_abs('to') * 1000:.1f} ms, |midstance| {self.median_abs('ms') * 1000:.1f} ms, "
            f"offset {self.median_abs('off') * 100:.2f} cm, knee {self.median_abs('knee'):.2f} deg"
        )


def match(truth: Sequence[dict], pred: Sequence[dict]) -> Score:
    """``truth`` and ``pred`` rows with side ('left'/'right' or 'L'/'R'), ic_s, to_s and optionally
    midstance_s, hip_ankle_offset_m, knee_flexion_midstance_deg."""
    sc = Score(len(truth))
    used: set[int] = set()

    def side(v: object) -> str:
        return str(v).upper()[:1]

    for row in truth:
        ic = float(row["ic_s"])
        cands = [
            (abs(float(p["ic_s"]) - ic), i)
            for i, p in enumerate(pred)
            if i not in used and side(p["side"]) == side(row["side"])
        ]
        if not cands or min(cands)[0] > 0.15:
            continue
        _, i = min(cands)
        used.add(i)
        p = pred[i]
        sc.matched += 1
        for key, name in (
            ("ic", "ic_s"),
            ("to", "to_s"),
            ("ms", "midstance_s"),
            ("off", "hip_ankle_offset_m"),
            ("knee", "knee_flexion_midstance_deg"),
        ):
            a, b = row.get(name), p.get(name)
            if a not in (None, "") and b is not None:
                sc.errors[key].append(float(b) - float(a))
    return sc
