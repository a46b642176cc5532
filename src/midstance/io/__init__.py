"""File importers: motion capture (C3D, TRC, RBDS and other marker tables) and keypoints (keypoint
CSV, OpenPose JSON). Every reader raises :class:`~midstance.errors.InputError` with a one-line
message for a file it cannot use; formats, axes and units are described in ``docs/formats.md``."""

from __future__ import annotations

from pathlib import Path

from midstance.core.series import ImageKeypoints, WorldKeypoints
from midstance.errors import InputError
from midstance.io.keypoints import read_keypoint_csv, write_keypoint_csv
from midstance.io.mocap import find_static_trial, read_c3d, read_marker_table, read_rbds_txt, read_trc
from midstance.io.openpose import read_openpose_dir
from midstance.io.sniff import KEYPOINT_KINDS, MOCAP_KINDS, Kind, sniff
from midstance.mocap.data import MarkerData

__all__ = [
    "KEYPOINT_KINDS",
    "MOCAP_KINDS",
    "Kind",
    "find_static_trial",
    "load_keypoints",
    "load_markers",
    "read_c3d",
    "read_keypoint_csv",
    "read_marker_table",
    "read_openpose_dir",
    "read_rbds_txt",
    "read_trc",
    "sniff",
    "write_keypoint_csv",
]

_KIND_WORDS: dict[str, str] = {
    "c3d": "a C3D motion-capture file",
    "trc": "a TRC marker file",
    "rbds": "an RBDS marker file",
    "marker_table": "a marker table",
    "keypoint_csv": "a keypoint CSV",
    "openpose": "an OpenPose JSON folder",
    "video": "a video",
    "image": "a still image",
}


def load_markers(path: str | Path, units: str | None = None, rate_hz: float | None = None) -> MarkerData:
    """Motion capture from any supported marker file, the format decided from its content.

    ``units`` ('mm', 'cm', 'm') overrides the file's unit; ``rate_hz`` is only used by marker tables
    that have frame numbers or no time column."""
    kind = sniff(path)
    if kind == "c3d":
        return read_c3d(path, units)
    if kind == "trc":
        return read_trc(path, units)
    if kind == "rbds":
        return read_rbds_txt(path, units)
    if kind == "marker_table":
        return read_marker_table(path, units, rate_hz=rate_hz)
    raise InputError(
        f"{Path(path).name} is {_KIND_WORDS[kind]}, not motion capture; pass a C3D, TRC or marker file"
    )


def load_keypoints(path: str | Path, fps: float | None = None) -> ImageKeypoints | WorldKeypoints:
    """Keypoints from a keypoint CSV or an OpenPose JSON folder (``fps`` needed for OpenPose)."""
    kind = sniff(path)
    if kind == "keypoint_csv":
        return read_keypoint_csv(path, fps)
    if kind == "openpose":
        return read_openpose_dir(path, fps)
    raise InputError(
        f"{Path(path).name} is {_KIND_WORDS[kind]}, not keypoints; "
        "pass a keypoint CSV or an OpenPose JSON folder"
    )
