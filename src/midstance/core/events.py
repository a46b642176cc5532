"""Foot contacts from kinematics only: initial contact (IC) and toe-off (TO) per side.

Method (foot clearance with hysteresis):

1. Every foot point of a side (heel, toe and any extra foot markers) gets its own ground level: the
   2nd percentile of its height over the trial, the lower of the left and right point of the same
   kind (a foot that never lands in the trial still gets the ground level of the other foot). For
   image data the ground may be tilted (camera roll, perspective), so the level is a line fitted
   through the lowest samples along the running direction.
2. The foot's clearance is the smallest height of its points above their ground level.
3. A contact starts where the clearance falls below ``ic_level`` (IC, interpolated between samples)
   and ends where it rises above ``to_level`` (TO). The levels differ because the markers that
   lift first at push-off (metatarsal heads) rise some millimetres before the toe tip leaves the
   ground, while at landing the first point to touch is the one that reaches its own ground level.
4. A contact counts only when the foot was seen in the air before it (clearance above
   ``swing_level``) and after it, and lasts at least ``min_contact_s``.

The levels for motion capture (4 mm and 13 mm, trial-independent) were chosen from the physics of
marker placement and checked against force-plate contacts in ../shared/data (see
tests/test_mocap_truth.py for the measured errors).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from midstance.core.filters import crossings, lowpass

Side = Literal["left", "right"]


@dataclass(frozen=True)
class Contact:
    side: Side
    ic_s: float
    to_s: float

    @property
    def contact_time_s(self) -> float:
        return self.to_s - self.ic_s


@dataclass(frozen=True)
class FootSignal:
    """Positions of one foot's points in the body frame: name → (n, 2) (X forward, Y up)."""

    points: dict[str, np.ndarray]


def ground_line(xs: np.ndarray, hs: np.ndarray, tilt: bool) -> tuple[float, float]:
    """Ground level h = a + b·x through the lowest samples (b = 0 unless ``tilt``)."""
    ok = np.isfinite(xs) & np.isfinite(hs)
    x, h = xs[ok], hs[ok]
    if h.size == 0:
        return float("nan"), 0.0
    if not tilt or h.size < 20:
        return float(np.percentile(h, 2)), 0.0
    # lowest samples per bin along x, then a line through them
    edges = np.quantile(x, np.linspace(0, 1, 9))
    bx, bh = [], []
    for lo, hi in itertools.pairwise(edges):
        m = (x >= lo) & (x <= hi)
        if m.sum() >= 5:
            bx.append(float(np.median(x[m])))
            bh.append(float(np.percentile(h[m], 5)))
    if len(bx) < 3:
        return float(np.percentile(h, 2)), 0.0
    b, a = np.polyfit(bx, bh, 1)
    return float(a), float(b)


@dataclass
class ClearanceContactDetector:
    """Find foot contacts from foot-point heights (see the module docstring).

    Levels are in the data's units (metres for world data, pixels for image data)."""

    ic_level: float = 0.004
    to_level: float = 0.013
    swing_level: float | None = None
    min_contact_s: float = 0.06
    min_swing_s: float = 0.05
    cutoff_hz: float | None = 30.0
    tilted_ground: bool = False

    # results (set by detect)
    contacts_: list[Contact] = field(default_factory=list)
    clearance_: dict[str, np.ndarray] = field(default_factory=dict)
    incomplete_: int = 0

    def detect(self, t: np.ndarray, feet: dict[Side, FootSignal]) -> ClearanceContactDetector:
        rate = 1.0 / float(np.median(np.diff(t)))
        # ground level per point kind, shared by both feet
        kinds: dict[str, list[tuple[Side, np.ndarray]]] = {}
        for side, fs in feet.items():
            for name, p in fs.points.items():
                kinds.setdefault(name, []).append((side, p))
        levels: dict[tuple[Side, str], tuple[float, float]] = {}
        for kind, items in kinds.items():
            per_side = {side: ground_line(p[:, 0], p[:, 1], self.tilted_ground) for side, p in items}
            lowest = min(
                (v for v in per_side.values() if np.isfinite(v[0])),
                key=lambda v: v[0],
                default=(float("nan"), 0.0),
            )
            for side, _ in items:
                a, b = per_side[side]
                # each point keeps its own level (markers sit at slightly different heights on each
                # foot), unless it is far above the other foot's: that foot never landed in the trial
                far = not np.isfinite(a) or a - lowest[0] > 3 * self.to_level
                levels[(side, kind)] = lowest if far else (a, b)
        self.contacts_ = []
        self.clearance_ = {}
        self.incomplete_ = 0
        cols, owners = [], []
        for side, fs in feet.items():
            for name, p in fs.points.items():
                a, b = levels[(side, name)]
                cols.append(p[:, 1] - (a + b * p[:, 0]))
                owners.append(side)
        if not cols:
            return self
        heights = np.column_stack(cols)
        if self.cutoff_hz:
            heights = lowpass(heights, rate, self.cutoff_hz, t=t)  # one filter call for every foot point
        for side in feet:
            mine = heights[:, [k for k, o in enumerate(owners) if o == side]]
            if mine.shape[1] == 0:
                continue
            with np.errstate(all="ignore"):
                c = np.nanmin(mine, axis=1) if mine.shape[1] > 1 else mine[:, 0]
            self.clearance_[side] = c
            self._contacts_of(side, t, c, rate)
        self.contacts_.sort(key=lambda c: c.ic_s)
        return self

    def _contacts_of(self, side: Side, t: np.ndarray, c: np.ndarray, rate: float) -> None:
        downs = crossings(c, t, self.ic_level, "down")
        ups = crossings(c, t, self.to_level, "up")
        n = len(t)
        for ic in downs:
            later = ups[ups > ic]
            if later.size == 0:
                self.incomplete_ += 1
                continue
            to = float(later[0])
            # a second IC crossing before this TO belongs to the same contact (hysteresis)
            prev_ups = ups[ups < ic]
            prev_down_same = downs[(downs < ic) & (downs > (prev_ups[-1] if prev_ups.size else -np.inf))]
            if prev_down_same.size:
                continue
            if to - ic < self.min_contact_s:
                continue
            i0 = int(np.searchsorted(t, ic))
            i1 = int(np.searchsorted(t, to))
            # the foot must be seen in the air before the IC and after the TO
            swing = self.to_level if self.swing_level is None else self.swing_level
            before = c[max(0, i0 - int(0.3 * rate)) : i0]
            after = c[i1 : min(n, i1 + int(0.3 * rate))]
            if not (
                np.nanmax(before, initial=-np.inf) > swing and np.nanmax(after, initial=-np.inf) >= swing
            ):
                self.incomplete_ += 1
                continue
            # gaps inside the contact make its events unreliable
            if not np.isfinite(c[max(0, i0 - 1) : i1 + 1]).all():
                self.incomplete_ += 1
                continue
            self.contacts_.append(Contact(side, float(ic), to))
