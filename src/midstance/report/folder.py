"""Where the report and the overlay go: refuse to overwrite without ``force``, fail early (one line,
exit 2) on a place that cannot be written, write atomically, and never touch files we did not write."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from midstance.errors import InputError

#: what the report writes into its folder; with ``force`` only these are replaced, nothing is deleted
REPORT_FILES = ("index.html", "result.json")


def default_report_dir(input_path: Path, json_path: Path | None = None) -> Path:
    """``<input stem>_report/`` next to the JSON output when there is one, else next to the input
    (DESIGN.md §2). An OpenPose folder's stem is the folder's name."""
    base = Path(json_path).parent if json_path is not None else Path(input_path).parent
    return base / f"{Path(input_path).stem}_report"


def _unwritable(place: Path, reason: str) -> InputError:
    return InputError(f"cannot write to {place} ({reason}); choose a folder you can write to")


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied" if exc.errno != errno.EROFS else "read-only file system"
    return exc.strerror or type(exc).__name__


def _probe_write(folder: Path) -> None:
    """Create and remove a scratch file: the only reliable test (``os.access`` says yes to root even
    on a read-only mount)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".midstance-probe-", dir=folder)
    except OSError as exc:
        raise _unwritable(folder, _reason(exc)) from None
    os.close(fd)
    Path(name).unlink(missing_ok=True)


def prepare_report_dir(out_dir: Path, force: bool) -> Path:
    """Create ``out_dir`` (and parents) or accept an empty one; refuse a non-empty one unless ``force``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"the report folder {out_dir} is a file; give a folder name for --report")
    if out_dir.is_dir():
        try:
            existing = sorted(p.name for p in out_dir.iterdir())
        except OSError as exc:
            raise _unwritable(out_dir, _reason(exc)) from None
        if existing and not force:
            shown = ", ".join(existing[:3]) + (" …" if len(existing) > 3 else "")
            raise InputError(
                f"the report folder {out_dir} is not empty ({shown}); pass --force to replace the report "
                "in it, or choose another folder"
            )
        for name in REPORT_FILES:
            if (out_dir / name).is_dir():
                raise InputError(f"{out_dir / name} is a folder; remove it or choose another report folder")
    else:
        try:
            out_dir.mkdir(parents=True)
        except (FileExistsError, NotADirectoryError):
            raise InputError(
                f"cannot create the report folder {out_dir}: part of the path is a file"
            ) from None
        except OSError as exc:
            raise _unwritable(out_dir.parent, _reason(exc)) from None
    _probe_write(out_dir)
    return out_dir


def check_output_file(path: Path, force: bool, what: str, suffixes: tuple[str, ...]) -> Path:
    """A single output file: the right kind of name, not existing (unless ``force``), in a writable folder."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise InputError(f"the {what} {path.name} should end in {' or '.join(suffixes)}; rename it")
    if path.is_dir():
        raise InputError(f"the {what} {path} is a folder; give a file name")
    if path.exists() and not force:
        raise InputError(
            f"the {what} {path} already exists; pass --force to overwrite it or choose another name"
        )
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"cannot write the {what} to {path}: {parent} is a file")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(parent, _reason(exc)) from None
    _probe_write(parent)
    return path


def temp_path_beside(path: Path) -> Path:
    """A fresh temporary name in the same folder (so the final rename is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent)
    os.close(fd)
    return Path(name)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    tmp = temp_path_beside(path)
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8", newline="")
        else:
            tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
