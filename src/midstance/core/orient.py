"""Orientation: vertical and running direction from the data, and the body frame the core works in.

The body frame has X forward along the running direction, Y up and (3D only) Z to the runner's
right. Image keypoints map to it as X = ±x (by the side the runner faces) and Y = −y (pixels, y
down in the image); world keypoints are rotated into it (metres).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from midstance.core.filters import finite_rows, nanmean_of
from midstance.core.series import ImageKeypoints, Keypoints, WorldKeypoints
from midstance.errors import AnalysisError

#: snap a found running direction to a lab axis when it lies within this angle of it (labs align
#: treadmills and walkways with an axis; the data-derived direction wobbles by a few degrees)
SNAP_DEG = 10.0


@dataclass(frozen=True)
class BodyFrameSeries:
    """Points in the body frame: (n, 3) arrays, X forward, Y up, Z right (Z is NaN for 2D input)."""

    time_s: np.ndarray
    points: dict[str, np.ndarray]
    #: per-point confidence 0..1 where the input gives one (absent = fully trusted when present)
    confidence: dict[str, np.ndarray]
    units: Literal["m", "px"]
    is_3d: bool
    facing: Literal["left", "right"] | None
    notes: dict[str, str]
    #: standing reference pose in the body frame (name → (3,)), when the input has one
    standing: dict[str, np.ndarray] = field(default_factory=dict)

    def xy(self, name: str) -> np.ndarray:
        return self.points[name][:, :2]

    def x(self, name: str) -> np.ndarray:
        return self.points[name][:, 0]

    def y(self, name: str) -> np.ndarray:
        return self.points[name][:, 1]

    def has(self, name: str) -> bool:
        a = self.points.get(name)
        return a is not None and bool(finite_rows(a[:, :2]).any())


def _nanmean_pts(*arrs: np.ndarray) -> np.ndarray:
    return nanmean_of(*arrs)


def find_up_axis(kp: WorldKeypoints) -> tuple[int, float]:
    """The lab axis along which the hips sit highest above the ankles, with its sign."""
    if kp.up_axis is not None:
        return kp.up_axis, kp.up_sign
    hip = _nanmean_pts(kp.points["left_hip"], kp.points["right_hip"])
    ank = _nanmean_pts(kp.points["left_ankle"], kp.points["right_ankle"])
    d = np.nanmedian(hip - ank, axis=0)
    if not np.isfinite(d).all():
        raise AnalysisError("cannot tell which way is up: hips and ankles are never visible together")
    ax = int(np.argmax(np.abs(d)))
    return ax, float(np.sign(d[ax]))


def _low_foot_mask(foot_h: np.ndarray) -> np.ndarray:
    ok = np.isfinite(foot_h)
    if not ok.any():
        return ok
    thr = np.nanpercentile(foot_h, 30)
    return ok & (foot_h <= thr)


def _forward_from_feet(
    hip_h: np.ndarray, feet: list[tuple[np.ndarray, np.ndarray]], t: np.ndarray
) -> np.ndarray:
    """Horizontal running direction (unit 2-vector) from the stance feet moving backwards relative
    to the hips. ``hip_h`` (n, 2) and each foot (n, 2) horizontal position, with foot height (n,)."""
    vels = []
    for pos, height in feet:
        rel = pos - hip_h
        v = np.gradient(rel, t, axis=0)
        low = _low_foot_mask(height) & finite_rows(v)
        if low.sum() > 3:
            vels.append(v[low])
    if not vels:
        raise AnalysisError("cannot find the running direction: no foot is seen on the ground")
    v = np.concatenate(vels)
    # the stance foot moves backwards relative to the hip: forward is opposite its typical velocity
    # (a median, not a principal axis: in stance the velocity is nearly constant, so its spread is
    # mostly noise and would point anywhere)
    mean = -np.median(v, axis=0)
    norm = float(np.linalg.norm(mean))
    if not np.isfinite(norm) or norm == 0:
        raise AnalysisError("cannot find the running direction: the feet do not move relative to the hips")
    return mean / norm


def to_body_frame(kp: Keypoints, facing_hint: Literal["left", "right"] | None = None) -> BodyFrameSeries:
    """Rotate world keypoints, or flip image keypoints, into the body frame (X forward, Y up)."""
    if isinstance(kp, ImageKeypoints):
        return _image_to_body(kp, facing_hint)
    return _world_to_body(kp)


def _image_to_body(kp: ImageKeypoints, facing_hint: Literal["left", "right"] | None) -> BodyFrameSeries:
    t = kp.time_s
    raw = {k: v for k, v in kp.points.items()}
    if facing_hint is None:
        hip = _nanmean_pts(raw["left_hip"], raw["right_hip"])
        feet = []
        for side in ("left", "right"):
            for name in (f"{side}_ankle", f"{side}_heel", f"{side}_toe"):
                if name in raw:
                    p = raw[name]
                    feet.append((p[:, :1], -p[:, 1]))
        fwd = _forward_from_feet(hip[:, :1], feet, t)
        facing: Literal["left", "right"] = "right" if fwd[0] > 0 else "left"
    else:
        facing = facing_hint
    sx = 1.0 if facing == "right" else -1.0
    pts = {}
    for name, p in raw.items():
        out = np.full((p.shape[0], 3), np.nan)
        out[:, 0] = sx * p[:, 0]
        out[:, 1] = -p[:, 1]
        pts[name] = out
    conf = {name: kp.conf(name) for name in raw}
    return BodyFrameSeries(t, pts, conf, "px", False, facing, {"facing": facing})


def _world_to_body(kp: WorldKeypoints) -> BodyFrameSeries:
    t = kp.time_s
    dim = next(iter(kp.points.values())).shape[1]
    if dim == 2:
        # a sagittal plane in metres: one axis is up, the other along the running direction
        up_ax = 1 if kp.up_axis is None else kp.up_axis
        up_sign = kp.up_sign if kp.up_axis is not None else 1.0
        h_ax = 1 - up_ax
        hip = _nanmean_pts(kp.points["left_hip"], kp.points["right_hip"])
        feet = [
            (kp.points[n][:, [h_ax]], up_sign * kp.points[n][:, up_ax])
            for s in ("left", "right")
            for n in (f"{s}_ankle", f"{s}_heel", f"{s}_toe")
            if n in kp.points
        ]
        sx = (
            1.0
            if kp.forward_axis is not None
            else float(np.sign(_forward_from_feet(hip[:, [h_ax]], feet, t)[0]))
        )
        pts = {
            k: np.column_stack([sx * v[:, h_ax], up_sign * v[:, up_ax], np.full(v.shape[0], np.nan)])
            for k, v in kp.points.items()
        }
        return BodyFrameSeries(
            t,
            pts,
            {k: kp.conf(k) for k in kp.confidence},
            "m",
            False,
            None,
            {"orientation": "2D sagittal, forward from the stance feet"},
        )
    up_ax, up_sign = find_up_axis(kp)
    up = np.zeros(3)
    up[up_ax] = up_sign
    horiz_axes = [a for a in range(3) if a != up_ax]
    notes: dict[str, str] = {"up": f"{'+' if up_sign > 0 else '-'}{'XYZ'[up_ax]}"}

    def horiz(p: np.ndarray) -> np.ndarray:
        return p[:, horiz_axes]

    if kp.forward_axis is not None:
        fwd = np.zeros(3)
        fwd[kp.forward_axis] = kp.forward_sign
        notes["forward"] = f"{'+' if kp.forward_sign > 0 else '-'}{'XYZ'[kp.forward_axis]} (documented)"
    else:
        if all(n in kp.points for n in ("left_asis", "right_asis", "left_psis", "right_psis")):
            d = _nanmean_pts(kp.points["left_asis"], kp.points["right_asis"]) - _nanmean_pts(
                kp.points["left_psis"], kp.points["right_psis"]
            )
            h = np.nanmedian(horiz(d), axis=0)
            how = "pelvis markers (PSIS → ASIS)"
        else:
            hip = horiz(_nanmean_pts(kp.points["left_hip"], kp.points["right_hip"]))
            feet = []
            for side in ("left", "right"):
                for name in (f"{side}_ankle", f"{side}_heel", f"{side}_toe"):
                    if name in kp.points:
                        p = kp.points[name]
                        feet.append((horiz(p), p @ up))
            h = _forward_from_feet(hip, feet, t)
            how = "stance feet moving backwards"
        h = h / np.linalg.norm(h)
        fwd = np.zeros(3)
        fwd[horiz_axes] = h
        # snap to a lab axis when close (see SNAP_DEG)
        k = int(np.argmax(np.abs(h)))
        ang = math.degrees(math.acos(min(1.0, abs(float(h[k])))))
        if ang <= SNAP_DEG:
            fwd = np.zeros(3)
            fwd[horiz_axes[k]] = float(np.sign(h[k]))
            notes["forward"] = (
                f"{'+' if h[k] > 0 else '-'}{'XYZ'[horiz_axes[k]]} (from {how}, {ang:.1f}° off)"
            )
        else:
            notes["forward"] = f"{fwd.round(3).tolist()} (from {how})"
    right = np.cross(fwd, up)
    rot = np.stack([fwd, up, right])  # rows: body axes in lab coordinates
    pts = {k: v @ rot.T for k, v in kp.points.items()}
    conf = {k: kp.conf(k) for k in kp.confidence}  # only points that come with confidences
    standing = {k: np.asarray(v, dtype=float) @ rot.T for k, v in kp.standing.items()}
    return BodyFrameSeries(t, pts, conf, "m", True, None, notes, standing)


def detect_setting(
    body: BodyFrameSeries, leg_length: float
) -> tuple[Literal["treadmill", "overground"], float]:
    """Treadmill when the mid-hip stays in place; overground when it travels. Returns the setting
    and the mid-hip's mean forward speed in leg lengths per second."""
    hip_x = nanmean_of(body.x("left_hip"), body.x("right_hip"))
    ok = np.isfinite(hip_x)
    if ok.sum() < 2:
        return "treadmill", 0.0
    t = body.time_s[ok]
    span = float(t[-1] - t[0])
    if span <= 0:
        return "treadmill", 0.0
    # robust travel: difference of the first and last 10 % medians
    k = max(1, ok.sum() // 10)
    x = hip_x[ok]
    travel = abs(float(np.median(x[-k:]) - np.median(x[:k])))
    speed = travel / span / leg_length
    # overground runners move ≥ 1 leg length per second; a treadmill runner drifts far less
    return ("overground" if speed > 0.5 else "treadmill"), speed


@dataclass(frozen=True)
class ViewGuess:
    view: Literal["side", "rear", "front"]
    oblique: bool
    hip_separation: float  # median |left hip − right hip| along x, / leg length
    foot_swing: float  # fore–aft (x) travel of the feet relative to the hips, / leg length
    face_confidence: float
    feet_cross: float = float("nan")  # share of frames with the feet in the less common x order


def detect_view(kp: ImageKeypoints) -> ViewGuess:
    """Side, rear or front view from image keypoints. In a side view the hips overlap and the feet
    swing far along x; from behind or in front the hips sit apart and the feet hardly move along x
    (they swing along the camera axis). Front and rear differ by whether the face is seen. Feet
    that move far along x but never pass each other (one always image-left of the other, as in a
    jumping jack or a wide stance seen from the front) are a frontal view too: in a side view they
    change order every step."""
    lh, rh = kp.points["left_hip"], kp.points["right_hip"]
    la, ra = kp.points["left_ankle"], kp.points["right_ankle"]
    leg = float(
        np.nanpercentile(
            np.concatenate([np.linalg.norm(lh - la, axis=1), np.linalg.norm(rh - ra, axis=1)]), 95
        )
    )
    if not np.isfinite(leg) or leg <= 0:
        return ViewGuess("side", False, float("nan"), float("nan"), float("nan"))
    hip_sep = float(np.nanmedian(np.abs(lh[:, 0] - rh[:, 0]))) / leg
    mid = 0.5 * (lh[:, 0] + rh[:, 0])
    swings = []
    for a in (la, ra):
        rel = a[:, 0] - mid
        if np.isfinite(rel).sum() > 10:
            swings.append(float(np.nanpercentile(rel, 95) - np.nanpercentile(rel, 5)))
    swing = (float(np.median(swings)) / leg) if swings else float("nan")
    face = float(np.nanmedian(kp.conf("nose"))) if "nose" in kp.points else float("nan")
    # the feet's left–right order, over ~0.2 s running medians (a pose model swaps the two labels for
    # a frame or a few now and then); feet side by side tell nothing
    apart = la[:, 0] - ra[:, 0]
    rate = 1.0 / float(np.median(np.diff(kp.time_s))) if len(kp.time_s) > 1 else 30.0
    half = max(1, int(0.1 * rate))
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(apart, half, mode="edge"), 2 * half + 1)
    seen = np.isfinite(windows).all(axis=1)  # windows with an unseen foot are left out
    smooth = np.full(len(apart), np.nan)
    smooth[seen] = np.median(windows[seen], axis=1)
    order = np.sign(smooth[np.abs(smooth) > 0.05 * leg])
    cross = float(min(np.mean(order > 0), np.mean(order < 0))) if order.size > 10 else float("nan")
    # a pose model's hips sit ~0.05–0.1 leg apart even square-on; beyond 0.14 (≈ 50° of yaw for
    # real hip joint centres, 0.2 leg apart) the camera is clearly not perpendicular
    frontal_feet = hip_sep >= 0.12 and cross < 0.15  # a side view changes order every step: ~50 %
    if not frontal_feet and (swing >= 0.35 or (swing >= 0.25 and hip_sep < 0.12)):
        return ViewGuess("side", hip_sep > 0.14, hip_sep, swing, face, cross)
    if hip_sep >= 0.12:
        view: Literal["rear", "front"] = "front" if np.isfinite(face) and face > 0.6 else "rear"
        return ViewGuess(view, swing > 0.2 and not frontal_feet, hip_sep, swing, face, cross)
    return ViewGuess("side", True, hip_sep, swing, face, cross)


def frontal_body(kp: ImageKeypoints, view: Literal["rear", "front"]) -> BodyFrameSeries:
    """Image keypoints of a rear or front view in frontal-plane coordinates: X = lateral (towards
    the runner's right), Y = up, in pixels. From behind the runner's right is image-right; in front
    it is image-left."""
    sx = 1.0 if view == "rear" else -1.0
    pts = {}
    for name, p in kp.points.items():
        out = np.full((p.shape[0], 3), np.nan)
        out[:, 0] = sx * p[:, 0]
        out[:, 1] = -p[:, 1]
        pts[name] = out
    conf = {name: kp.conf(name) for name in kp.confidence}
    return BodyFrameSeries(kp.time_s, pts, conf, "px", False, None, {"view": view})
