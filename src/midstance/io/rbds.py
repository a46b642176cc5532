"""RBDS data set text files (Fukuchi, Fukuchi & Duarte 2017, "A public data set of running
biomechanics"): ``<trial>markers.txt`` / ``<subject>static.txt`` and ``<trial>forces.txt``.

The layout is a marker table (``Time`` then ``<marker>X/Y/Z`` in mm); what the data set adds is
documented: 150 Hz markers, 300 Hz forces, X forward, Y up, Z right, an instrumented treadmill."""

from __future__ import annotations

import logging
from pathlib import Path

from midstance.errors import InputError
from midstance.io.assemble import Axes, finish
from midstance.io.codes import warning
from midstance.io.table import data_rows, read_table_raw
from midstance.io.text import detect_delimiter, parse_numeric_rows, read_lines, split_line
from midstance.mocap.data import ForcePlate, MarkerData

log = logging.getLogger(__name__)

RBDS_MARKER_RATE_HZ = 150.0
RBDS_FORCE_RATE_HZ = 300.0
RBDS_AXES = Axes(up_axis=1, up_sign=1.0, forward_axis=0, forward_sign=1.0, treadmill=True)


def rbds_forces_path(marker_path: Path) -> Path | None:
    """``RBDS001runT25markers.txt`` -> ``RBDS001runT25forces.txt`` (static trials have none)."""
    name = marker_path.name
    if not name.lower().endswith("markers.txt"):
        return None
    return marker_path.with_name(name[: -len("markers.txt")] + "forces.txt")


def _read_rbds_forces(path: Path, marker_frames: int, marker_rate: float) -> ForcePlate:
    name = path.name
    lines = read_lines(path, "RBDS force")
    columns = split_line(lines[0], detect_delimiter(lines[0]))
    index = {c.lower(): j for j, c in enumerate(columns)}
    if not {"fx", "fy", "fz"} <= index.keys():
        raise InputError(f"{name} has no Fx Fy Fz columns (header: {', '.join(columns[:8])})")
    rows, numbers = data_rows(lines, 1, detect_delimiter(lines[0]))
    if len(rows) < 2:
        raise InputError(f"{name} has fewer than 2 rows of forces")
    data = parse_numeric_rows(rows, columns, numbers, path)
    force = data[:, [index["fx"], index["fy"], index["fz"]]]
    cop = None
    if {"copx", "copy", "copz"} <= index.keys():
        cop = data[:, [index["copx"], index["copy"], index["copz"]]] * 1e-3  # documented mm
    # The Time column is a frame counter, so the rate comes from the documentation; if the record
    # length disagrees with it (markers and forces cover the same span), the lengths win.
    rate = RBDS_FORCE_RATE_HZ
    span_markers = marker_frames / marker_rate
    if abs(data.shape[0] / rate - span_markers) > max(2.0 / marker_rate, 0.01 * span_markers):
        rate = round(data.shape[0] / span_markers, 2)
        log.warning("%s: %d rows do not span the markers at 300 Hz; using %g Hz", name, data.shape[0], rate)
    return ForcePlate(force_n=force, rate_hz=rate, cop_m=cop)


def read_rbds_txt(path: str | Path, units: str | None = None) -> MarkerData:
    """An RBDS ``<trial>markers.txt`` (or ``<subject>static.txt``) with its documented lab axes
    (X forward, Y up, Z right; treadmill), millimetres, and the ``<trial>forces.txt`` beside it as a
    force plate when present. The rate is measured from the rounded ``Time`` column (150 Hz)."""
    p = Path(path)
    raw = read_table_raw(p, "rbds")
    raw.axes = Axes(**vars(RBDS_AXES))
    if raw.declared_unit is None:
        raw.declared_unit = "mm"  # documented by the data set
    if abs(raw.rate_hz - RBDS_MARKER_RATE_HZ) > 0.01 * RBDS_MARKER_RATE_HZ:
        raw.warnings.append(
            warning(
                "rate_unexpected", f"{p.name}: time column gives {raw.rate_hz:g} Hz; RBDS documents 150 Hz"
            )
        )
    forces = rbds_forces_path(p)
    if forces is not None and forces.exists():
        try:
            plate = _read_rbds_forces(forces, raw.time_s.shape[0], raw.rate_hz)
        except InputError as exc:
            raw.warnings.append(warning("forces_unreadable", f"{exc.message}; markers only"))
        else:
            raw.plates = (plate,)
            raw.meta["forces_file"] = forces.name
            if plate.rate_hz != RBDS_FORCE_RATE_HZ:
                raw.warnings.append(
                    warning(
                        "rate_mismatch",
                        f"{forces.name}: {plate.force_n.shape[0]} rows do not span the markers at "
                        f"300 Hz; read at {plate.rate_hz:g} Hz",
                    )
                )
    elif forces is not None:
        raw.warnings.append(
            warning("forces_missing", f"{forces.name} not found beside {p.name}; markers only")
        )
    return finish(raw, units)
