"""Per-stance measures: midstance instant and the metrics of DESIGN.md §1 at IC and midstance."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from midstance.core.filters import interp_at

#: Altman & Davis (2012), Gait Posture 35:298–300: foot strike angle (foot at IC relative to
#: standing/flat) > 8.0° rearfoot, < −1.6° forefoot, in between midfoot.
RFS_ABOVE_DEG = 8.0
FFS_BELOW_DEG = -1.6


@dataclass(frozen=True)
class Midstance:
    t_s: float
    sd_s: float
    method: str


def _parabola_vertex(t3: np.ndarray, y3: np.ndarray) -> float | None:
    """Vertex time of the parabola through three (t, y) points (None if not a minimum)."""
    t0, t1, t2 = (float(v) for v in t3)
    y0, y1, y2 = (float(v) for v in y3)
    # divided differences: y = y0 + d1 (t − t0) + d2 (t − t0)(t − t1)
    d1 = (y1 - y0) / (t1 - t0)
    d2 = ((y2 - y1) / (t2 - t1) - d1) / (t2 - t0)
    if d2 <= 0:
        return None
    return 0.5 * (t0 + t1) - d1 / (2 * d2)


def find_midstance(t: np.ndarray, hip_y: np.ndarray, ic: float, to: float, dense: bool) -> Midstance:
    """The instant in [IC, TO] where the mid-hip is lowest.

    ``dense`` (≥ 80 samples/s): the lowest sample refined by a parabola through it and its two
    neighbours, the vertex kept within one sample (the truth definition of ../shared/data).
    Otherwise (video rates, 3–10 samples per stance) a least-squares parabola through the mid-hip
    height over the middle of the stance, whose vertex is located to a fraction of a frame; its
    standard error comes from the fit."""
    i0, i1 = int(np.searchsorted(t, ic)), int(np.searchsorted(t, to, side="right"))
    inside = i0 + np.nonzero(np.isfinite(hip_y[i0:i1]))[0]
    if inside.size == 0:
        mid = 0.5 * (ic + to)
        return Midstance(mid, 0.25 * (to - ic), "none")
    k = int(inside[np.argmin(hip_y[inside])])
    dt = float(t[min(k + 1, len(t) - 1)] - t[max(k - 1, 0)]) / 2
    if dense:
        tm = float(t[k])
        if 0 < k < len(t) - 1 and np.isfinite(hip_y[k - 1 : k + 2]).all():
            v = _parabola_vertex(t[k - 1 : k + 2], hip_y[k - 1 : k + 2])
            if v is not None:
                tm = float(np.clip(v, t[k - 1], t[k + 1]))
        tm = min(max(tm, ic), to)
        return Midstance(tm, dt / math.sqrt(12), "lowest sample + 3-point parabola")
    # sparse: quadratic over the samples within the stance (plus one either side when near an end)
    j0, j1 = int(np.searchsorted(t, ic - 0.5 * dt)), int(np.searchsorted(t, to + 0.5 * dt, side="right"))
    idx = j0 + np.nonzero(np.isfinite(hip_y[j0:j1]))[0]
    if idx.size < 4:
        return Midstance(float(t[k]), dt / 2, "lowest sample")
    tt, yy = t[idx] - t[k], hip_y[idx]
    coef, cov = np.polyfit(tt, yy, 2, cov=True) if idx.size > 4 else (np.polyfit(tt, yy, 2), None)
    a, b = float(coef[0]), float(coef[1])
    if a <= 0:
        return Midstance(float(t[k]), dt / 2, "lowest sample")
    tv = -b / (2 * a)
    sd = dt / math.sqrt(12)
    if cov is not None and np.isfinite(cov).all():
        # delta method for tv = −b / 2a
        g = np.array([b / (2 * a * a), -1 / (2 * a), 0.0])
        sd = math.sqrt(max(float(g @ cov @ g), 0.0) + sd**2 / 4)
    tm = float(np.clip(t[k] + tv, max(ic, t[k] - dt), min(to, t[k] + dt)))
    return Midstance(tm, sd, "least-squares parabola over the stance")


def sagittal_angle(d: np.ndarray) -> float:
    """Angle of a segment vector (X forward, Y up) from the downward vertical, positive forward."""
    return math.atan2(float(d[0]), float(-d[1]))


def knee_flexion_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> float:
    """Thigh (hip→knee) vs shank (knee→ankle) in the sagittal plane; 0 = straight, + = flexed."""
    return math.degrees(sagittal_angle(knee - hip) - sagittal_angle(ankle - knee))


def tibia_angle_deg(knee: np.ndarray, ankle: np.ndarray) -> float:
    """Shank from vertical, positive when the ankle is ahead of the knee."""
    d = ankle - knee
    return math.degrees(math.atan2(float(d[0]), float(-d[1])))


def trunk_lean_deg(mid_hip: np.ndarray, mid_shoulder: np.ndarray) -> float:
    """Trunk (mid-hip → mid-shoulder) from vertical, positive forward."""
    d = mid_shoulder - mid_hip
    return math.degrees(math.atan2(float(d[0]), float(d[1])))


def foot_pitch_deg(heel: np.ndarray, toe: np.ndarray) -> float:
    """Heel→toe line against the horizontal, positive = toes up."""
    d = toe - heel
    return math.degrees(math.atan2(float(d[1]), float(d[0])))


def classify_strike(foot_angle_deg: float | None) -> str | None:
    if foot_angle_deg is None or not math.isfinite(foot_angle_deg):
        return None
    if foot_angle_deg > RFS_ABOVE_DEG:
        return "rearfoot"
    if foot_angle_deg < FFS_BELOW_DEG:
        return "forefoot"
    return "midfoot"


def value_at(traj: np.ndarray, t: np.ndarray, at: float) -> np.ndarray:
    return interp_at(traj, t, at)


def offset_at(
    t: np.ndarray, offset: np.ndarray, tm: float, ic: float, to: float, dense: bool
) -> tuple[float, float]:
    """Hip–ankle offset at ``tm`` and the SD of its noise.

    Dense data: linear interpolation between samples (the truth definition). Sparse data: a line
    fitted to the offset over the middle of the stance (the hip passes over the planted foot at
    nearly constant speed), evaluated at ``tm`` — this uses every frame of the stance rather than
    the two nearest ones."""
    if dense:
        v = float(interp_at(offset, t, tm))
        return v, float("nan")
    half = 0.35 * (to - ic)
    j0, j1 = int(np.searchsorted(t, tm - half)), int(np.searchsorted(t, tm + half, side="right"))
    ok = np.isfinite(offset[j0:j1])
    if ok.sum() < 3:
        return float(interp_at(offset, t, tm)), float("nan")
    tt, yy = t[j0:j1][ok] - tm, offset[j0:j1][ok]
    b, a = np.polyfit(tt, yy, 1)
    resid = yy - (a + b * tt)
    dof = max(1, len(tt) - 2)
    s = math.sqrt(float(resid @ resid) / dof)
    # standard error of the fitted value at tt = 0
    sxx = float(((tt - tt.mean()) ** 2).sum())
    se = s * math.sqrt(1 / len(tt) + tt.mean() ** 2 / sxx) if sxx > 0 else s
    return float(a), float(se)
