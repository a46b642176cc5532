"""Pose: video → keypoints of the runner (MediaPipe, offline, on all cores)."""

from midstance.pose.backend import PersonDetection, PersonDetector, PoseBackend
from midstance.pose.cache import load_if_valid, load_keypoints, save_keypoints, video_fingerprint
from midstance.pose.landmarks import CONTRACT_INDEX, MP_LANDMARKS, Landmarks
from midstance.pose.pipeline import MIN_CLIP_S, video_to_keypoints
from midstance.pose.settings import PoseSettings

__all__ = [
    "CONTRACT_INDEX",
    "MIN_CLIP_S",
    "MP_LANDMARKS",
    "Landmarks",
    "PersonDetection",
    "PersonDetector",
    "PoseBackend",
    "PoseSettings",
    "load_if_valid",
    "load_keypoints",
    "save_keypoints",
    "video_fingerprint",
    "video_to_keypoints",
]
