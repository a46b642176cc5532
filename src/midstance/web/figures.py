"""Midstance stick figures drawn from a result's stance points (inline SVG), for the session page and
the before/after comparison. The step drawn is a real one: the step whose hip–ankle offset is
closest to that side's median, so the picture matches the number beside it."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

_W, _H = 220, 250
_SCALE = 175.0  # pixels per leg length
_ANKLE_X = 110.0
_GROUND_Y = 228.0


def representative_stance(result: Mapping[str, Any], side: str) -> Mapping[str, Any] | None:
    stances = [
        s
        for s in result.get("stances", [])
        if s.get("side") == side
        and (s.get("points") or {}).get("midstance")
        and s.get("hip_ankle_offset_pct_leg") is not None
    ]
    if not stances:
        return None
    med = statistics.median(s["hip_ankle_offset_pct_leg"] for s in stances)
    return min(stances, key=lambda s: abs(s["hip_ankle_offset_pct_leg"] - med))


def _transform(result: Mapping[str, Any]) -> tuple[float, float, float]:
    """(forward sign, up sign, leg length) so that the runner always runs to the right, up is up."""
    runner = result.get("runner") or {}
    leg = runner.get("leg_length_units") or runner.get("leg_length_m") or 1.0
    if runner.get("units", "m") == "px":
        return (-1.0 if runner.get("facing") == "left" else 1.0), -1.0, float(leg)
    return 1.0, 1.0, float(leg)


def midstance_figure(result: Mapping[str, Any], side: str, caption: str) -> Markup | None:
    stance = representative_stance(result, side)
    if stance is None:
        return None
    fwd, up, leg = _transform(result)
    pts = {k: (float(v[0]), float(v[1])) for k, v in stance["points"]["midstance"].items() if None not in v}
    if "ankle" not in pts or "mid_hip" not in pts:
        return None
    ground = min((up * pts[k][1] for k in ("heel", "toe", "ankle") if k in pts), default=up * pts["ankle"][1])
    ax0 = pts["ankle"][0]

    def xy(name: str) -> tuple[float, float] | None:
        if name not in pts:
            return None
        x, y = pts[name]
        return (_ANKLE_X + _SCALE * fwd * (x - ax0) / leg, _GROUND_Y - _SCALE * (up * y - ground) / leg)

    offset = stance["hip_ankle_offset_pct_leg"]
    title = f"{caption}: hip {abs(offset):.1f} % of leg length {'ahead of' if offset >= 0 else 'behind'} the ankle"
    out = [
        f'<svg class="figure" viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="ground" x1="8" x2="{_W - 8}" y1="{_GROUND_Y:.1f}" y2="{_GROUND_Y:.1f}"/>',
    ]
    ankle, hip = xy("ankle"), xy("mid_hip")
    assert ankle is not None and hip is not None
    out.append(f'<line class="plumb" x1="{ankle[0]:.1f}" x2="{ankle[0]:.1f}" y1="{_GROUND_Y:.1f}" y2="12"/>')
    out.append(
        f'<line class="plumb hipline" x1="{hip[0]:.1f}" x2="{hip[0]:.1f}" y1="{_GROUND_Y:.1f}" y2="12"/>'
    )
    for a, b, css in (
        ("mid_shoulder", "mid_hip", "trunk"),
        ("hip", "knee", "leg"),
        ("knee", "ankle", "leg"),
        ("ankle", "heel", "foot"),
        ("heel", "toe", "foot"),
        ("toe", "ankle", "foot"),
    ):
        p, q = xy(a), xy(b)
        if p and q:
            out.append(
                f'<line class="seg {css}" x1="{p[0]:.1f}" y1="{p[1]:.1f}" x2="{q[0]:.1f}" y2="{q[1]:.1f}"/>'
            )
    for name in ("mid_hip", "knee", "ankle"):
        p = xy(name)
        if p:
            out.append(f'<circle class="joint {name}" cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="4.5"/>')
    arrow_y = min(hip[1] - 14, 40.0) if math.isfinite(hip[1]) else 40.0
    out.append(
        f'<line class="offset{" behind" if offset < 0 else ""}" x1="{ankle[0]:.1f}" x2="{hip[0]:.1f}" '
        f'y1="{arrow_y:.1f}" y2="{arrow_y:.1f}"/>'
    )
    out.append(
        f'<text class="offset-label" x="{(ankle[0] + hip[0]) / 2:.1f}" y="{arrow_y - 6:.1f}" '
        f'text-anchor="middle">{offset:+.1f} % leg</text>'
    )
    out.append(f'<text class="fig-note" x="{_W - 8}" y="{_H - 6}" text-anchor="end">running →</text>')
    out.append("</svg>")
    return Markup("".join(out))
