"""Frontal-plane and pelvis measures: the "core action" (DESIGN.md §1, rear view and 3D).

Coordinates are (lateral, up) pairs in the frontal plane: lateral positive towards the runner's
right. From 3D motion capture they come from the body frame (Z right, Y up); from a rear-view camera
from the image (x right = the runner's right, y down → up = −y); from a front view x is mirrored.

Pelvis rotation is exact only from 3D. From a rear or front view it is estimated from the changing
apparent width of the hips (and shoulders): a line of true width W turned by θ about the vertical
appears W·cos θ wide, so θ = arccos(w / W) with W the widest the line is seen. The estimate cannot
tell left from right turns and is blind near θ = 0 (cos is flat there), so it is reported as an
estimate. From a side view the hips' apparent separation w ≈ W_hips·sin θ, with W_hips taken as 20 %
of leg length (typical hip-joint-centre spacing of adults ≈ 17–18 cm); also an estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Side = Literal["left", "right"]

#: typical distance between the hip joint centres as a fraction of leg length (≈ 0.18 m / 0.9 m)
HIP_WIDTH_FRACTION_OF_LEG = 0.2


@dataclass(frozen=True)
class Frontal:
    """Frontal-plane trajectories (n, 2) = (lateral, up) of the points a measure needs."""

    t: np.ndarray
    points: dict[str, np.ndarray]

    def has(self, *names: str) -> bool:
        return all(n in self.points and np.isfinite(self.points[n]).all(axis=1).any() for n in names)


def line_angle_deg(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Angle of the left→right line against the horizontal in the frontal plane, positive when the
    right end is higher (degrees, per sample)."""
    d = right - left
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


def pelvic_drop_deg(hip_stance: np.ndarray, hip_swing: np.ndarray) -> float:
    """Angle of the stance-hip → swing-hip line against the horizontal; positive = swing side lower."""
    d_lat = abs(float(hip_swing[0] - hip_stance[0]))
    d_up = float(hip_stance[1] - hip_swing[1])
    return math.degrees(math.atan2(d_up, d_lat)) if d_lat > 0 else float("nan")


def trunk_side_bend_deg(mid_hip: np.ndarray, mid_shoulder: np.ndarray, side: Side) -> float:
    """Trunk from vertical in the frontal plane, positive towards the stance side."""
    d = mid_shoulder - mid_hip
    towards = 1.0 if side == "right" else -1.0
    return math.degrees(math.atan2(towards * float(d[0]), float(d[1])))


def knee_fppa_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, side: Side) -> float:
    """Frontal-plane projection angle at the knee: the angle between thigh (hip→knee) and shank
    (knee→ankle), positive when the knee lies medial of the hip–ankle line (valgus)."""
    a = knee - hip
    b = ankle - knee
    na, nb = float(np.hypot(*a)), float(np.hypot(*b))
    if na == 0 or nb == 0:
        return float("nan")
    ang = math.degrees(math.acos(max(-1.0, min(1.0, float(a @ b) / (na * nb)))))
    # where the hip–ankle line passes at the knee's height, and which side of it the knee is
    span = float(ankle[1] - hip[1])
    f = float((knee[1] - hip[1]) / span) if span != 0 else 0.5
    line_lat = float(hip[0] + f * (ankle[0] - hip[0]))
    medial = (line_lat - float(knee[0])) if side == "right" else (float(knee[0]) - line_lat)
    return ang if medial >= 0 else -ang


def rotation_from_width_deg(width: np.ndarray, full_width: float) -> np.ndarray:
    """Rotation about the vertical (degrees, unsigned) from the apparent width of a line seen from
    behind or in front: θ = arccos(w / W)."""
    ratio = np.clip(width / full_width, 0.0, 1.0) if full_width > 0 else np.full_like(width, np.nan)
    return np.degrees(np.arccos(ratio))


def rotation_from_separation_deg(separation: np.ndarray, full_width: float) -> np.ndarray:
    """Rotation about the vertical (degrees, signed) from the signed apparent separation of a line
    seen from the side: θ = arcsin(s / W)."""
    ratio = (
        np.clip(separation / full_width, -1.0, 1.0) if full_width > 0 else np.full_like(separation, np.nan)
    )
    return np.degrees(np.arcsin(ratio))


def range_over(values: np.ndarray, t: np.ndarray, start: float, stop: float) -> float:
    """max − min of ``values`` over [start, stop) (NaN when fewer than 3 samples)."""
    i0, i1 = int(np.searchsorted(t, start)), int(np.searchsorted(t, stop))
    seg = values[i0:i1]
    seg = seg[np.isfinite(seg)]
    return float(seg.max() - seg.min()) if seg.size >= 3 else float("nan")


def pelvis_angles_3d(
    l_asis: np.ndarray, r_asis: np.ndarray, l_psis: np.ndarray, r_psis: np.ndarray
) -> dict[str, np.ndarray]:
    """Pelvis tilt, obliquity and rotation (degrees) from the four pelvis markers in the body frame
    (X forward, Y up, Z right), as projection angles: tilt = the PSIS→ASIS line against the
    horizontal in the sagittal plane (positive = front down, anterior tilt); obliquity = the
    left→right ASIS line against the horizontal in the frontal plane (positive = right side up);
    rotation = the same line against the lateral axis in the horizontal plane (positive = right
    side forward). Ranges over a stride are what the findings use."""
    lat = r_asis - l_asis
    fwd = 0.5 * (l_asis + r_asis) - 0.5 * (l_psis + r_psis)
    return {
        "tilt": np.degrees(np.arctan2(-fwd[:, 1], fwd[:, 0])),
        "obliquity": np.degrees(np.arctan2(lat[:, 1], lat[:, 2])),
        "rotation": np.degrees(np.arctan2(lat[:, 0], lat[:, 2])),
    }
