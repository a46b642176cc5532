"""OpenSim marker files (``.trc``) and the ground reaction forces of a ``.mot`` beside them.

TRC layout: ``PathFileType`` line, a line of header keys (``DataRate CameraRate NumFrames
NumMarkers Units …``) and one of their values, a row of marker names after ``Frame#`` and ``Time``,
a row ``X1 Y1 Z1 X2 …``, then tab-separated frames in which a missing marker is left empty."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from midstance.errors import InputError
from midstance.io.assemble import Axes, RawMarkers, finish, unique_labels
from midstance.io.codes import warning
from midstance.io.text import (
    parse_numeric_rows,
    rate_from_times,
    read_lines,
    uniform_or_given_times,
)
from midstance.io.units import normalise_unit
from midstance.mocap.data import ForcePlate, MarkerData

log = logging.getLogger(__name__)

#: OpenSim's convention: Y is up (forward depends on the lab, so the marker model finds it)
OPENSIM_AXES = Axes(up_axis=1, up_sign=1.0)
_FORCE_COLUMN = re.compile(r"^(?P<plate>.*force.*?)_(?P<kind>[vp])(?P<axis>[xyz])$", re.IGNORECASE)


def _split(line: str) -> list[str]:
    # TRC is tab separated; a missing marker is an empty cell, so tabs must not be collapsed.
    return [c.strip() for c in line.split("\t")] if "\t" in line else line.split()


def _header_values(lines: list[str], name: str) -> dict[str, str]:
    keys, values = _split(lines[1]), _split(lines[2])
    if "DataRate" not in keys and "NumMarkers" not in keys:
        raise InputError(
            f"{name} is not a valid TRC file: line 2 should name DataRate, NumFrames, NumMarkers, Units; "
            "export it again from the motion-capture software"
        )
    return dict(zip(keys, values, strict=False))


def _number(values: dict[str, str], key: str) -> float | None:
    try:
        return float(values[key])
    except (KeyError, ValueError):
        return None


def read_trc(path: str | Path, units: str | None = None) -> MarkerData:
    """Markers of an OpenSim TRC (metres, NaN gaps, Y up) and, when ``<stem>.mot`` or
    ``<stem>_grf.mot`` lies beside it, its ground reaction forces as force plates."""
    p = Path(path)
    name = p.name
    lines = read_lines(p, "TRC")
    if not lines[0].startswith("PathFileType"):
        raise InputError(f"{name} is not a TRC file (its first line does not start with PathFileType)")
    if len(lines) < 5:
        raise InputError(f"{name} is truncated: the TRC header needs 5 lines, the file has {len(lines)}")
    values = _header_values(lines, name)
    names_row = _split(lines[3])
    if (
        len(names_row) < 2
        or names_row[0].lower() not in ("frame#", "frame")
        or names_row[1].lower() != "time"
    ):
        raise InputError(f"{name}: TRC line 4 should start with Frame# and Time; export the file again")
    labels = unique_labels([c for c in names_row[2:] if c])
    declared_count = _number(values, "NumMarkers")
    warnings: list[tuple[str, str]] = []
    if declared_count is not None and int(declared_count) != len(labels):
        warnings.append(
            warning(
                "marker_count_mismatch",
                f"{name}: header says {int(declared_count)} markers, the name row has {len(labels)}",
            )
        )
    columns = ["Frame#", "Time"] + [f"{lab}_{axis}" for lab in labels for axis in "XYZ"]
    # Line 5 is the X1 Y1 Z1 row; a few writers leave it out and start the frames there.
    first_data = 5 if any(c.upper().startswith("X") for c in _split(lines[4])) else 4
    rows, numbers = [], []
    for i in range(first_data, len(lines)):
        if lines[i].strip():
            rows.append(_split(lines[i]))
            numbers.append(i + 1)
    if not rows:
        raise InputError(f"{name} has a TRC header but no frames; export the trial again")
    data = parse_numeric_rows(rows, columns, numbers, p)

    declared_frames = _number(values, "NumFrames")
    if declared_frames is not None and int(declared_frames) != len(rows):
        warnings.append(
            warning(
                "frame_count_mismatch",
                f"{name}: header says {int(declared_frames)} frames, the file holds {len(rows)}",
            )
        )
    rate = _number(values, "DataRate")
    t = data[:, 1]
    time_ok = len(rows) >= 2 and bool(np.all(np.isfinite(t))) and bool(np.all(np.diff(t) > 0))
    if time_ok:
        measured = rate_from_times(t)
        if rate is None or rate <= 0:
            rate = measured
        elif abs(measured - rate) > 0.01 * rate:
            warnings.append(
                warning(
                    "rate_mismatch",
                    f"{name}: DataRate is {rate:g} Hz but the Time column gives {measured:g} Hz",
                )
            )
    if rate is None or rate <= 0:
        raise InputError(f"{name} has neither a valid DataRate nor increasing times; export it again")
    time_s = np.arange(len(rows)) / rate
    if time_ok:
        time_s, _uniform = uniform_or_given_times(t, rate)
    markers = {lab: data[:, 2 + 3 * i : 5 + 3 * i].copy() for i, lab in enumerate(labels)}

    plates: tuple[ForcePlate, ...] = ()
    meta: dict[str, str] = {}
    mot = find_mot(p)
    if mot is not None:
        try:
            plates = read_mot_forces(mot, float(t[0]) if time_ok else 0.0)
        except InputError as exc:
            warnings.append(warning("forces_unreadable", f"{exc.message}; markers only"))
        else:
            meta["forces_file"] = mot.name
    declared_unit = normalise_unit(values.get("Units"))
    return finish(
        RawMarkers(
            path=p,
            fmt="trc",
            markers=markers,
            rate_hz=rate,
            time_s=time_s,
            declared_unit=declared_unit,
            plates=plates,
            axes=Axes(**vars(OPENSIM_AXES)),
            warnings=warnings,
            meta=meta,
        ),
        units,
    )


def find_mot(trc_path: Path) -> Path | None:
    """``walk.mot`` or ``walk_grf.mot`` beside ``walk.trc`` (any letter case)."""
    wanted = [f"{trc_path.stem}_grf.mot".lower(), f"{trc_path.stem}.mot".lower()]
    siblings = {f.name.lower(): f for f in trc_path.parent.iterdir() if f.is_file()}
    for w in wanted:
        if w in siblings:
            return siblings[w]
    return None


def read_mot_forces(path: Path, start_time_s: float = 0.0) -> tuple[ForcePlate, ...]:
    """Ground reaction forces (N) and centres of pressure (m) of an OpenSim ``.mot``, one plate per
    column prefix (``ground_force_v*``, ``1_ground_force_v*``, ``R_ground_force_v*`` …), cut or padded
    so that sample 0 is at ``start_time_s`` (the marker file's first time). A ``.mot`` without force
    columns (joint angles) gives no plates."""
    name = path.name
    lines = read_lines(path, ".mot")
    header_at = next((i for i, line in enumerate(lines) if line.strip().lower() == "endheader"), None)
    if header_at is None:
        header_at = next((i - 1 for i, line in enumerate(lines) if line.lower().startswith("time")), None)
    if header_at is None or header_at + 2 >= len(lines):
        raise InputError(f"{name} is not an OpenSim .mot file (no 'endheader' and column row)")
    columns = _split(lines[header_at + 1])
    if columns[0].lower() != "time":
        raise InputError(f"{name}: the first column after 'endheader' should be time")
    groups: dict[str, dict[str, int]] = {}
    for j, col in enumerate(columns):
        m = _FORCE_COLUMN.match(col)
        if m:
            groups.setdefault(m.group("plate"), {})[m.group("kind").lower() + m.group("axis").lower()] = j
    rows, numbers = [], []
    for i in range(header_at + 2, len(lines)):
        if lines[i].strip():
            rows.append(_split(lines[i]))
            numbers.append(i + 1)
    if len(rows) < 2:
        raise InputError(f"{name} has fewer than 2 rows")
    data = parse_numeric_rows(rows, columns, numbers, path)
    t = data[:, 0]
    if not (np.all(np.isfinite(t)) and np.all(np.diff(t) > 0)):
        raise InputError(f"{name}: the time column is not increasing")
    rate = rate_from_times(t)
    # Align with the markers: drop force samples before their first time, pad NaN if forces start later.
    shift = round(float(start_time_s - t[0]) * rate)
    plates = []
    for plate, cols in groups.items():
        if not {"vx", "vy", "vz"} <= cols.keys():
            log.debug("%s: %s has no full force vector", name, plate)
            continue
        force = data[:, [cols["vx"], cols["vy"], cols["vz"]]]
        cop = data[:, [cols["px"], cols["py"], cols["pz"]]] if {"px", "py", "pz"} <= cols.keys() else None
        force, cop = _shift(force, shift), None if cop is None else _shift(cop, shift)
        plates.append(ForcePlate(force_n=force, rate_hz=rate, cop_m=cop))
    return tuple(plates)


def _shift(a: np.ndarray, shift: int) -> np.ndarray:
    if shift > 0:
        return a[shift:].copy()
    if shift < 0:
        return np.vstack([np.full((-shift, a.shape[1]), np.nan), a])
    return a
