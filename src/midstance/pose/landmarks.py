"""The 33 MediaPipe pose landmarks and how they map to the project's point names (DESIGN.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: MediaPipe BlazePose landmark order (index -> MediaPipe's own name)
MP_LANDMARKS: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
N_LANDMARKS = len(MP_LANDMARKS)

#: contract point name -> MediaPipe landmark index (toe = MediaPipe foot_index)
CONTRACT_INDEX: dict[str, int] = {
    "nose": 0,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
    "left_heel": 29,
    "right_heel": 30,
    "left_toe": 31,
    "right_toe": 32,
}

LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HIP, RIGHT_HIP = 23, 24
FOOT_POINTS = (27, 28, 29, 30, 31, 32)


def raw_name(index: int) -> str:
    """Column name of a landmark in the output: ``mp_00`` … ``mp_32``."""
    return f"mp_{index:02d}"


@dataclass(frozen=True)
class Landmarks:
    """One person's 33 landmarks in one frame: pixels of the picture that was given to the backend
    (origin top-left, y down), and MediaPipe's visibility (0..1) as the confidence."""

    xy_px: np.ndarray  # (33, 2)
    visibility: np.ndarray  # (33,)

    def __post_init__(self) -> None:
        if self.xy_px.shape != (N_LANDMARKS, 2) or self.visibility.shape != (N_LANDMARKS,):
            raise ValueError(f"landmarks must be (33, 2) and (33,), got {self.xy_px.shape}")

    def mapped(
        self, scale_x: float, scale_y: float, offset_x: float = 0.0, offset_y: float = 0.0
    ) -> Landmarks:
        """The same landmarks in another picture: ``x' = offset_x + scale_x * x`` (crops, resizes)."""
        xy = self.xy_px * np.array([scale_x, scale_y]) + np.array([offset_x, offset_y])
        return Landmarks(xy, self.visibility)

    def bbox(self, min_visibility: float = 0.0) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the landmarks at least this visible (all if none is)."""
        ok = self.visibility >= min_visibility
        pts = self.xy_px[ok] if ok.any() else self.xy_px
        return (
            float(pts[:, 0].min()),
            float(pts[:, 1].min()),
            float(pts[:, 0].max()),
            float(pts[:, 1].max()),
        )

    def hip_center(self) -> np.ndarray:
        return (self.xy_px[LEFT_HIP] + self.xy_px[RIGHT_HIP]) / 2.0

    def as_array(self) -> np.ndarray:
        """(33, 3) float32: x, y, visibility — the compact form sent between processes."""
        return np.concatenate([self.xy_px, self.visibility[:, None]], axis=1).astype(np.float32)

    @staticmethod
    def from_array(a: np.ndarray) -> Landmarks:
        a = np.asarray(a, dtype=float)
        return Landmarks(a[:, :2].copy(), a[:, 2].copy())
