"""Pose settings, declared once: the runner, the keypoint cache key and the docs read this."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

POSE_MODEL = "mediapipe-pose-landmark-full"


def _mediapipe_version() -> str:
    try:
        from importlib.metadata import version

        return version("mediapipe")
    except Exception:  # noqa: BLE001 - any metadata failure only makes the cache key less specific
        return "unknown"


@dataclass(frozen=True)
class PoseSettings:
    """How pose runs on a video. Everything here changes the keypoints, so all of it is in the cache
    key; ``workers`` and progress reporting do not and are passed separately."""

    #: frames are shrunk (once, while decoding) so their longer side is at most this. MediaPipe
    #: resizes to 256×256 itself, and measured here scaling 1080p down costs the decoding thread
    #: more than it saves pose, so only larger frames (4K: halved) are shrunk
    max_side: int = 1920
    #: run pose on every k-th frame only (1 = every frame)
    frame_stride: int = 1
    #: with ``frame_stride`` > 1, still run every frame while a foot is near the ground and moving
    #: vertically (around initial contact and toe-off), where event timing needs it
    dense_near_contacts: bool = False
    #: MediaPipe's own landmark filter; off because it is causal and lags fast feet
    smooth_landmarks: bool = False
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    #: look for all people this often (seconds) to find and keep the runner
    detect_every_s: float = 0.2
    #: when following one of several people, the crop around them is this many body radii wide
    crop_radii: float = 3.0
    #: which candidate to follow when several people are seen (0 = the best-ranked runner)
    person: int | None = None
    #: the frame rate a slow-motion clip was filmed at (its timestamps are playback time)
    capture_fps: float | None = None
    #: seconds by which neighbouring time chunks overlap (the later one warms its tracker up there)
    overlap_s: float = 1.0
    model: str = POSE_MODEL
    model_version: str = field(default_factory=_mediapipe_version)

    def __post_init__(self) -> None:
        if self.frame_stride < 1:
            raise ValueError("frame_stride must be at least 1")
        if self.max_side < 64:
            raise ValueError("max_side must be at least 64 pixels")

    def cache_key(self) -> dict[str, Any]:
        """The settings that change the keypoints (``overlap_s`` only moves the seam: left out)."""
        d = asdict(self)
        d.pop("overlap_s")
        return d
