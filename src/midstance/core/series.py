"""Keypoint time series: the one type every importer produces and the gait core consumes.

Two coordinate frames are kept apart as two types (DESIGN.md §1):

* :class:`ImageKeypoints` – pixels, origin top-left, x right, y **down**, 2D.
* :class:`WorldKeypoints` – metres, 3D (or 2D sagittal) with a declared up axis.

Both carry per-frame timestamps in seconds (never ``i / fps``), per-point coordinates with ``NaN``
for missing samples, and optional per-point confidences in 0..1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np

from midstance.core.filters import finite_rows
from midstance.errors import InputError

SIDES: tuple[str, str] = ("left", "right")

#: Named points the core understands (DESIGN.md §2, keypoint CSV). Extra names are carried along.
CONTRACT_POINTS: tuple[str, ...] = (
    "nose",
    "left_shoulder",
    "right_shoulder",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_toe",
    "right_toe",
)

#: Extra points that motion capture may carry: pelvis landmarks for 3D pelvis angles and additional
#: foot markers (``left_foot_<k>``) that help locate ground contact.
PELVIS_POINTS: tuple[str, ...] = ("left_asis", "right_asis", "left_psis", "right_psis")

SourceKind = Literal["video", "keypoints", "mocap"]


@dataclass(frozen=True)
class SourceInfo:
    """Where the series came from (copied into the result's ``source`` block)."""

    path: str
    kind: SourceKind
    fps: float | None = None
    duration_s: float | None = None
    frame_count: int | None = None
    width_px: int | None = None
    height_px: int | None = None
    rotation_deg: int = 0
    #: time of every decoded frame (seconds, first = 0) when keypoints exist only for some of them
    #: (pose on every k-th frame): maps event times to decoded-frame numbers
    frame_times_s: tuple[float, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class _Keypoints:
    time_s: np.ndarray
    points: Mapping[str, np.ndarray]
    confidence: Mapping[str, np.ndarray] = field(default_factory=dict)
    source: SourceInfo = field(default_factory=lambda: SourceInfo(path="", kind="keypoints"))
    #: free-form notes from the importer (e.g. ``{"static_trial": "RBDS001static.txt"}``)
    meta: Mapping[str, str] = field(default_factory=dict)
    #: warnings raised while importing, as (code, message); they end up in the result
    import_warnings: tuple[tuple[str, str], ...] = ()
    #: a standing reference pose (e.g. a motion-capture static trial): point name → position
    standing: Mapping[str, np.ndarray] = field(default_factory=dict)

    _dims: ClassVar[tuple[int, ...]] = (2, 3)

    def __post_init__(self) -> None:
        t = np.asarray(self.time_s, dtype=float)
        if t.ndim != 1:
            raise InputError("timestamps must be one-dimensional")
        n = t.shape[0]
        pts: dict[str, np.ndarray] = {}
        for name, arr in self.points.items():
            a = np.asarray(arr, dtype=float)
            if a.ndim != 2 or a.shape[0] != n or a.shape[1] not in self._dims:
                raise InputError(f"point {name!r} has shape {a.shape}, expected ({n}, {self._dims})")
            a = a.copy()
            a.setflags(write=False)
            pts[name] = a
        conf: dict[str, np.ndarray] = {}
        for name, arr in self.confidence.items():
            c = np.asarray(arr, dtype=float).copy()
            if c.shape != (n,):
                raise InputError(f"confidence of {name!r} has shape {c.shape}, expected ({n},)")
            c.setflags(write=False)
            conf[name] = c
        t = t.copy()
        t.setflags(write=False)
        object.__setattr__(self, "time_s", t)
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "confidence", conf)

    @property
    def n_frames(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def duration_s(self) -> float:
        return float(self.time_s[-1] - self.time_s[0]) if self.n_frames > 1 else 0.0

    @property
    def rate_hz(self) -> float:
        """Median sampling rate (frames per second) from the timestamps."""
        if self.n_frames < 2:
            return float("nan")
        dt = np.diff(self.time_s)
        dt = dt[dt > 0]
        return float(1.0 / np.median(dt)) if dt.size else float("nan")

    def has(self, name: str) -> bool:
        a = self.points.get(name)
        return a is not None and bool(finite_rows(a).any())

    def conf(self, name: str) -> np.ndarray:
        """Confidence of a point per frame: given values, else 1 where the point is present, 0 if not."""
        c = self.confidence.get(name)
        present = finite_rows(self.points[name])
        if c is None:
            return present.astype(float)
        return np.where(present, np.nan_to_num(c, nan=0.0), 0.0)


@dataclass(frozen=True)
class ImageKeypoints(_Keypoints):
    """2D points in image pixels: origin top-left, x right, y down."""

    width_px: int | None = None
    height_px: int | None = None
    _dims: ClassVar[tuple[int, ...]] = (2,)

    frame: Literal["image"] = "image"


@dataclass(frozen=True)
class WorldKeypoints(_Keypoints):
    """Points in metres. ``up_axis`` is the index (0, 1, 2) of the vertical axis and ``up_sign`` its
    direction, when known (else found from the data); likewise ``forward_axis``/``forward_sign``."""

    up_axis: int | None = None
    up_sign: float = 1.0
    forward_axis: int | None = None
    forward_sign: float = 1.0
    #: treadmill / overground when the importer knows it (e.g. an instrumented-treadmill data set)
    setting_hint: Literal["treadmill", "overground"] | None = None
    frame: Literal["world"] = "world"


Keypoints = ImageKeypoints | WorldKeypoints
