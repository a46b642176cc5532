"""Inline SVG charts drawn on the server: no chart library and no script, so they work under the
strict Content-Security-Policy and on any phone. Colours come from classes in static/app.css (inline
style attributes would be blocked by the policy); every point carries a <title> for its numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

WIDTH = 720
LEFT = 52
RIGHT = 18


@dataclass(frozen=True)
class ChartPoint:
    when: date
    order: int
    value: float
    low: float | None
    high: float | None
    title: str


@dataclass(frozen=True)
class ChartSeries:
    name: str
    css: str
    points: Sequence[ChartPoint]


@dataclass(frozen=True)
class DiaryMark:
    when: date
    severity: int
    title: str


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    css: str
    label: str


@dataclass(frozen=True)
class TimeAxis:
    """Dates to x positions; one axis is shared by every chart of a page so that they line up."""

    start: date
    end: date
    width: int = WIDTH

    @classmethod
    def spanning(cls, dates: Sequence[date]) -> TimeAxis:
        if not dates:
            today = date.today()
            return cls(today - timedelta(days=3), today + timedelta(days=3))
        lo, hi = min(dates), max(dates)
        pad = max(1, (hi - lo).days // 20)
        if lo == hi:
            pad = 3
        return cls(lo - timedelta(days=pad), hi + timedelta(days=pad))

    def narrow(self, width: int) -> TimeAxis:
        return TimeAxis(self.start, self.end, width)

    @property
    def plot_w(self) -> float:
        return self.width - LEFT - RIGHT

    def x(self, when: date) -> float:
        span = max((self.end - self.start).days, 1)
        return LEFT + self.plot_w * (when - self.start).days / span

    def ticks(self) -> list[date]:
        span = (self.end - self.start).days
        count = 5 if self.width >= 500 else 3
        step = max(1, math.ceil(span / count))
        return [self.start + timedelta(days=k) for k in range(0, span + 1, step)]

    def anchor(self, when: date) -> str:
        """Labels near the ends are aligned inwards so they are not cut off."""
        x = self.x(when)
        if x < LEFT + 24:
            return "start"
        if x > self.width - RIGHT - 24:
            return "end"
        return "middle"

    def label(self, when: date) -> str:
        if self.start.year != self.end.year:
            return when.strftime("%d %b %Y").lstrip("0")
        return when.strftime("%d %b").lstrip("0")


def nice_range(values: Sequence[float], include: Sequence[float] = ()) -> tuple[float, float, list[float]]:
    """Axis limits and 4–6 round tick values covering ``values`` and ``include``."""
    vals = [v for v in (*values, *include) if math.isfinite(v)]
    if not vals:
        vals = [0.0, 1.0]
    lo, hi = min(vals), max(vals)
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    raw = (hi - lo) / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    lo_t = math.floor(lo / step) * step
    hi_t = math.ceil(hi / step) * step
    ticks = []
    t = lo_t
    while t <= hi_t + step / 2:
        ticks.append(round(t, 10))
        t += step
    return lo_t, hi_t, ticks


def _num(v: float) -> str:
    return f"{v:.1f}"


def _tick_label(v: float) -> str:
    return f"{v:g}"


def metric_chart(
    axis: TimeAxis,
    series: Sequence[ChartSeries],
    unit: str,
    *,
    title: str,
    height: int = 190,
    bands: Sequence[Band] = (),
    include: Sequence[float] = (),
    diary: Sequence[DiaryMark] | None = None,
    diary_height: int = 64,
) -> Markup:
    """A time chart of one metric per side (median with its 95 % interval as a bar), optionally with
    the pain diary's severity in a panel below on the same time axis."""
    width = axis.width
    right = width - RIGHT
    top = 22  # room for the unit above the plot
    plot_h = height - top - 24  # and for the date labels below it
    axis_y = top + plot_h
    values = [v for s in series for p in s.points for v in (p.value, p.low, p.high) if v is not None]
    lo, hi, yticks = nice_range(values, include)

    def y(v: float) -> float:
        return top + plot_h * (hi - v) / (hi - lo)

    diary_top = axis_y + 44
    legend_y = (diary_top + diary_height + 28) if diary is not None else (axis_y + 44)
    total_h = legend_y + 8
    out: list[str] = [
        f'<svg class="chart" viewBox="0 0 {width} {total_h}" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text class="unit" x="{LEFT}" y="12">{escape(unit)}</text>',
    ]
    for band in bands:
        b_lo, b_hi = max(band.low, lo), min(band.high, hi)
        if b_hi > b_lo:
            out.append(
                f'<rect class="band {band.css}" x="{LEFT}" y="{_num(y(b_hi))}" width="{_num(axis.plot_w)}" '
                f'height="{_num(y(b_lo) - y(b_hi))}"><title>{escape(band.label)}</title></rect>'
            )
            out.append(
                f'<text class="band-label" x="{right - 4}" y="{_num(y(b_lo) - 4)}" '
                f'text-anchor="end">{escape(band.label)}</text>'
            )
    for t in yticks:
        zero = " zero" if t == 0 else ""
        out.append(f'<line class="grid{zero}" x1="{LEFT}" x2="{right}" y1="{_num(y(t))}" y2="{_num(y(t))}"/>')
        out.append(
            f'<text class="tick" x="{LEFT - 6}" y="{_num(y(t) + 4)}" text-anchor="end">{escape(_tick_label(t))}</text>'
        )
    for d in axis.ticks():
        x = _num(axis.x(d))
        out.append(f'<line class="grid" x1="{x}" x2="{x}" y1="{top}" y2="{axis_y}"/>')
        out.append(
            f'<text class="tick" x="{x}" y="{axis_y + 16}" text-anchor="{axis.anchor(d)}">{escape(axis.label(d))}</text>'
        )
    for k, s in enumerate(series):
        shift = (k - (len(series) - 1) / 2) * 7
        pts = sorted(s.points, key=lambda p: (p.when, p.order))
        coords = [
            (axis.x(p.when) + shift + 10 * _same_day_rank(pts, i), y(p.value)) for i, p in enumerate(pts)
        ]
        if len(coords) > 1:
            line = " ".join(f"{_num(cx)},{_num(cy)}" for cx, cy in coords)
            out.append(f'<polyline class="trend {s.css}" points="{line}"/>')
        for (cx, cy), p in zip(coords, pts, strict=True):
            out.append(f'<g class="pt {s.css}"><title>{escape(p.title)}</title>')
            if p.low is not None and p.high is not None:
                out.append(
                    f'<line class="err" x1="{_num(cx)}" x2="{_num(cx)}" y1="{_num(y(p.high))}" y2="{_num(y(p.low))}"/>'
                )
            if s.css == "right":
                out.append(f'<rect x="{_num(cx - 4.5)}" y="{_num(cy - 4.5)}" width="9" height="9"/>')
            else:
                out.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="5"/>')
            out.append("</g>")
    if diary is not None:
        out.extend(_diary_panel(axis, diary, diary_top, diary_height))
    out.append(_legend(series, legend_y, diary is not None, compact=width < 500))
    out.append("</svg>")
    return Markup("".join(out))


def _same_day_rank(points: Sequence[ChartPoint], i: int) -> int:
    """Sessions recorded on the same day sit side by side instead of on top of each other."""
    return sum(1 for p in points[:i] if p.when == points[i].when)


def _diary_panel(axis: TimeAxis, marks: Sequence[DiaryMark], top: float, h: int) -> list[str]:
    right = axis.width - RIGHT
    out = [
        f'<text class="unit" x="{LEFT}" y="{_num(top - 8)}">pain diary, severity 0–10</text>',
        f'<rect class="diary-bg" x="{LEFT}" y="{_num(top)}" width="{_num(axis.plot_w)}" height="{h}"/>',
        f'<line class="grid zero" x1="{LEFT}" x2="{right}" y1="{_num(top + h)}" y2="{_num(top + h)}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{_num(top + 9)}" text-anchor="end">10</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{_num(top + h + 4)}" text-anchor="end">0</text>',
    ]
    for d in axis.ticks():
        x = _num(axis.x(d))
        out.append(f'<line class="grid" x1="{x}" x2="{x}" y1="{_num(top)}" y2="{_num(top + h)}"/>')
    if not marks:
        out.append(
            f'<text class="empty" x="{_num(LEFT + axis.plot_w / 2)}" y="{_num(top + h / 2 + 4)}" '
            'text-anchor="middle">no diary entries yet</text>'
        )
    for m in sorted(marks, key=lambda m: m.when):
        bar_h = max(h * m.severity / 10, 2)
        level = "sev-high" if m.severity >= 7 else "sev-mid" if m.severity >= 4 else "sev-low"
        cx = axis.x(m.when)
        out.append(
            f'<rect class="diary {level}" x="{_num(cx - 4)}" y="{_num(top + h - bar_h)}" width="8" '
            f'height="{_num(bar_h)}"><title>{escape(m.title)}</title></rect>'
        )
    return out


def _legend(series: Sequence[ChartSeries], y: float, diary: bool, compact: bool) -> str:
    parts = [f'<g class="legend" transform="translate({LEFT},{_num(y)})">']
    x = 0
    for s in series:
        if s.css == "right":
            parts.append(f'<rect class="{s.css}" x="{x}" y="-9" width="9" height="9"/>')
        else:
            parts.append(f'<circle class="{s.css}" cx="{x + 4.5}" cy="-4.5" r="5"/>')
        parts.append(f'<text x="{x + 14}" y="0">{escape(s.name)}</text>')
        x += 14 + 7 * len(s.name) + 14
    parts.append(f'<line class="err legend-err" x1="{x + 4}" x2="{x + 4}" y1="-12" y2="2"/>')
    parts.append(
        f'<text x="{x + 12}" y="0">{"95 % interval" if compact else "95 % interval of the median"}</text>'
    )
    x += 12 + (90 if compact else 180)
    if diary:
        parts.append(f'<rect class="diary sev-mid" x="{x}" y="-10" width="8" height="10"/>')
        parts.append(f'<text x="{x + 14}" y="0">pain</text>')
    parts.append("</g>")
    return "".join(parts)
