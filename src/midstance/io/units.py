"""Length units of marker files: the declared unit, checked against the size of a person.

Exporters get units wrong often enough (a TRC that says ``m`` but holds millimetres) that the
declared unit is only believed when the markers then span a human-sized volume."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from midstance.errors import InputError
from midstance.io.codes import warning

log = logging.getLogger(__name__)

#: metres per file unit
UNIT_SCALE: dict[str, float] = {"mm": 1e-3, "cm": 1e-2, "m": 1.0}

_ALIASES = {
    "mm": "mm",
    "millimeter": "mm",
    "millimeters": "mm",
    "millimetre": "mm",
    "millimetres": "mm",
    "cm": "cm",
    "centimeter": "cm",
    "centimeters": "cm",
    "centimetre": "cm",
    "centimetres": "cm",
    "m": "m",
    "meter": "m",
    "meters": "m",
    "metre": "m",
    "metres": "m",
}

#: Plausible per-frame extent of a set of body markers in metres: a foot cluster alone spans about
#: 0.1 m, a full-body set about 1.8 m. Wider than that is a lab object or a wrong unit.
BODY_SPREAD_M = (0.08, 4.0)
#: typical extent used to choose between units that would all be plausible (lower-body sets ~1 m)
_TYPICAL_SPREAD_M = 1.2
#: frames sampled for the spread (the median over a few hundred frames is stable and cheap)
_SPREAD_FRAMES = 400


def normalise_unit(text: str | None) -> str | None:
    """``'Millimeters'`` -> ``'mm'``; ``None`` for anything that is not a length unit."""
    if text is None:
        return None
    return _ALIASES.get(text.strip().strip("[]()").lower())


def marker_spread(markers: Mapping[str, np.ndarray]) -> float | None:
    """Median over frames of the largest per-axis extent of all markers, in file units.

    ``None`` when no frame has two markers (one marker says nothing about body size)."""
    arrays = [np.asarray(a, dtype=float) for a in markers.values()]
    if len(arrays) < 2:
        return None
    stack = np.stack(arrays, axis=1)  # (n, k, 3)
    if stack.shape[0] > _SPREAD_FRAMES:
        stack = stack[np.linspace(0, stack.shape[0] - 1, _SPREAD_FRAMES).astype(int)]
    finite = np.isfinite(stack).all(axis=2)
    usable = finite.sum(axis=1) >= 2
    if not usable.any():
        return None
    pts = np.where(finite[..., None], stack, np.nan)[usable]
    extent = np.nanmax(pts, axis=1) - np.nanmin(pts, axis=1)  # (m, 3)
    return float(np.median(extent.max(axis=1)))


def _plausible(spread_m: float) -> bool:
    return BODY_SPREAD_M[0] <= spread_m <= BODY_SPREAD_M[1]


@dataclass(frozen=True)
class UnitChoice:
    """The unit the numbers are read in, metres per unit, and any warning about the choice."""

    unit: str
    scale: float
    warnings: tuple[tuple[str, str], ...] = ()


def choose_units(
    markers: Mapping[str, np.ndarray],
    declared: str | None,
    override: str | None,
    name: str,
) -> UnitChoice:
    """Decide the unit of raw marker numbers.

    ``override`` (the user's ``--units``) always wins. Otherwise the declared unit is kept when the
    markers then span a human-sized volume; if not, the unit that does is used with a
    ``units_mismatch`` warning; if none does, the file is rejected."""
    if override is not None:
        unit = normalise_unit(override)
        if unit is None:
            raise InputError(f"units must be mm, cm or m (got {override!r})")
        spread = marker_spread(markers)
        warnings: tuple[tuple[str, str], ...] = ()
        if spread is not None and not _plausible(spread * UNIT_SCALE[unit]):
            warnings = (
                warning(
                    "units_implausible",
                    f"{name} read in {unit} as requested, but its markers then span "
                    f"{spread * UNIT_SCALE[unit]:.3g} m (a person spans about 1–2 m)",
                ),
            )
        return UnitChoice(unit, UNIT_SCALE[unit], warnings)

    spread = marker_spread(markers)
    if spread is None:
        unit = declared or "mm"
        warn: tuple[tuple[str, str], ...] = ()
        if declared is None:
            warn = (
                warning(
                    "units_assumed", f"{name} declares no unit and has too few markers to tell; read as mm"
                ),
            )
        return UnitChoice(unit, UNIT_SCALE[unit], warn)

    if declared is not None and _plausible(spread * UNIT_SCALE[declared]):
        return UnitChoice(declared, UNIT_SCALE[declared])

    candidates = [u for u, s in UNIT_SCALE.items() if _plausible(spread * s)]
    if not candidates:
        raise InputError(
            f"{name}: marker coordinates are implausible in any unit (markers span {spread:.3g} in the "
            "file's numbers; a person spans about 1–2 m, i.e. ~1000–2000 mm); check the export's units"
        )
    best = min(candidates, key=lambda u: abs(math.log(spread * UNIT_SCALE[u] / _TYPICAL_SPREAD_M)))
    if declared is None:
        msg = (
            f"{name} declares no unit; marker spread is {spread:.4g} — read as {best}; "
            "pass --units to override"
        )
        log.info(msg)
        return UnitChoice(best, UNIT_SCALE[best], (warning("units_assumed", msg),))
    msg = (
        f"{name} says {declared} but its marker spread is {spread:.4g} — read as {best}; "
        "pass --units to override"
    )
    log.warning(msg)
    return UnitChoice(best, UNIT_SCALE[best], (warning("units_mismatch", msg),))
