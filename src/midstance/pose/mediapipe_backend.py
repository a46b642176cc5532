"""MediaPipe pose (legacy ``solutions.pose``) and its bundled person detector, strictly offline.

Only ``model_complexity=1`` ships inside the wheel (pose_landmark_full + pose_detection); 0 and 2 would
download a model at construction, so they are refused here (DESIGN.md §3, §7).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from midstance.pose.backend import PersonDetection
from midstance.pose.landmarks import N_LANDMARKS, Landmarks
from midstance.pose.quiet import NativeStderrCapture

log = logging.getLogger(__name__)

#: the only landmark model bundled with the mediapipe wheel
MODEL_COMPLEXITY = 1

# MediaPipe's legacy API stamps every image 33.333 ms after the previous one whatever its real time;
# its landmark filter and tracker then misjudge speed on 60/240 fps clips or skipped frames. Setting
# the stamp from the frame's own time fixes that. Offset so that t = 0 is a positive stamp.
_STAMP_OFFSET_US = 1_000_000
_SIMULATED_STEP_US = 33333

_DETECTOR_GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  name: "persondetector"
  calculator: "PoseDetectionCpu"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:detections"
}
"""


class _StampedSolution:
    """Shared handling of timestamps and of the native log lines MediaPipe prints.

    Subclasses build their solution inside :attr:`_quiet`; it is then warmed up on a blank picture
    (the graph loads its models on background threads, printing as it goes) and calls stay captured
    until the first one that finds something (the first landmark projection prints a warning too)."""

    #: upper bound on captured calls, so a clip where nothing is ever found stops paying for it
    _MAX_QUIET_CALLS = 300

    def __init__(self, solution: Any, quiet: NativeStderrCapture) -> None:
        self._solution = solution
        self._quiet = quiet
        self._last_us = -1
        self._quiet_calls = 0
        self._found_once = False
        with self._quiet:
            self._solution.process(np.zeros((64, 64, 3), dtype=np.uint8))
        self._last_us = _SIMULATED_STEP_US

    def _run(self, rgb: np.ndarray, t_s: float | None) -> Any:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 picture (H, W, 3), got {rgb.dtype} {rgb.shape}")
        if t_s is None:
            stamp = self._last_us + _SIMULATED_STEP_US
        else:
            stamp = max(round(t_s * 1e6) + _STAMP_OFFSET_US, self._last_us + 1)
        if hasattr(self._solution, "_simulated_timestamp"):
            self._solution._simulated_timestamp = stamp - _SIMULATED_STEP_US
        self._last_us = stamp
        picture = np.ascontiguousarray(rgb)
        if self._found_once or self._quiet_calls >= self._MAX_QUIET_CALLS:
            return self._solution.process(picture)
        self._quiet_calls += 1
        with self._quiet:
            out = self._solution.process(picture)
        self._found_once = self._found(out)
        return out

    @staticmethod
    def _found(result: Any) -> bool:
        return bool(getattr(result, "pose_landmarks", None) or getattr(result, "detections", None))

    def close(self) -> None:
        if self._solution is not None:
            with self._quiet:
                self._solution.close()
            self._solution = None
            self._quiet.close()


class MediaPipePose(_StampedSolution):
    """One MediaPipe Pose that follows one person across consecutive frames.

    ``smooth_landmarks`` is off by default: MediaPipe's filter is causal and lags fast feet, which
    moves foot-contact times; the gait core filters with zero phase instead."""

    def __init__(
        self,
        *,
        smooth_landmarks: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        model_complexity: int = MODEL_COMPLEXITY,
    ) -> None:
        if model_complexity != MODEL_COMPLEXITY:
            raise ValueError("only model_complexity=1 is bundled with mediapipe; 0 and 2 need a download")
        quiet = NativeStderrCapture()
        with quiet:
            from mediapipe.python.solutions import pose as mp_pose

            solution = mp_pose.Pose(
                static_image_mode=False,
                model_complexity=MODEL_COMPLEXITY,
                smooth_landmarks=smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        super().__init__(solution, quiet)

    def process(self, rgb: np.ndarray, t_s: float) -> Landmarks | None:
        result = self._run(rgb, t_s)
        found = getattr(result, "pose_landmarks", None)
        if not found:
            return None
        h, w = rgb.shape[:2]
        arr = np.array([(p.x * w, p.y * h, p.visibility) for p in found.landmark], dtype=float)
        if arr.shape != (N_LANDMARKS, 3):
            return None
        return Landmarks(arr[:, :2].copy(), np.clip(arr[:, 2], 0.0, 1.0))


class MediaPipePersonDetector(_StampedSolution):
    """MediaPipe's bundled BlazePose detector run on its own, returning every person it finds.

    Each detection carries the mid-hip centre and a point whose distance from it is the radius of a
    circle around the whole body (the way MediaPipe itself builds the landmark crop)."""

    def __init__(self, *, min_score: float = 0.4) -> None:
        quiet = NativeStderrCapture()
        with quiet:
            from mediapipe.python.solution_base import SolutionBase

            solution = SolutionBase(
                graph_config=_DETECTOR_GRAPH,
                calculator_params={
                    "persondetector__TensorsToDetectionsCalculator.min_score_thresh": float(min_score)
                },
                outputs=["detections"],
            )
        super().__init__(solution, quiet)

    def detect(self, rgb: np.ndarray) -> list[PersonDetection]:
        result = self._run(rgb, None)
        found = getattr(result, "detections", None) or []
        h, w = rgb.shape[:2]
        people: list[PersonDetection] = []
        for det in found:
            kps = det.location_data.relative_keypoints
            if len(kps) < 2:
                continue
            cx, cy = kps[0].x * w, kps[0].y * h
            radius = float(np.hypot(kps[1].x * w - cx, kps[1].y * h - cy))
            score = float(det.score[0]) if len(det.score) else 0.0
            people.append(PersonDetection(float(cx), float(cy), radius, score))
        return people
