"""Reading delimited text files into numbers with one-line errors for the user.

Every text importer goes through here so that a bad cell, a binary file or an unreadable path gives
the same kind of message (DESIGN.md §2: one line, what is wrong and what to do)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from midstance.errors import InputError

#: bytes inspected to decide whether a file is text (a NUL byte means binary)
_PROBE_BYTES = 65536


def read_bytes(path: Path, what: str) -> bytes:
    """The whole file, or an InputError that names the problem (missing, a folder, empty, unreadable)."""
    if not path.exists():
        raise InputError(f"{path} does not exist; check the path")
    if path.is_dir():
        raise InputError(f"{path.name} is a folder, not a {what} file; pass the file itself")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.name} cannot be read ({exc.strerror}); check that it is readable") from exc
    if not raw:
        raise InputError(f"{path.name} is empty (0 bytes); export the {what} again")
    return raw


def read_head(path: Path, what: str, n_bytes: int) -> tuple[bytes, int]:
    """The first ``n_bytes`` and the file size, with the same errors as :func:`read_bytes`."""
    if not path.exists():
        raise InputError(f"{path} does not exist; check the path")
    if path.is_dir():
        raise InputError(f"{path.name} is a folder, not a {what} file; pass the file itself")
    try:
        with path.open("rb") as fh:
            head = fh.read(n_bytes)
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path.name} cannot be read ({exc.strerror}); check that it is readable") from exc
    if not head:
        raise InputError(f"{path.name} is empty (0 bytes); export the {what} again")
    return head, size


def decode_text(raw: bytes, path: Path, what: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM), else Latin-1 (old lab exports), never binary."""
    if b"\x00" in raw[:_PROBE_BYTES]:
        raise InputError(
            f"{path.name} is not a {what} text file: it holds binary data; "
            "export the trial as text or pass the original file"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Latin-1 maps every byte, so marker names with accents from Windows exports still load.
        return raw.decode("latin-1")


def read_lines(path: Path, what: str) -> list[str]:
    """Text lines of ``path`` without line endings (LF, CRLF or CR)."""
    return decode_text(read_bytes(path, what), path, what).splitlines()


def detect_delimiter(header: str) -> str | None:
    """Tab, comma or semicolon from the header line; ``None`` means runs of whitespace."""
    for delim in ("\t", ",", ";"):
        if delim in header:
            return delim
    return None


def split_line(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [cell.strip() for cell in line.split(delimiter)]


_COMMENT_KV = re.compile(r"^#\s*([A-Za-z_][\w-]*)\s*[=:]\s*(.*?)\s*$")


@dataclass
class CommentHeader:
    """``# key=value`` lines at the top of a file (keys lower-cased), and where the table starts."""

    values: dict[str, str] = field(default_factory=dict)
    first_table_line: int = 0


def parse_comment_header(lines: Sequence[str]) -> CommentHeader:
    """Collect leading ``#`` lines and blank lines; other comment text is ignored."""
    header = CommentHeader()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line and not line.startswith("#"):
            break
        m = _COMMENT_KV.match(line)
        if m:
            header.values[m.group(1).lower()] = m.group(2)
        i += 1
    header.first_table_line = i
    return header


def _cell_to_float(cell: str) -> float:
    cell = cell.strip()
    if not cell:
        return float("nan")
    return float(cell)


def parse_numeric_rows(
    rows: Sequence[Sequence[str]],
    columns: Sequence[str],
    line_numbers: Sequence[int],
    path: Path,
) -> np.ndarray:
    """Cells to an (n_rows, n_columns) float array; empty or short cells become ``NaN``.

    ``line_numbers`` are 1-based line numbers in the file, used to point at a bad cell."""
    ncols = len(columns)
    if all(len(r) == ncols for r in rows):
        try:
            # Fast path (most files): NumPy converts "1.5", "NaN", "-inf" but not "".
            return np.array(rows, dtype=float).reshape(len(rows), ncols)
        except ValueError:
            pass
    out = np.full((len(rows), ncols), np.nan)
    for i, row in enumerate(rows):
        if len(row) > ncols and any(c.strip() for c in row[ncols:]):
            raise InputError(
                f"{path.name} line {line_numbers[i]} has {len(row)} cells but the header names {ncols} "
                "columns; fix the header or that row"
            )
        for j, cell in enumerate(row[:ncols]):
            try:
                out[i, j] = _cell_to_float(cell)
            except ValueError:
                raise InputError(
                    f"{path.name} line {line_numbers[i]}, column {columns[j]!r}: {cell.strip()[:30]!r} is "
                    "not a number; fix or delete that row"
                ) from None
    return out


def stamp_resolution(t: np.ndarray) -> float:
    """The rounding step of written time stamps (0.001 for RBDS's 3 decimals); 0 when unrounded."""
    for k in range(7):
        scaled = t * 10.0**k
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6 * max(1.0, float(np.max(np.abs(scaled))))):
            return 10.0**-k
    return 0.0


def rate_from_times(t: np.ndarray) -> float:
    """Sampling rate from time stamps, ``(n - 1) / (last - first)``, snapped to a whole number when
    the stamps' rounding cannot tell it apart (RBDS gives 150.0017 from 3-decimal stamps).

    Rates that are clearly not whole (29.97, 119.88) keep two decimals."""
    duration = float(t[-1] - t[0])
    rate = (t.shape[0] - 1) / duration
    # Rounded stamps shift each end by up to half a step, so the rate is only known to this much.
    tolerance = max(5e-4 * rate, rate * stamp_resolution(t) / duration)
    nearest = round(rate)
    if nearest > 0 and abs(rate - nearest) <= tolerance:
        return float(nearest)
    return round(rate, 2)


def uniform_or_given_times(t: np.ndarray, rate_hz: float) -> tuple[np.ndarray, bool]:
    """Times from 0: a clean ``i / rate`` grid when every stamp lies within half a frame of it (stamps
    rounded to milliseconds stay exact), else the stamps themselves. The flag says which was used."""
    t0 = t - t[0]
    grid = np.arange(t.shape[0]) / rate_hz
    if np.all(np.abs(t0 - grid) <= 0.5 / rate_hz):
        return grid, True
    return t0, False
