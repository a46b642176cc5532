"""Marker tables in delimited text (the RBDS data set's files are read by ``rbds`` on top of this).

A table has one header row with a time column (``Time``, ``time_s``, ``Frame`` …) and marker
coordinates as ``<name>X <name>Y <name>Z`` or ``<name>_x <name>_y <name>_z`` column triples,
optionally preceded by ``# key=value`` lines (``units``, ``rate``)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from midstance.errors import InputError
from midstance.io.assemble import RawMarkers, finish, name_list
from midstance.io.codes import warning
from midstance.io.text import (
    detect_delimiter,
    parse_comment_header,
    parse_numeric_rows,
    rate_from_times,
    read_lines,
    split_line,
    uniform_or_given_times,
)
from midstance.io.units import normalise_unit
from midstance.mocap.data import MarkerData

log = logging.getLogger(__name__)

_ANNOTATION = re.compile(r"\s*[\(\[]\s*([A-Za-z]+)\s*[\)\]]\s*$")
_AXIS_SUFFIX = re.compile(r"^(?P<stem>.+?)[\s_.:\-]?(?P<axis>[XYZxyz])$")
TIME_NAMES = frozenset({"time", "time_s", "times", "t", "timestamp", "time_sec", "seconds", "sec"})
FRAME_NAMES = frozenset({"frame", "frame#", "frames", "frame_number", "frame_no", "framenumber", "sample"})
_TIME_UNITS = {"s": 1.0, "sec": 1.0, "seconds": 1.0, "ms": 1e-3, "msec": 1e-3}
_RATE_KEYS = ("rate_hz", "rate", "fps", "datarate", "data_rate", "sample_rate", "frequency")


def is_force_table(columns: list[str]) -> bool:
    """A force-plate table (RBDS ``…forces.txt``): its ``COPx COPy COPz`` must not pass for a marker."""
    return {"fx", "fy", "fz"} <= {c.strip().lower() for c in columns}


def force_table_error(name: str) -> InputError:
    return InputError(
        f"{name} is a force-plate table, not markers; pass the marker file (e.g. the …markers.txt "
        "beside it, whose forces file is read with it)"
    )


def strip_annotation(column: str) -> tuple[str, str | None]:
    """``'LASI_x (mm)'`` -> ``('LASI_x', 'mm')``."""
    m = _ANNOTATION.search(column)
    if not m:
        return column.strip(), None
    return column[: m.start()].strip(), m.group(1).lower()


def _axis(column: str) -> tuple[str, str] | None:
    m = _AXIS_SUFFIX.match(column)
    if not m:
        return None
    stem = m.group("stem").rstrip(" _.:-")
    return (stem, m.group("axis").lower()) if stem else None


@dataclass
class Layout:
    """Where things are in a table's header."""

    columns: list[str]
    time_col: int | None = None
    time_kind: Literal["seconds", "frames"] | None = None
    time_scale: float = 1.0
    markers: list[tuple[str, int]] = field(default_factory=list)  # (name, column of X)
    ignored: list[str] = field(default_factory=list)
    declared_unit: str | None = None


def parse_layout(columns: list[str]) -> Layout:
    """Find the time column and the X/Y/Z triples of a header row."""
    bare = [strip_annotation(c) for c in columns]
    layout = Layout(columns=columns)
    frame_col = None
    for j, (col, note) in enumerate(bare):
        key = col.lower().replace(" ", "_")
        if key in TIME_NAMES and layout.time_col is None:
            layout.time_col, layout.time_kind = j, "seconds"
            layout.time_scale = _TIME_UNITS.get(note or "s", 1.0)
        elif key in FRAME_NAMES and frame_col is None:
            frame_col = j
    if layout.time_col is None and frame_col is not None:
        layout.time_col, layout.time_kind = frame_col, "frames"
    special = {layout.time_col, frame_col}
    units: set[str] = set()
    j = 0
    while j < len(columns):
        if j not in special and j + 2 < len(columns) and not special & {j + 1, j + 2}:
            parts = [_axis(bare[j + k][0]) for k in range(3)]
            if (
                all(p is not None for p in parts)
                and [p[1] for p in parts if p] == ["x", "y", "z"]
                and len({p[0] for p in parts if p}) == 1
            ):
                layout.markers.append((parts[0][0] if parts[0] else "", j))
                units.update(bare[j + k][1] or "" for k in range(3))
                j += 3
                continue
        if j not in special:
            layout.ignored.append(columns[j])
        j += 1
    units.discard("")
    declared = {normalise_unit(u) for u in units}
    if len(declared) == 1:
        layout.declared_unit = declared.pop()
    return layout


def data_rows(lines: list[str], start: int, delimiter: str | None) -> tuple[list[list[str]], list[int]]:
    rows, numbers = [], []
    for i in range(start, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append(split_line(line, delimiter))
        numbers.append(i + 1)
    return rows, numbers


def _declared_rate(values: dict[str, str]) -> float | None:
    for key in _RATE_KEYS:
        if key in values:
            try:
                return float(values[key].split()[0])
            except (ValueError, IndexError):
                return None
    return None


def _check_increasing(t: np.ndarray, numbers: list[int], name: str) -> None:
    missing = np.flatnonzero(~np.isfinite(t))
    if missing.size:
        raise InputError(f"{name} line {numbers[missing[0]]} has no time value; fill it in or delete the row")
    bad = np.flatnonzero(np.diff(t) <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise InputError(
            f"{name}: time goes backwards or repeats at line {numbers[i]} ({t[i - 1]:g} then {t[i]:g}); "
            "sort the rows or remove the duplicates"
        )


def _is_frame_counter(t: np.ndarray) -> bool:
    """RBDS force files call a 1, 2, 3 … counter ``Time``: whole numbers rising by exactly 1."""
    return t.shape[0] >= 3 and bool(np.all(t == np.round(t))) and bool(np.all(np.diff(t) == 1))


def _timing(
    layout: Layout,
    data: np.ndarray,
    numbers: list[int],
    declared_rate: float | None,
    rate_hz: float | None,
    name: str,
) -> tuple[np.ndarray, float, list[tuple[str, str]]]:
    """Times from 0 and the sampling rate, from whatever the table offers."""
    warnings: list[tuple[str, str]] = []
    n = data.shape[0]
    given = rate_hz if rate_hz is not None else declared_rate
    if given is not None and (not np.isfinite(given) or given <= 0):
        raise InputError(f"{name}: the sampling rate must be a positive number (got {given:g})")
    if layout.time_col is None:
        if given is None:
            raise InputError(
                f"{name} has no time column (expected Time, time_s or Frame); add one, "
                "or give the rate with a '# rate=<Hz>' line or --fps"
            )
        return np.arange(n) / given, given, warnings
    t = data[:, layout.time_col] * layout.time_scale
    _check_increasing(t, numbers, name)
    kind = layout.time_kind
    if kind == "seconds" and _is_frame_counter(t):
        kind = "frames"
    if kind == "frames":
        if given is None:
            raise InputError(
                f"{name}: column {layout.columns[layout.time_col]!r} counts frames, not seconds; "
                "give the rate with a '# rate=<Hz>' line or --fps"
            )
        # Frame numbers keep dropped frames in their place.
        return (t - t[0]) / given, given, warnings
    measured = rate_from_times(t)
    rate = measured
    if given is not None:
        if abs(given - measured) > 0.01 * given:
            warnings.append(
                warning(
                    "rate_mismatch",
                    f"{name}: the time column gives {measured:g} Hz but the rate is set to {given:g} Hz; "
                    f"using {given:g} Hz",
                )
            )
        rate = given
    time_s, uniform = uniform_or_given_times(t, rate)
    if not uniform:
        warnings.append(
            warning("time_irregular", f"{name}: time steps are uneven; the file's own times are used")
        )
    return time_s, rate, warnings


def read_table_raw(path: Path, fmt: str, rate_hz: float | None = None) -> RawMarkers:
    """Parse a marker table into file units (no unit decision yet)."""
    name = path.name
    lines = read_lines(path, "marker table")
    comments = parse_comment_header(lines)
    if comments.first_table_line >= len(lines):
        raise InputError(f"{name} has no header row or data, only comments or blank lines; export it again")
    header_line = lines[comments.first_table_line]
    delimiter = detect_delimiter(header_line)
    columns = split_line(header_line, delimiter)
    if is_force_table(columns):
        raise force_table_error(name)
    layout = parse_layout(columns)
    if not layout.markers:
        raise InputError(
            f"{name} has no marker columns (expected <name>X <name>Y <name>Z or <name>_x <name>_y <name>_z "
            f"triples; the header starts {', '.join(columns[:4])}); export marker positions with a header row"
        )
    rows, numbers = data_rows(lines, comments.first_table_line + 1, delimiter)
    if not rows:
        raise InputError(f"{name} has a header but no data rows; export the trial again")
    data = parse_numeric_rows(rows, columns, numbers, path)
    if data.shape[0] < 2:
        raise InputError(f"{name} has 1 frame; a trial needs at least 2 (export the whole trial)")
    time_s, rate, warnings = _timing(layout, data, numbers, _declared_rate(comments.values), rate_hz, name)
    markers = {marker: data[:, j : j + 3].copy() for marker, j in layout.markers}
    if layout.ignored:
        warnings.append(
            warning(
                "columns_ignored",
                f"{name}: {len(layout.ignored)} column(s) are not marker coordinates and were ignored: "
                f"{name_list(layout.ignored)}",
            )
        )
    declared = normalise_unit(comments.values.get("units")) or layout.declared_unit
    return RawMarkers(
        path=path,
        fmt=fmt,
        markers=markers,
        rate_hz=rate,
        time_s=time_s,
        declared_unit=declared,
        warnings=warnings,
    )


def read_marker_table(path: str | Path, units: str | None = None, rate_hz: float | None = None) -> MarkerData:
    """Markers from a delimited text table (tab, comma, semicolon or whitespace separated).

    ``units`` overrides the file's unit (``# units=`` line or ``(mm)`` in the column names); without
    either the unit is inferred from the size of the marker cloud. ``rate_hz`` is needed only when
    the table has frame numbers or no time column (a ``# rate=`` line serves too). Lab axes are
    unknown: the marker model finds them."""
    return finish(read_table_raw(Path(path), "marker_table", rate_hz), units)
