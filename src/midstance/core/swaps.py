"""Left/right leg swaps in side-view keypoints, found and repaired.

Pose models often confuse the near and the far leg in a side view, for single frames or for long
runs. Two facts fix the labels:

1. **Continuity.** A leg moves smoothly. Each frame either keeps the model's labels or swaps them;
   the labelling of the whole clip is the one that makes the legs' motion smoothest, found by
   dynamic programming (Viterbi) over the frames. The state carries the previous frame's choice
   too, so the cost can compare each leg with a constant-velocity prediction (at 30 fps the legs
   pass each other mid-swing, where positions alone are ambiguous but velocities are not).
2. **Who is near.** In a side view the camera sees the runner's side that faces it: a runner facing
   image-left shows the left side, facing image-right the right side. The near leg is the one the
   model sees better (higher confidence). Once the labelling is consistent, the leg with the higher
   mean confidence is named after the side that faces the camera.

Pure numpy; used for image keypoints before the gait core cleans them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from midstance.core.filters import nan_runs
from midstance.core.series import ImageKeypoints

LEG_PARTS = ("knee", "ankle", "heel", "toe")


@dataclass(frozen=True)
class SwapReport:
    swapped_frames: int
    runs: tuple[tuple[int, int], ...]
    identity_flipped: bool
    identity_margin: float  # mean confidence difference near − far (0 = no evidence)


def _legs(kp: ImageKeypoints) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stacked leg points (n, P, 2) of the model's left and right legs, and their confidences (n, P)."""
    parts = [p for p in LEG_PARTS if f"left_{p}" in kp.points and f"right_{p}" in kp.points]
    left = np.stack([kp.points[f"left_{p}"] for p in parts], axis=1)
    right = np.stack([kp.points[f"right_{p}"] for p in parts], axis=1)
    lc = np.stack([kp.conf(f"left_{p}") for p in parts], axis=1)
    rc = np.stack([kp.conf(f"right_{p}") for p in parts], axis=1)
    return left, right, lc, rc


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean point distance between leg point sets (..., P, 2), ignoring missing points."""
    d = np.linalg.norm(a - b, axis=-1)
    ok = np.isfinite(d)
    n = ok.sum(axis=-1)
    total = np.where(ok, d, 0.0).sum(axis=-1)
    return np.where(n > 0, total / np.maximum(n, 1), 0.0)


def find_swaps(
    kp: ImageKeypoints,
    switch_cost: float | None = None,
    facing: Literal["left", "right"] | None = None,
    near_weight: float = 2.0,
) -> np.ndarray:
    """Per frame, True where the model's left and right legs should be exchanged so the legs move
    smoothly and, when ``facing`` is given, the better-seen leg carries the name of the side facing
    the camera (a per-frame cost ``near_weight`` × confidence gap × leg scale for labellings that
    name the better-seen leg after the far side)."""
    left, right, lc, rc = _legs(kp)
    n = left.shape[0]
    if n < 3:
        return np.zeros(n, dtype=bool)
    legs = np.stack([left, right], axis=1)  # (n, 2, P, 2)
    swapped = legs[:, ::-1]
    options = np.stack([legs, swapped], axis=1)  # (n, state, leg, P, 2): state 1 = exchanged
    scale = (
        float(np.nanmedian(np.linalg.norm(left[:, 0] - left[:, 1], axis=-1))) if left.shape[1] > 1 else 1.0
    )
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
    penalty = 0.5 * scale if switch_cost is None else switch_cost
    # step costs for every frame at once: leg motion from t-1 to t compared with a constant-velocity
    # prediction from t-2, t-1, for every choice (a, b, c) = (s_{t-2}, s_{t-1}, s_t)
    step = np.zeros((2, 2, 2, n))
    for a in (0, 1):
        for b in (0, 1):
            prev2, prev1 = options[:-2, a], options[1:-1, b]
            pred = 2 * prev1 - prev2
            pred = np.where(np.isfinite(pred).all(axis=-1, keepdims=True), pred, prev1)
            for c in (0, 1):
                step[a, b, c, 2:] = _dist(options[2:, c], pred).sum(axis=-1) + penalty * (b != c)
    # per-frame evidence of which leg is near: it is seen with higher confidence
    unary = np.zeros((n, 2))
    if facing is not None:
        gap = np.nan_to_num(np.nanmean(lc, axis=1) - np.nanmean(rc, axis=1))  # > 0: model's left seen better
        if facing == "right":
            gap = -gap
        # state 0 keeps the model's labels: wrong when the model's left is seen worse (gap < 0)
        unary[:, 0] = near_weight * scale * np.maximum(0.0, -gap)
        unary[:, 1] = near_weight * scale * np.maximum(0.0, gap)
    for c in (0, 1):
        step[:, :, c, :] += unary[:, c]
    first = np.array(
        [
            [
                _dist(options[1, b], options[0, a]).sum() + penalty * (a != b) + unary[0, a] + unary[1, b]
                for b in (0, 1)
            ]
            for a in (0, 1)
        ]
    )
    # Viterbi over states (s_{t-1}, s_t)
    cost = first.reshape(4)
    back = np.zeros((n, 4), dtype=np.int8)
    for t in range(2, n):
        new = np.empty(4)
        for b in (0, 1):
            for c in (0, 1):
                c0 = cost[b] + step[0, b, c, t]  # a = 0: state index 2*0 + b
                c1 = cost[2 + b] + step[1, b, c, t]
                new[2 * b + c] = min(c0, c1)
                back[t, 2 * b + c] = 0 if c0 <= c1 else 1
        cost = new
    # backtrack
    states = np.zeros(n, dtype=np.int8)
    k = int(np.argmin(cost))
    states[n - 1], states[n - 2] = k % 2, k // 2
    for t in range(n - 1, 1, -1):
        a = back[t, 2 * states[t - 1] + states[t]]
        states[t - 2] = a
    return states.astype(bool)


def near_side_identity(
    kp: ImageKeypoints, swaps: np.ndarray, facing: Literal["left", "right"]
) -> tuple[bool, float]:
    """Whether the (consistently relabelled) legs must be exchanged as a whole so that the leg the
    model sees better carries the name of the side facing the camera; and the evidence margin."""
    _, _, lc, rc = _legs(kp)
    lc2 = np.where(swaps[:, None], rc, lc)
    rc2 = np.where(swaps[:, None], lc, rc)
    margin = float(np.nanmean(lc2) - np.nanmean(rc2))  # > 0: the model's "left" is seen better
    near_is_left_label = margin > 0
    want_left_near = facing == "left"
    return near_is_left_label != want_left_near, abs(margin)


def repair_swaps(
    kp: ImageKeypoints, facing: Literal["left", "right"], min_margin: float = 0.02
) -> tuple[ImageKeypoints, SwapReport]:
    """Relabel the legs frame by frame (continuity) and as a whole (near side = facing side when
    the confidences say which leg is near by at least ``min_margin``)."""
    swaps = find_swaps(kp, facing=facing)
    flip, margin = near_side_identity(kp, swaps, facing)
    if margin < min_margin:
        # no evidence which leg is near: keep the model's majority labelling
        flip = bool(swaps.mean() > 0.5)
    final = swaps ^ flip
    pts = dict(kp.points)
    conf = dict(kp.confidence)
    for p in LEG_PARTS:
        ln, rn = f"left_{p}", f"right_{p}"
        if ln not in pts or rn not in pts:
            continue
        a, b = pts[ln].copy(), pts[rn].copy()
        a[final], b[final] = pts[rn][final], pts[ln][final]
        pts[ln], pts[rn] = a, b
        if ln in conf and rn in conf:
            ca, cb = conf[ln].copy(), conf[rn].copy()
            ca[final], cb[final] = conf[rn][final], conf[ln][final]
            conf[ln], conf[rn] = ca, cb
    runs = tuple(nan_runs(final))
    report = SwapReport(int(final.sum()), runs, flip, margin)
    return replace(kp, points=pts, confidence=conf), report
