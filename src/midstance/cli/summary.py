"""The terminal summary: the headline per side, key metrics, top findings, warnings, outputs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from midstance.core.catalog import METRICS_BY_NAME
from midstance.core.findings import headline
from midstance.core.result import Result

_SHOWN = (
    "hip_ankle_offset_pct_leg",
    "hip_ankle_offset_m",
    "overstride_pct_leg",
    "knee_flexion_ic_deg",
    "knee_flexion_midstance_deg",
    "foot_angle_ic_deg",
    "tibia_angle_ic_deg",
    "trunk_lean_deg",
    "contact_time_s",
    "flight_time_s",
    "vertical_oscillation_m",
    "vertical_oscillation_pct_leg",
    "pelvic_drop_deg",
    "pelvis_obliquity_rom_deg",
    "pelvis_rotation_rom_deg",
    "knee_fppa_deg",
    "step_width_m",
)
_STYLE = {"warning": "bold red", "notice": "yellow", "info": "green"}


def _num(v: float | None, unit: str) -> str:
    if v is None:
        return "–"
    if unit == "m":
        return f"{v * 100:.1f} cm"
    if unit == "s":
        return f"{v * 1000:.0f} ms"
    if unit == "deg":
        return f"{v:.1f}°"
    if unit == "% leg":
        return f"{v:+.1f} %"
    return f"{v:.2f}"


def print_summary(result: Result, written: Sequence[Path] = (), console: Console | None = None) -> None:
    con = console or Console()
    s = result.summary
    src = result.source
    rn = result.runner
    con.print(
        f"[bold]midstance[/] · {Path(src.path).name} · {src.kind}, {rn.setting}, {rn.activity}"
        + (f", facing {rn.facing}" if rn.facing else "")
        + f" · {s.steps.get('left', 0)} left / {s.steps.get('right', 0)} right stances"
        + (f" · cadence {s.cadence_spm:.0f} steps/min" if s.cadence_spm else "")
    )
    con.print("[bold]At midstance:[/]")
    for side, text in headline(s).items():
        con.print(f"  {side:<5}  {text}")
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    t.add_column("metric")
    t.add_column("left", justify="right")
    t.add_column("right", justify="right")
    t.add_column("asym.", justify="right")
    for name in _SHOWN:
        m = s.metrics.get(name)
        if m is None:
            continue
        spec = METRICS_BY_NAME[name]
        t.add_row(
            spec.label,
            _num(m.left.median, spec.unit),
            _num(m.right.median, spec.unit),
            "" if m.asymmetry_pct is None else f"{m.asymmetry_pct:+.0f} %",
        )
    strike = {k: v for k, v in s.foot_strike.items() if v}
    if strike:
        t.add_row("Foot strike", strike.get("left", "–"), strike.get("right", "–"), "")
    con.print(t)
    if result.findings:
        con.print("[bold]Findings:[/]")
        for f in result.findings[:4]:
            con.print(f"  [{_STYLE[f.severity]}]{f.severity}[/] {f.title}")
            con.print(f"     {f.cue}", highlight=False)
    if result.warnings:
        con.print("[bold]Warnings:[/]")
        for w in result.warnings:
            con.print(f"  [yellow]![/] {w.message}", highlight=False)
    for p in written:
        con.print(f"wrote {p}")
