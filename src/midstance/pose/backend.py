"""What a pose estimator must offer so the runner can drive it (one implementation: MediaPipe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from midstance.pose.landmarks import Landmarks


@runtime_checkable
class PoseBackend(Protocol):
    """Follows one person through consecutive frames of one clip.

    ``process`` gets an upright RGB picture (H, W, 3 uint8) and its timestamp (strictly increasing)
    and returns that person's landmarks in the picture's pixels, or None when nobody is found."""

    def process(self, rgb: np.ndarray, t_s: float) -> Landmarks | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PersonDetection:
    """A candidate person in one picture, in its pixels: the body's centre (mid-hip) and the radius
    of a circle around the whole body, with the detector's score."""

    cx: float
    cy: float
    radius: float
    score: float


@runtime_checkable
class PersonDetector(Protocol):
    """Finds every person in one picture (no tracking)."""

    def detect(self, rgb: np.ndarray) -> list[PersonDetection]: ...

    def close(self) -> None: ...
