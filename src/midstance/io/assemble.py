"""The checks and conversions every marker reader ends with, so all formats fail the same way."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from midstance.errors import InputError
from midstance.io.codes import warning
from midstance.io.units import choose_units
from midstance.mocap.data import ForcePlate, MarkerData

log = logging.getLogger(__name__)

#: how many names a warning lists before saying "and N more"
_MAX_NAMES = 6


@dataclass
class Axes:
    """Lab axes when the format or data set documents them (else the marker model finds them)."""

    up_axis: int | None = None
    up_sign: float = 1.0
    forward_axis: int | None = None
    forward_sign: float = 1.0
    treadmill: bool | None = None


@dataclass
class RawMarkers:
    """What a reader found, still in file units."""

    path: Path
    fmt: str
    markers: dict[str, np.ndarray]
    rate_hz: float
    time_s: np.ndarray
    declared_unit: str | None
    plates: tuple[ForcePlate, ...] = ()
    axes: Axes = field(default_factory=Axes)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


def name_list(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES])
    return shown if len(names) <= _MAX_NAMES else f"{shown} and {len(names) - _MAX_NAMES} more"


def finish(raw: RawMarkers, units: str | None) -> MarkerData:
    """Validate, convert to metres and wrap as :class:`MarkerData`."""
    name = raw.path.name
    if not raw.markers:
        raise InputError(f"{name} holds no marker trajectories; export the trial with its markers")
    n = int(raw.time_s.shape[0])
    if n < 2:
        raise InputError(
            f"{name} has {n} frame{'s' if n != 1 else ''}; a trial needs at least 2 (export the whole trial)"
        )
    if not np.isfinite(raw.rate_hz) or raw.rate_hz <= 0:
        raise InputError(f"{name} has no valid sampling rate ({raw.rate_hz}); re-export the trial")
    empty = [k for k, v in raw.markers.items() if not np.isfinite(v).any()]
    if len(empty) == len(raw.markers):
        raise InputError(
            f"{name} holds no marker positions (every marker sample is missing); "
            "check that the export contains the labelled trajectories"
        )
    warnings = list(raw.warnings)
    if empty:
        warnings.append(
            warning(
                "markers_empty",
                f"{len(empty)} marker(s) in {name} have no samples at all: {name_list(empty)}",
            )
        )
    choice = choose_units(raw.markers, raw.declared_unit, units, name)
    warnings.extend(choice.warnings)
    markers = {k: np.asarray(v, dtype=float) * choice.scale for k, v in raw.markers.items()}
    meta = {"format": raw.fmt, **raw.meta}
    if raw.declared_unit is not None:
        meta["declared_units"] = raw.declared_unit
    log.debug("%s: %d markers, %d frames at %g Hz, %s", name, len(markers), n, raw.rate_hz, choice.unit)
    return MarkerData(
        markers=markers,
        rate_hz=float(raw.rate_hz),
        time_s=np.asarray(raw.time_s, dtype=float),
        path=str(raw.path),
        units_in_file=choice.unit,
        up_axis=raw.axes.up_axis,
        up_sign=raw.axes.up_sign,
        forward_axis=raw.axes.forward_axis,
        forward_sign=raw.axes.forward_sign,
        treadmill=raw.axes.treadmill,
        plates=tuple(raw.plates),
        warnings=tuple(warnings),
        meta=meta,
    )


def unique_labels(labels: list[str]) -> list[str]:
    """Blank labels get ``marker_<i>``; repeats get ``_2``, ``_3`` so no trajectory is overwritten."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, lab in enumerate(labels):
        base = lab.strip() or f"marker_{i + 1}"
        count = seen.get(base, 0) + 1
        seen[base] = count
        out.append(base if count == 1 else f"{base}_{count}")
    return out
