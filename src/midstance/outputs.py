"""Writing results safely: nothing existing is overwritten without ``force``, writes are atomic
(a temporary file renamed into place), and unwritable places are reported before any work starts."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from midstance.errors import InputError


def check_writable(path: Path, force: bool, what: str = "output") -> None:
    """Fail early (exit 2) when ``path`` exists without ``force`` or its folder cannot be written."""
    empty_folder = path.is_dir() and not any(path.iterdir())
    if path.exists() and not force and not (what == "report folder" and empty_folder):
        raise InputError(f"{what} {path} already exists; pass --force to overwrite it or choose another path")
    if path.exists() and path.is_dir() and what != "report folder":
        raise InputError(f"{what} {path} is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path()
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(
            f"cannot write the {what} to {parent}: the folder is not writable; choose another path"
        )


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        # mkstemp makes the file private (0600); give it the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        Path(tmp).chmod(0o666 & ~umask)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
