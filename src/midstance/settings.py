"""Settings, declared once with their help text; the CLI, the web app and docs/settings.md read them.

Each field's ``metadata`` holds ``help`` (one sentence), optionally ``flag`` (the CLI option) and
``choices``. ``docs/settings.md`` is generated from this module and a test checks they agree."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal


def _opt(default: Any, help: str, flag: str | None = None, **extra: Any) -> Any:
    meta = {"help": help, "flag": flag, **extra}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class AnalysisSettings:
    """How the gait core analyses one trial."""

    height_cm: float | None = _opt(
        None,
        "Runner's height in cm; gives metres from the leg length (0.491 × height, Winter). "
        "Without it, video results are in % of leg length only.",
        flag="--height-cm",
    )
    slope_pct: float = _opt(
        0.0,
        "Treadmill or course grade in percent (negative = downhill); changes the downhill guidance.",
        flag="--slope-pct",
    )
    setting: Literal["auto", "treadmill", "overground"] = _opt(
        "auto",
        "Treadmill or overground; 'auto' finds it from the hip's travel.",
        flag="--setting",
        choices=("auto", "treadmill", "overground"),
    )
    kinematics_cutoff_hz: float = _opt(
        10.0,
        "Low-pass cut-off for joint trajectories (4th-order zero-lag Butterworth); 10 Hz matches the "
        "motion-capture truth definitions.",
        flag="--cutoff-hz",
    )
    max_gap_s: float = _opt(
        0.25,
        "Longest gap (s) in a point's trajectory that is filled by interpolation; longer gaps stay "
        "missing and the stances in them are skipped or flagged.",
        flag="--max-gap-s",
    )

    def with_(self, **changes: Any) -> AnalysisSettings:
        from dataclasses import replace

        return replace(self, **changes)


def settings_table(cls: type = AnalysisSettings) -> list[dict[str, Any]]:
    """Rows (name, flag, default, help, choices) for docs and the CLI."""
    rows = []
    for f in fields(cls):
        rows.append(
            {
                "name": f.name,
                "flag": f.metadata.get("flag"),
                "default": f.default,
                "help": f.metadata.get("help", ""),
                "choices": f.metadata.get("choices"),
            }
        )
    return rows
