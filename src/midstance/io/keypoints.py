"""Keypoint CSV (DESIGN.md §2): import and export.

```
# fps=30
# width=720
# height=1280
# units=px
time_s,frame,left_hip_x,left_hip_y,left_hip_conf,...
0.0,0,351.2,640.8,0.98,...
```
``# units=m`` switches to world metres (:class:`WorldKeypoints`) with optional ``_z`` columns and
``# up=y`` (default) or ``# up=z``. Empty cells are missing values."""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from midstance.core.series import CONTRACT_POINTS, ImageKeypoints, SourceInfo, WorldKeypoints
from midstance.errors import InputError
from midstance.io.codes import warning
from midstance.io.text import (
    detect_delimiter,
    parse_comment_header,
    parse_numeric_rows,
    read_lines,
    split_line,
)

log = logging.getLogger(__name__)

_POINT_COLUMN = re.compile(r"^(?P<point>[A-Za-z][\w.]*?)_(?P<part>x|y|z|conf)$", re.IGNORECASE)
_UP_AXES = {"y": 1, "z": 2}


def _positive_number(value: str | float | None, what: str, name: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"{name}: {what} must be a number (got {value!r})") from None
    if not math.isfinite(number) or number <= 0:
        raise InputError(f"{name}: {what} must be a positive number (got {value!r})")
    return number


def _int_or_none(value: str | None, what: str, name: str) -> int | None:
    number = _positive_number(value, what, name)
    return None if number is None else round(number)


def _point_columns(columns: list[str], name: str) -> tuple[dict[str, dict[str, int]], list[str]]:
    """``{point: {"x": j, "y": j, …}}`` and the columns that are neither points nor time/frame."""
    points: dict[str, dict[str, int]] = {}
    ignored = []
    for j, col in enumerate(columns):
        if col.lower() in ("time_s", "frame"):
            continue
        m = _POINT_COLUMN.match(col)
        if m:
            points.setdefault(m.group("point").lower(), {})[m.group("part").lower()] = j
        elif col:
            ignored.append(col)
    for point, parts in points.items():
        if "x" not in parts or "y" not in parts:
            missing = "y" if "x" in parts else "x"
            raise InputError(
                f"{name}: point {point!r} has no {point}_{missing} column; add it or drop the point"
            )
    return points, ignored


def _times(
    data: np.ndarray,
    columns: list[str],
    numbers: list[int],
    fps_file: float | None,
    fps_arg: float | None,
    name: str,
) -> tuple[np.ndarray, list[tuple[str, str]], float]:
    """Times from 0: ``time_s`` if present (it wins over any fps), else frame numbers or rows / fps.

    Also returns the original first time (the file's own start offset)."""
    lower = [c.lower() for c in columns]
    warnings: list[tuple[str, str]] = []
    if "time_s" in lower:
        t = data[:, lower.index("time_s")]
        what = "time_s"
    else:
        fps = fps_arg if fps_arg is not None else fps_file
        if fps is None:
            raise InputError(f"{name} has no time_s column and no '# fps=' line; pass --fps")
        if fps_arg is not None and fps_file is not None and abs(fps_arg - fps_file) > 1e-9 * fps_file:
            warnings.append(warning("fps_override", f"{name} says fps={fps_file:g}; using --fps {fps_arg:g}"))
        if "frame" in lower:
            t = data[:, lower.index("frame")] / fps
            what = "frame"
        else:
            t = np.arange(data.shape[0]) / fps
            what = ""
    if what:
        bad = np.flatnonzero(~np.isfinite(t))
        if bad.size:
            raise InputError(
                f"{name} line {numbers[bad[0]]} has no {what} value; fill it in or delete the row"
            )
        back = np.flatnonzero(np.diff(t) <= 0)
        if back.size:
            raise InputError(
                f"{name}: {what} does not increase at line {numbers[back[0] + 1]}; "
                "sort the rows or remove duplicates"
            )
    return t - t[0], warnings, float(t[0])


def read_keypoint_csv(path: str | Path, fps: float | None = None) -> ImageKeypoints | WorldKeypoints:
    """Read a keypoint CSV; ``# units=m`` gives :class:`WorldKeypoints`, else :class:`ImageKeypoints`.

    ``fps`` (the user's ``--fps``) is used only when the file has no ``time_s`` column. Times start
    at 0 at the first row (the file's own start is kept in ``meta['time_offset_s']``)."""
    p = Path(path)
    name = p.name
    lines = read_lines(p, "keypoint CSV")
    header = parse_comment_header(lines)
    if header.first_table_line >= len(lines):
        raise InputError(f"{name} has no column header, only comments; see the keypoint CSV format in docs")
    values = header.values
    delimiter = detect_delimiter(lines[header.first_table_line])
    columns = split_line(lines[header.first_table_line], delimiter)
    points, ignored = _point_columns(columns, name)
    if not points:
        raise InputError(
            f"{name} has no keypoint columns (expected <point>_x and <point>_y, e.g. left_hip_x); "
            "see the keypoint CSV format in docs/formats.md"
        )
    units = values.get("units", "px").strip().lower()
    if units not in ("px", "m"):
        raise InputError(f"{name}: '# units={units}' is not supported; use px (image pixels) or m (metres)")
    up = values.get("up", "y").strip().lower()
    if up not in _UP_AXES:
        raise InputError(f"{name}: '# up={up}' is not supported; use y or z")
    fps_file = _positive_number(values.get("fps"), "# fps", name)
    fps_arg = _positive_number(fps, "--fps", name)
    width = _int_or_none(values.get("width"), "# width", name)
    height = _int_or_none(values.get("height"), "# height", name)

    rows, numbers = [], []
    for i in range(header.first_table_line + 1, len(lines)):
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            rows.append(split_line(lines[i], delimiter))
            numbers.append(i + 1)
    if len(rows) < 2:
        raise InputError(f"{name} has {len(rows)} row(s) of keypoints; at least 2 frames are needed")
    data = parse_numeric_rows(rows, columns, numbers, p)
    time_s, warnings, t0 = _times(data, columns, numbers, fps_file, fps_arg, name)

    world = units == "m"
    coords: dict[str, np.ndarray] = {}
    conf: dict[str, np.ndarray] = {}
    dropped_z = []
    for point, parts in points.items():
        axes = ["x", "y"] + (["z"] if "z" in parts and world else [])
        if "z" in parts and not world:
            dropped_z.append(point)
        xyz = data[:, [parts[a] for a in axes]]
        # A point is missing as a whole when any of its coordinates is.
        xyz[~np.isfinite(xyz).all(axis=1)] = np.nan
        coords[point] = xyz
        if "conf" in parts:
            c = data[:, parts["conf"]]
            if np.any((c < 0) | (c > 1)):
                warnings.append(
                    warning("conf_clipped", f"{name}: {point}_conf has values outside 0..1; clipped")
                )
                c = np.clip(c, 0.0, 1.0)
            conf[point] = c
    if not any(np.isfinite(a).any() for a in coords.values()):
        raise InputError(
            f"{name} holds no keypoint positions (every cell is empty); export the keypoints again"
        )
    if dropped_z:
        warnings.append(warning("z_ignored", f"{name}: _z columns are ignored for image pixels (# units=px)"))
    if ignored:
        warnings.append(
            warning(
                "columns_ignored", f"{name}: columns not in the keypoint format were ignored: {ignored[:6]}"
            )
        )

    meta = {"format": "keypoint_csv"}
    if t0 != 0.0:
        meta["time_offset_s"] = repr(t0)
    has_time = "time_s" in (c.lower() for c in columns)
    source = SourceInfo(
        path=str(p),
        kind="keypoints",
        fps=fps_file if has_time or fps_arg is None else fps_arg,
        duration_s=float(time_s[-1]),
        frame_count=len(rows),
        width_px=width,
        height_px=height,
    )
    if world:
        return WorldKeypoints(
            time_s=time_s,
            points=coords,
            confidence=conf,
            source=source,
            meta=meta,
            import_warnings=tuple(warnings),
            up_axis=_UP_AXES[up],
        )
    return ImageKeypoints(
        time_s=time_s,
        points=coords,
        confidence=conf,
        source=source,
        meta=meta,
        import_warnings=tuple(warnings),
        width_px=width,
        height_px=height,
    )


def _cell(v: float) -> str:
    # repr gives the shortest text that reads back to the same float, so a round trip is exact.
    return "" if not math.isfinite(v) else repr(float(v))


def keypoint_csv_text(kp: ImageKeypoints | WorldKeypoints, frames: Sequence[int] | None = None) -> str:
    """The CSV text of a keypoint series (see :func:`write_keypoint_csv`)."""
    head: list[str] = []
    if kp.source.fps is not None:
        head.append(
            f"# fps={kp.source.fps:g}" if float(kp.source.fps).is_integer() else f"# fps={kp.source.fps!r}"
        )
    if isinstance(kp, WorldKeypoints):
        axis = {v: k for k, v in _UP_AXES.items()}.get(kp.up_axis) if kp.up_axis is not None else None
        if axis is None or kp.up_sign != 1.0:
            # A missing "# up=" line reads back as y, so an unknown or other axis must not be written.
            raise ValueError(f"the keypoint CSV can express up = +y or +z only (got axis {kp.up_axis})")
        head += ["# units=m", f"# up={axis}"]
    else:
        width = kp.width_px or kp.source.width_px
        height = kp.height_px or kp.source.height_px
        if width:
            head.append(f"# width={width}")
        if height:
            head.append(f"# height={height}")
        head.append("# units=px")
    if frames is not None and len(frames) != kp.n_frames:
        raise ValueError(f"frames has {len(frames)} entries for {kp.n_frames} rows")

    order = [p for p in CONTRACT_POINTS if p in kp.points] + [
        p for p in kp.points if p not in CONTRACT_POINTS
    ]
    columns = ["time_s"] + (["frame"] if frames is not None else [])
    blocks: list[np.ndarray] = []
    for point in order:
        arr = kp.points[point]
        columns += [f"{point}_{a}" for a in "xyz"[: arr.shape[1]]]
        blocks.append(arr)
        if point in kp.confidence:
            columns.append(f"{point}_conf")
            blocks.append(np.asarray(kp.confidence[point])[:, None])
    table = np.hstack([kp.time_s[:, None], *blocks]) if blocks else kp.time_s[:, None]

    out = io.StringIO()
    out.write("".join(h + "\n" for h in head))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for i, row in enumerate(table):
        cells = [_cell(v) for v in row]
        if frames is not None:
            cells.insert(1, str(int(frames[i])))
        writer.writerow(cells)
    return out.getvalue()


def write_keypoint_csv(
    kp: ImageKeypoints | WorldKeypoints, path: str | Path, frames: Sequence[int] | None = None
) -> Path:
    """Write ``kp`` as a keypoint CSV (overwrites ``path``; the caller checks ``--force``).

    ``frames`` optionally gives the decoded frame index of each row (the ``frame`` column)."""
    p = Path(path)
    p.write_text(keypoint_csv_text(kp, frames), encoding="utf-8")
    log.debug("wrote %d frames of keypoints to %s", kp.n_frames, p)
    return p
