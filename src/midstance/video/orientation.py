"""Display orientation of a video stream: which of the eight right-angle rotations/mirrors makes the
decoded (coded) picture upright.

Phones store portrait video as landscape pictures plus a *display matrix* (ISO/IEC 14496-12 ``tkhd``
matrix, FFmpeg ``AV_FRAME_DATA_DISPLAYMATRIX``) that tells players how to turn them. PyAV 18 exposes
the matrix as frame side data and its rotation part as ``VideoFrame.rotation``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

# The 2x2 part of the display matrix acts on (x, y) pixel offsets with y pointing down. Written as
# column-vector matrices [[a, c], [b, d]] (FFmpeg stores a, b, c, d at indices 0, 1, 3, 4):
_ROT90_CCW = np.array([[0, 1], [-1, 0]])  # what np.rot90(img, 1) does: right -> up, down -> right
_MIRROR_X = np.array([[-1, 0], [0, 1]])  # what np.fliplr does


@dataclass(frozen=True)
class Orientation:
    """``np.rot90(np.fliplr(img) if mirror else img, quarter_turns_ccw)`` makes the picture upright."""

    quarter_turns_ccw: int = 0
    mirror: bool = False

    @property
    def rotation_deg(self) -> int:
        """Clockwise rotation applied for display, as in the legacy ``rotate`` tag (0, 90, 180, 270).

        An upright iPhone portrait clip reads 90."""
        return (-90 * self.quarter_turns_ccw) % 360

    @property
    def swaps_axes(self) -> bool:
        return self.quarter_turns_ccw % 2 == 1

    def displayed_size(self, coded_width: int, coded_height: int) -> tuple[int, int]:
        return (coded_height, coded_width) if self.swaps_axes else (coded_width, coded_height)

    def apply(self, img: np.ndarray) -> np.ndarray:
        """The upright picture (a contiguous copy when anything changes; the input when nothing does)."""
        if self.quarter_turns_ccw == 0 and not self.mirror:
            return img
        out = np.fliplr(img) if self.mirror else img
        out = np.rot90(out, self.quarter_turns_ccw)
        return np.ascontiguousarray(out)


def _matrix_of(orientation: Orientation) -> np.ndarray:
    m = _MIRROR_X if orientation.mirror else np.eye(2, dtype=int)
    return np.linalg.matrix_power(_ROT90_CCW, orientation.quarter_turns_ccw) @ m


_ALL = tuple(Orientation(k, f) for f in (False, True) for k in range(4))


def from_display_matrix(raw: bytes) -> Orientation:
    """Orientation from the 36-byte display matrix (nine little-endian int32, 16.16 fixed point).

    Matrices that are not a right-angle rotation (never seen from phones) snap to the nearest one."""
    if len(raw) < 36:
        return Orientation()
    m = struct.unpack("<9i", raw[:36])
    target = np.array([[m[0], m[3]], [m[1], m[4]]], dtype=float)
    scale = np.abs(target).max()
    if scale == 0:
        return Orientation()
    target /= scale
    return min(_ALL, key=lambda o: float(np.abs(_matrix_of(o) - target).sum()))


def from_rotation(ccw_deg: float) -> Orientation:
    """Orientation from ``VideoFrame.rotation`` (counter-clockwise degrees, no mirror information)."""
    return Orientation(round(ccw_deg / 90.0) % 4, False)
