"""Finding a subject's static (standing calibration) trial next to a running trial.

Running marker sets often lack the anatomical landmarks (knee, ankle) that the static trial has;
the marker model rebuilds them from it, so the importer has to find it by name."""

from __future__ import annotations

import re
from pathlib import Path

#: extensions a static trial can have (marker files this package reads)
STATIC_SUFFIXES = (".c3d", ".trc", ".txt", ".csv", ".tsv")
_SUBJECT_ID = re.compile(r"^[A-Za-z]*\d+")
_SEPARATORS = re.compile(r"[_\-\s.]")
_STATIC_WORDS = ("static", "standing")


def subject_prefix(stem: str) -> str | None:
    """Leading subject id of a trial name: ``RBDS001`` of ``RBDS001runT25markers``, ``S01`` of
    ``S01_run2``, ``anna`` of ``anna-run``; ``None`` when the name has no such part."""
    m = _SUBJECT_ID.match(stem)
    if m:
        return m.group(0)
    parts = _SEPARATORS.split(stem, maxsplit=1)
    if len(parts) == 2 and len(parts[0]) >= 2:
        return parts[0]
    return None


def _shares_prefix(name: str, prefix: str) -> bool:
    # "S1" must not pick "S10static": the character after the id may not continue a number.
    if not name.lower().startswith(prefix.lower()):
        return False
    rest = name[len(prefix) :]
    return not (prefix[-1].isdigit() and rest[:1].isdigit())


def find_static_trial(trial_path: str | Path) -> Path | None:
    """The static trial of the trial's subject in the same folder, or ``None``.

    Rules, in order: ``<subject>static.<ext>`` (RBDS: ``RBDS001static.txt`` or ``.c3d`` for
    ``RBDS001runT25markers.txt``); then any marker file whose name starts with the subject id and
    contains ``static`` or ``standing``. Among several, the one with the trial's extension, then the
    shortest name wins. A static trial has no static trial of its own (``None``)."""
    trial = Path(trial_path)
    if any(w in trial.stem.lower() for w in _STATIC_WORDS):
        return None  # the trial is itself a static trial
    prefix = subject_prefix(trial.stem)
    if prefix is None or not trial.parent.is_dir():
        return None
    candidates = []
    for f in trial.parent.iterdir():
        if not f.is_file() or f.suffix.lower() not in STATIC_SUFFIXES or f.name == trial.name:
            continue
        low = f.stem.lower()
        if not _shares_prefix(f.stem, prefix) or not any(w in low for w in _STATIC_WORDS):
            continue
        if "forces" in low or low.endswith(".truth"):
            continue  # an RBDS static force file or a truth table is not a marker file
        candidates.append(f)
    if not candidates:
        return None
    exact = {f"{prefix}static".lower()}

    def rank(f: Path) -> tuple[int, int, int, str]:
        return (
            f.stem.lower() not in exact,
            f.suffix.lower() != trial.suffix.lower(),
            len(f.name),
            f.name,
        )

    return min(candidates, key=rank)
