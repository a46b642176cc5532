"""Per-stance measures: midstance instant and the metrics of DESIGN.md §1 at IC and midstance."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from midstance.core.filters import interp_at, parabola_vertex

#: Altman & Davis (2012), Gait Posture 35:298–300: foot strike angle (foot at IC relative to
#: standing/flat) > 8.0° rearfoot, < −1.6° forefoot, in between midfoot.
RFS_ABOVE_DEG = 8.0
FFS_BELOW_DEG = -1.6


@dataclass(frozen=True)
class Midstance:
    t_s: float
    sd_s: float
    method: str


def find_midstance(
    t: np.ndarray, hip_y: np.ndarray, ic: float, to: float, noise_sd: float = 0.0
) -> Midstance:
    """The instant in [IC, TO] where the (low-passed) mid-hip is lowest: the lowest sample refined by
    a parabola through it and its two neighbours, the vertex kept within one sample (the truth
    definition of ../shared/data).

    On the low-passed trajectory this stays accurate at video rates: mocap trials subsampled to
    30 Hz keep a median midstance error below 0.5 ms against the 150 Hz truth, where a parabola or
    sinusoid fitted over the whole stance is 2–6 ms late (the hip's path is not symmetric about its
    low point) — see tests/test_mocap_truth.py. ``noise_sd`` (the smoothed height's noise) gives the
    instant's standard uncertainty."""
    i0, i1 = int(np.searchsorted(t, ic)), int(np.searchsorted(t, to, side="right"))
    inside = i0 + np.nonzero(np.isfinite(hip_y[i0:i1]))[0]
    if inside.size == 0:
        return Midstance(0.5 * (ic + to), 0.25 * (to - ic), "none: no hip samples in the stance")
    k = int(inside[np.argmin(hip_y[inside])])
    dt = float(t[min(k + 1, len(t) - 1)] - t[max(k - 1, 0)]) / 2
    tm, sd, how = float(t[k]), dt / math.sqrt(12), "lowest sample"
    if 0 < k < len(t) - 1 and np.isfinite(hip_y[k - 1 : k + 2]).all():
        v = parabola_vertex(t[k - 1 : k + 2], hip_y[k - 1 : k + 2])
        if v is not None:
            tm = float(np.clip(v, t[k - 1], t[k + 1]))
            how = "lowest sample + 3-point parabola"
            # vertex sensitivity to height noise: t* = Δ(y0 − y2) / 2(y0 − 2y1 + y2)
            curv = float(hip_y[k - 1] - 2 * hip_y[k] + hip_y[k + 1])
            sd = math.sqrt(2) * noise_sd * dt / (2 * curv) if curv > 0 else dt / 2
            sd = math.hypot(sd, 0.05 * dt)  # model error of the parabola, a few % of a sample
    return Midstance(min(max(tm, ic), to), min(sd, dt), how)


def _angle_from_down(d: np.ndarray) -> np.ndarray:
    """Angle of segment vectors (..., 2: X forward, Y up) from the downward vertical, + forward."""
    return np.arctan2(d[..., 0], -d[..., 1])


def knee_flexion_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Thigh (hip→knee) vs shank (knee→ankle) in the sagittal plane; 0 = straight, + = flexed.
    Points are (..., 2) arrays (X forward, Y up); works on one instant or many."""
    return np.degrees(_angle_from_down(knee - hip) - _angle_from_down(ankle - knee))


def tibia_angle_deg(knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Shank from vertical, positive when the ankle is ahead of the knee."""
    return np.degrees(_angle_from_down(ankle - knee))


def trunk_lean_deg(mid_hip: np.ndarray, mid_shoulder: np.ndarray) -> np.ndarray:
    """Trunk (mid-hip → mid-shoulder) from vertical, positive forward."""
    d = mid_shoulder - mid_hip
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


def foot_pitch_deg(heel: np.ndarray, toe: np.ndarray) -> np.ndarray:
    """Heel→toe line against the horizontal, positive = toes up."""
    d = toe - heel
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


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
    """Hip–ankle offset at ``tm`` and the standard error of its noise part.

    Dense data: linear interpolation between samples (the truth definition). Sparse data (video):
    a quadratic fitted to the offset over ±35 % of the stance around ``tm``, evaluated at ``tm`` —
    every frame of mid-stance contributes, so pose jitter averages out (on 30 Hz subsampled motion
    capture this is within 0.2 cm of the truth)."""
    v_lin = float(interp_at(offset, t, tm))
    if dense:
        return v_lin, float("nan")
    half = 0.35 * (to - ic)
    j0, j1 = int(np.searchsorted(t, tm - half)), int(np.searchsorted(t, tm + half, side="right"))
    ok = np.isfinite(offset[j0:j1])
    if ok.sum() < 5:
        return v_lin, float("nan")
    tt, yy = t[j0:j1][ok] - tm, offset[j0:j1][ok]
    coef, cov = np.polyfit(tt, yy, 2, cov=True)
    se = math.sqrt(max(float(cov[2, 2]), 0.0)) if np.isfinite(cov[2, 2]) else float("nan")
    return float(coef[2]), se
