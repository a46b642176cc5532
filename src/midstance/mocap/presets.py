"""Marker presets: which markers of a lab's marker set give the points the gait core needs.

A preset maps *roles* to candidate marker names. ``{S}`` stands for the side letter (``L``/``R``).
Roles: pelvis markers (``asis``, ``psis``, ``sacrum``, ``pelvis_extra``), a hip joint centre marker
(``hjc``), ``knee`` (lateral femoral epicondyle), ``ankle`` (lateral malleolus), ``heel``, ``toe``
(metatarsal heads; the mean is used), ``foot`` (every foot marker that helps find ground contact),
``shoulder`` and the technical clusters ``thigh``/``shank`` used to rebuild knee and ankle landmarks
from a static calibration trial when the running trial lacks them.

When no preset fits, :func:`alias_preset` matches common naming patterns, and a user mapping file
(JSON, see docs/formats.md) can name every role explicitly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from midstance.errors import InputError

SIDE_LETTERS = {"left": "L", "right": "R"}
SIDED_ROLES = (
    "asis",
    "psis",
    "pelvis_extra",
    "hjc",
    "knee",
    "ankle",
    "heel",
    "toe",
    "foot",
    "shoulder",
    "thigh",
    "shank",
)


@dataclass(frozen=True)
class MarkerPreset:
    name: str
    roles: Mapping[str, tuple[str, ...]]
    #: side-less roles (e.g. a single sacrum marker)
    sacrum: tuple[str, ...] = ()
    description: str = ""
    #: explicit labels per side (user mapping files); when set, ``roles`` is not formatted
    explicit: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def names(self, role: str, side: str) -> tuple[str, ...]:
        if self.explicit:
            return tuple(self.explicit.get(side, {}).get(role, ()))
        letter = SIDE_LETTERS[side]
        return tuple(t.replace("{S}", letter) for t in self.roles.get(role, ()))


PRESETS: tuple[MarkerPreset, ...] = (
    MarkerPreset(
        "rbds",
        {
            "asis": ("{S}.ASIS",),
            "psis": ("{S}.PSIS",),
            "pelvis_extra": ("{S}.Iliac.Crest",),
            "knee": ("{S}.Knee",),
            "ankle": ("{S}.Ankle",),
            "heel": ("{S}.Heel.Bottom",),
            "toe": ("{S}.MT1", "{S}.MT5"),
            "foot": ("{S}.Heel.Bottom", "{S}.Heel.Top", "{S}.Heel.Lateral", "{S}.MT1", "{S}.MT5"),
            "thigh": (
                "{S}.Thigh.Top.Lateral",
                "{S}.Thigh.Bottom.Lateral",
                "{S}.Thigh.Top.Medial",
                "{S}.Thigh.Bottom.Medial",
            ),
            "shank": (
                "{S}.Shank.Top.Lateral",
                "{S}.Shank.Bottom.Lateral",
                "{S}.Shank.Top.Medial",
                "{S}.Shank.Bottom.Medial",
            ),
        },
        description="Running Biomechanics Data Set (Fukuchi et al. 2017)",
    ),
    MarkerPreset(
        "pyomeca",
        {
            "asis": ("{S}ASIS",),
            "psis": ("{S}BackAsis",),
            "knee": ("{S}KneeLat",),
            "ankle": ("{S}AnkleLat",),
            "heel": ("{S}Heel",),
            "toe": ("{S}MT1", "{S}MT5"),
            "foot": ("{S}Heel", "{S}CalcExt", "{S}CalcInt", "{S}MT1", "{S}MT5"),
            "shoulder": ("{S}Acromium", "{S}Acromion"),
            "thigh": ("{S}ThighUpperC", "{S}ThighFrontC", "{S}ThighRearC", "{S}ThighDownC"),
            "shank": ("{S}ShankUpperC", "{S}ShankFrontC", "{S}ShankDownC"),
        },
        description="pyomeca / pyorerun running example",
    ),
    MarkerPreset(
        "vicon_anatomical",
        {
            "asis": ("{S}ASI",),
            "psis": ("{S}PSI",),
            "knee": ("{S}LEPI", "{S}LFE", "{S}LFC"),
            "ankle": ("{S}LMAL", "{S}LM"),
            "heel": ("{S}HEEL", "{S}HEE", "{S}CAL"),
            "toe": ("{S}P1MT", "{S}P5MT", "{S}MT1", "{S}MT5"),
            "foot": ("{S}HEEL", "{S}HEE", "{S}CAL", "{S}P1MT", "{S}P5MT", "{S}MT1", "{S}MT5"),
            "shoulder": ("{S}SHO", "{S}ACR"),
        },
        sacrum=("SACR", "SACRUM"),
        description="Vicon-style anatomical markers (LEPI/LMAL, P1MT/P5MT)",
    ),
    MarkerPreset(
        "plug_in_gait",
        {
            "asis": ("{S}ASI",),
            "psis": ("{S}PSI",),
            "hjc": ("{S}HJC",),
            "knee": ("{S}KNE",),
            "ankle": ("{S}ANK",),
            "heel": ("{S}HEE",),
            "toe": ("{S}TOE",),
            "foot": ("{S}HEE", "{S}TOE"),
            "shoulder": ("{S}SHO",),
        },
        sacrum=("SACR",),
        description="Vicon Plug-in Gait lower body",
    ),
    MarkerPreset(
        "opensim_gait2392",
        {
            "asis": ("{S}.ASIS",),
            "psis": ("{S}.PSIS",),
            "knee": ("{S}.Knee.Lat", "{S}.Knee"),
            "ankle": ("{S}.Ankle.Lat", "{S}.Ankle"),
            "heel": ("{S}.Heel",),
            "toe": ("{S}.Toe.Tip", "{S}.Toe"),
            "foot": ("{S}.Heel", "{S}.Midfoot.Lat", "{S}.Toe.Tip", "{S}.Toe"),
            "shoulder": ("{S}.Acromium", "{S}.Acromion", "{S}.Shoulder"),
            "thigh": ("{S}.Thigh.Upper", "{S}.Thigh.Front", "{S}.Thigh.Rear"),
            "shank": ("{S}.Shank.Upper", "{S}.Shank.Front", "{S}.Shank.Rear"),
        },
        sacrum=("V.Sacral", "Sacral", "SACR"),
        description="OpenSim gait2392/gait2354 example markers",
    ),
)

# ---------------------------------------------------------------------------- alias matching
_ALIASES: dict[str, tuple[str, ...]] = {
    "asis": ("asis", "asi", "antsupiliacspine"),
    "psis": ("psis", "psi", "backasis", "postsupiliacspine"),
    "hjc": ("hjc", "hipjc", "hipjointcentre", "hipjointcenter", "hipcentre", "hipcenter"),
    "knee": ("kneelat", "latknee", "lepi", "lfe", "lfc", "latepicondyle", "lateralepicondyle", "kne", "knee"),
    "ankle": ("anklelat", "latankle", "lmal", "latmal", "lateralmalleolus", "ank", "ankle", "malleolus"),
    "heel": ("heelbottom", "heel", "hee", "cal", "calc", "calcaneus"),
    "toe": ("mt1", "mt5", "p1mt", "p5mt", "met1", "met5", "meta1", "meta5", "mth1", "mth5", "mt2", "toe"),
    "shoulder": ("sho", "shoulder", "acromion", "acromium", "acr"),
}
_SACRUM = ("sacr", "sacrum", "vsacral", "sacral")


def normalise_label(label: str) -> str:
    """Lower case without separators or a Vicon subject prefix (``Subject:LASI`` → ``lasi``)."""
    label = label.split(":")[-1]
    return re.sub(r"[^a-z0-9]", "", label.lower())


def _split_side(norm: str) -> tuple[str | None, str]:
    for side, prefixes in (("left", ("left", "l")), ("right", ("right", "r"))):
        for p in prefixes:
            if norm.startswith(p) and len(norm) > len(p):
                return side, norm[len(p) :]
    for side, suffixes in (("left", ("left", "l")), ("right", ("right", "r"))):
        for s in suffixes:
            if norm.endswith(s) and len(norm) > len(s):
                return side, norm[: -len(s)]
    return None, norm


def alias_preset(labels: Iterable[str]) -> MarkerPreset:
    """A preset built from the labels themselves by common naming patterns."""
    explicit: dict[str, dict[str, list[str]]] = {"left": {}, "right": {}}
    sacrum: list[str] = []
    for label in labels:
        norm = normalise_label(label)
        if norm in _SACRUM:
            sacrum.append(label)
            continue
        side, rest = _split_side(norm)
        if side is None:
            continue
        for role, names in _ALIASES.items():
            if rest in names:
                explicit[side].setdefault(role, []).append(label)
                if role in ("heel", "toe"):
                    explicit[side].setdefault("foot", []).append(label)
                break
    # keep metatarsal heads before a generic toe marker
    for side in explicit:
        for role in ("knee", "ankle", "heel", "shoulder"):
            if role in explicit[side]:
                explicit[side][role] = sorted(
                    explicit[side][role],
                    key=lambda lab: _ALIASES[role].index(_split_side(normalise_label(lab))[1]),
                )[:1]
    return MarkerPreset(
        "aliases",
        {},
        sacrum=tuple(sacrum[:1]),
        description="matched by common marker names",
        explicit={s: {r: tuple(v) for r, v in d.items()} for s, d in explicit.items()},
    )


def preset_from_mapping(path: Path) -> MarkerPreset:
    """A user mapping file: JSON object from point names to marker labels (or lists of labels).

    Keys: ``left_hip`` (a hip-centre marker) or ``left_asis``/``left_psis`` (+ optional ``sacrum``),
    ``left_knee``, ``left_ankle``, ``left_heel``, ``left_toe``, ``left_foot``, ``left_shoulder``,
    ``left_thigh``/``left_shank`` clusters, and the same for ``right_``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the marker mapping {path}: {exc.strerror}; check the path") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"the marker mapping {path} is not valid JSON ({exc}); see docs/formats.md"
        ) from None
    if not isinstance(raw, dict):
        raise InputError(f"the marker mapping {path} must be a JSON object of point names to marker labels")
    role_of = {"hip": "hjc"}
    explicit: dict[str, dict[str, tuple[str, ...]]] = {"left": {}, "right": {}}
    sacrum: tuple[str, ...] = ()
    for key, value in raw.items():
        names = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list) else None
        if names is None or not all(isinstance(n, str) for n in names):
            raise InputError(f"marker mapping {path}: {key!r} must name a marker label or a list of labels")
        if key == "sacrum":
            sacrum = names
            continue
        side, _, role = key.partition("_")
        role = role_of.get(role, role)
        if side not in explicit or role not in SIDED_ROLES:
            raise InputError(
                f"marker mapping {path}: unknown key {key!r}; use left_/right_ with one of "
                f"hip, asis, psis, knee, ankle, heel, toe, foot, shoulder, thigh, shank (or 'sacrum')"
            )
        explicit[side][role] = names
    for side in explicit:
        if "foot" not in explicit[side]:
            explicit[side]["foot"] = explicit[side].get("heel", ()) + explicit[side].get("toe", ())
    return MarkerPreset(
        "mapping", {}, sacrum=sacrum, description=f"mapping file {path.name}", explicit=explicit
    )
