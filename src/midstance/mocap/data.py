"""Raw motion-capture content as read from a file, before any marker model is applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ForcePlate:
    """One force plate: force (n, 3) in newtons in the lab frame, sampled at ``rate_hz``."""

    force_n: np.ndarray
    rate_hz: float
    cop_m: np.ndarray | None = None


@dataclass(frozen=True)
class MarkerData:
    """Marker trajectories in metres, lab frame, ``NaN`` where a marker is missing.

    ``markers`` maps the file's own marker labels to (n, 3) arrays. ``time_s`` starts at 0 for the
    first sample whatever the file's own start offset. ``up_axis``/``forward_axis`` are set when the
    format or data set documents them (else the marker model finds them from the data)."""

    markers: Mapping[str, np.ndarray]
    rate_hz: float
    time_s: np.ndarray
    path: str
    units_in_file: str = "mm"
    up_axis: int | None = None
    up_sign: float = 1.0
    forward_axis: int | None = None
    forward_sign: float = 1.0
    treadmill: bool | None = None
    plates: tuple[ForcePlate, ...] = ()
    warnings: tuple[tuple[str, str], ...] = ()
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(self.time_s.shape[0])

    def mean_pose(self) -> dict[str, np.ndarray]:
        """Per-marker mean position over the trial (for static calibration trials)."""
        out = {}
        for k, v in self.markers.items():
            ok = np.isfinite(v).all(axis=1)
            if ok.any():
                out[k] = v[ok].mean(axis=0)
        return out
