"""Cleaning: confidence masking, outlier rejection, bounded gap filling, zero-lag low-pass.

Kinematic points are low-passed at ``cutoff_hz`` (10 Hz by default, the motion-capture truth's
cut-off: running kinematics carry little above it, and marker or pose noise much). The foot points
used for contact detection are kept lightly filtered (events need their sharp landings)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from midstance.core.filters import despike, fill_gaps, finite_rows, lowpass


@dataclass(frozen=True)
class CleanedPoint:
    raw: np.ndarray  # (n, d) gap-filled, not low-passed
    smooth: np.ndarray  # (n, d) gap-filled and low-passed
    observed: np.ndarray  # (n,) bool: sample was present in the input (not filled)
    filled: np.ndarray  # (n,) bool: sample was filled by interpolation


@dataclass
class Cleaner:
    """Clean one trajectory. Parameters in seconds / hertz so they hold at any frame rate."""

    cutoff_hz: float = 10.0
    max_gap_s: float = 0.25
    min_confidence: float = 0.0
    despike_sigma: float | None = None

    def clean(
        self, p: np.ndarray, t: np.ndarray, conf: np.ndarray | None = None, rate_hz: float | None = None
    ) -> CleanedPoint:
        a = np.array(p, dtype=float, copy=True)
        if conf is not None and self.min_confidence > 0:
            a[conf < self.min_confidence] = np.nan
        rate = rate_hz or (1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 1.0)
        if self.despike_sigma:
            a = despike(a, self.despike_sigma)
        # columns that carry data (2D points in a 3-column body frame have an all-NaN Z)
        used = np.array([bool(np.isfinite(a[:, j]).any()) for j in range(a.shape[1])], dtype=bool)
        observed = finite_rows(a[:, used]) if used.any() else np.zeros(a.shape[0], dtype=bool)
        if observed.all():
            filled_arr, filled = a, np.zeros_like(observed)
        else:
            filled_arr = fill_gaps(a, max_gap=max(1, round(self.max_gap_s * rate)), t=t)
            filled = ~observed & finite_rows(filled_arr[:, used])
        smooth = lowpass(filled_arr, rate, self.cutoff_hz, t=t) if self.cutoff_hz else filled_arr
        return CleanedPoint(filled_arr, smooth, observed, filled)

    def clean_all(
        self,
        points: dict[str, np.ndarray],
        t: np.ndarray,
        conf: dict[str, np.ndarray],
        smooth: set[str] | None = None,
    ) -> dict[str, CleanedPoint]:
        """Clean many points. Only the names in ``smooth`` (all if None) are low-passed, in one
        filter call over all of them (much faster than one call per point); the others keep their
        gap-filled samples (e.g. foot markers, which the contact detector filters its own way)."""
        names = list(points)
        if not names:
            return {}
        no_filter = Cleaner(0.0, self.max_gap_s, self.min_confidence, self.despike_sigma)
        rate = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 1.0
        pre = {n: no_filter.clean(points[n], t, conf.get(n), rate) for n in names}
        to_smooth = [n for n in names if smooth is None or n in smooth]
        out = dict(pre)
        if to_smooth:
            widths = [pre[n].raw.shape[1] for n in to_smooth]
            stacked = np.concatenate([pre[n].raw for n in to_smooth], axis=1)
            smoothed = lowpass(stacked, rate, self.cutoff_hz, t=t)
            k = 0
            for n, w in zip(to_smooth, widths, strict=True):
                out[n] = CleanedPoint(pre[n].raw, smoothed[:, k : k + w], pre[n].observed, pre[n].filled)
                k += w
        return out
