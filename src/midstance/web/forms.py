"""Form fields and their parsing. The analysis options of the upload form are built from
AnalysisSettings (midstance.settings) — names, defaults, help and choices are not declared again."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, get_type_hints

from midstance.settings import AnalysisSettings, settings_table

#: shown first; the others go under "More analysis options"
BASIC_OPTIONS = ("height_cm", "slope_pct", "setting")
_UNIT_WORDS = {"cm": "cm", "pct": "%", "hz": "Hz", "s": "s", "m": "m", "deg": "°"}


class FormError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OptionField:
    name: str
    label: str
    help: str
    default: Any
    choices: tuple[str, ...] | None
    optional: bool
    basic: bool

    @property
    def default_text(self) -> str:
        return (
            ""
            if self.default is None
            else f"{self.default:g}"
            if isinstance(self.default, float)
            else str(self.default)
        )


def _label(name: str) -> str:
    words = name.split("_")
    unit = _UNIT_WORDS.get(words[-1]) if len(words) > 1 else None
    if unit:
        words = words[:-1]
    text = " ".join(words).capitalize()
    return f"{text} ({unit})" if unit else text


def analysis_fields() -> list[OptionField]:
    hints = get_type_hints(AnalysisSettings)
    out = []
    for row in settings_table(AnalysisSettings):
        hint = str(hints[row["name"]])
        out.append(
            OptionField(
                name=row["name"],
                label=_label(row["name"]),
                help=row["help"],
                default=row["default"],
                choices=tuple(row["choices"]) if row["choices"] else None,
                optional="None" in hint,
                basic=row["name"] in BASIC_OPTIONS,
            )
        )
    return out


def parse_analysis_settings(form: Mapping[str, str]) -> AnalysisSettings:
    """AnalysisSettings from the upload form's text fields; FormError names the bad field.

    Plausibility (e.g. a height in cm) is the pipeline's to check; it reports before any work."""
    values: dict[str, Any] = {}
    for f in analysis_fields():
        raw = (form.get(f.name) or "").strip()
        if raw == "":
            if f.optional:
                values[f.name] = None
            continue
        if f.choices:
            if raw not in f.choices:
                raise FormError(f"{f.label}: choose one of {', '.join(f.choices)}")
            values[f.name] = raw
            continue
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            raise FormError(f"{f.label}: {raw[:20]!r} is not a number") from None
        if not math.isfinite(number):
            raise FormError(f"{f.label}: give a finite number")
        values[f.name] = number
    return AnalysisSettings(**values)


def settings_json(settings: AnalysisSettings) -> str:
    return json.dumps({f.name: v for f, v in zip(fields(settings), asdict(settings).values(), strict=True)})


def parse_date(raw: str | None, what: str = "Date") -> date:
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise FormError(f"{what}: use the form YYYY-MM-DD") from None


def parse_optional_float(raw: str | None, what: str, low: float, high: float) -> float | None:
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        v = float(text)
    except ValueError:
        raise FormError(f"{what}: {text[:20]!r} is not a number") from None
    if not (math.isfinite(v) and low <= v <= high):
        raise FormError(f"{what}: give a number between {low:g} and {high:g}")
    return v


def text_field(raw: str | None, what: str, max_len: int, required: bool = False) -> str:
    text = (raw or "").strip()
    if required and not text:
        raise FormError(f"{what}: required")
    if len(text) > max_len:
        raise FormError(f"{what}: at most {max_len} characters")
    return text
