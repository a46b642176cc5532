"""Which frames get pose: every k-th frame, optionally every frame around foot contacts.

Pose costs ≈22 ms a frame here, so every frame of a 60 fps clip is real time on two cores
(DESIGN.md §7). Gait events need fine timing only where a foot meets or leaves the ground; in
mid-stance (foot still on the ground) and mid-swing (foot high) half the frames cost little. The
contact-aware selector decides causally from the landmarks already found, so it works inside each
time chunk without a second pass.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from midstance.pose.landmarks import LEFT_HIP, RIGHT_HIP, Landmarks

# (ankle, heel, toe) per foot
_FEET = ((27, 29, 31), (28, 30, 32))
#: seconds of history for the ground level and leg length
_HISTORY_S = 3.0
#: vertical foot speed (leg lengths per second) that counts as moving
_MOVING = 0.5
#: a foot moving down this close to its ground level (leg lengths) is landing
_LANDING = 0.06
#: a foot moving up this close to its ground level is lifting off
_LIFTING = 0.10


class FrameSelector:
    """``want(index)`` says whether to run pose on the decoded frame with this global index;
    ``observe`` feeds back what pose found.

    With ``dense_near_contacts``, every frame is taken while a foot is landing (moving down near
    its ground level, or due to reach it before the next sparse frame) or lifting off (moving up
    near it). Thresholds were tuned by replaying the full-rate keypoints of the shared runner clip;
    see docs/video.md for what it saves and costs."""

    def __init__(
        self, stride: int = 1, dense_near_contacts: bool = False, frame_dt_s: float = 1 / 30
    ) -> None:
        self.stride = max(1, int(stride))
        self.dense = dense_near_contacts and self.stride > 1
        self.frame_dt_s = frame_dt_s
        self._hist: deque[tuple[float, np.ndarray, float]] = deque()
        self._urgent = True

    def want(self, index: int) -> bool:
        if self.stride == 1 or index % self.stride == 0:
            return True
        return self.dense and self._urgent

    def observe(self, t_s: float, lm: Landmarks | None) -> None:
        if not self.dense:
            return
        if lm is None:
            self._urgent = True  # lost: look at every frame until found again
            return
        feet = np.array([lm.xy_px[list(idx), 1].max() for idx in _FEET])  # lowest point, y down
        hips = lm.xy_px[[LEFT_HIP, RIGHT_HIP]]
        ankles = lm.xy_px[[27, 28]]
        leg = float(np.mean(np.linalg.norm(hips - ankles, axis=1)))
        self._hist.append((t_s, feet, leg))
        while self._hist and t_s - self._hist[0][0] > _HISTORY_S:
            self._hist.popleft()
        self._urgent = self._near_contact()

    def _near_contact(self) -> bool:
        if len(self._hist) < 4:
            return True
        times = np.array([h[0] for h in self._hist])
        feet = np.stack([h[1] for h in self._hist])
        leg = float(np.median([h[2] for h in self._hist]))
        dt = times[-1] - times[-2]
        if not np.isfinite(leg) or leg <= 0 or dt <= 0:
            return True
        ground = np.percentile(feet, 90, axis=0)
        height = (ground - feet[-1]) / leg  # above the ground, in leg lengths
        speed = (feet[-1] - feet[-2]) / dt / leg  # > 0: going down
        horizon = (self.stride + 1) * self.frame_dt_s
        for h, v in zip(height, speed, strict=True):
            if v > _MOVING and (h < _LANDING or h / v < horizon):
                return True  # landing, or will land before the next sparse frame
            if v < -_MOVING and h < _LIFTING:
                return True  # lifting off
        return False
