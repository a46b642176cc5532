"""The report's plots, each as a plotly figure (a plain dict: data, layout) for the interactive page
and the same plot drawn with matplotlib as a PNG for readers without JavaScript (and for print).

Plotly is used only for its bundled plotly.js; figures are built as dicts, which is much faster than
its validating graph objects and keeps the import light."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from midstance.core.analysis import Traces
from midstance.core.findings import BANDS_NOTE, BARELY_BELOW_PCT, BEHIND_BELOW_PCT
from midstance.core.result import Result, Stance
from midstance.report import drawing as dr
from midstance.report.references import REFERENCES, SHORT, Reference
from midstance.report.verdict import OFFSET, OFFSET_M, OFFSET_SD, SIDES

SIDE_HEX = {s: dr.hex_colour(c) for s, c in dr.SIDE_COLOUR.items()}
TONE_HEX = {"low": "#d9534f", "mid": "#f0ad4e", "ok": "#5cb85c", "range": "#9aa5b1"}
BAND_FILL = (
    (None, BEHIND_BELOW_PCT, "behind (provisional)", "rgba(217,83,79,0.16)"),
    (BEHIND_BELOW_PCT, BARELY_BELOW_PCT, "barely ahead (provisional)", "rgba(240,173,78,0.18)"),
    (BARELY_BELOW_PCT, None, "ahead (provisional)", "rgba(92,184,92,0.14)"),
)
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"


@dataclass
class Plot:
    """One plot: an id for the page, a title, a caption, the plotly figure and its PNG fallback."""

    id: str
    title: str
    caption: str
    figure: dict[str, Any]
    png: bytes = b""
    alt: str = ""
    notes: list[str] = field(default_factory=list)


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "height": height,
        # legend above the plot: below it, it collides with the x-axis title on a phone
        "margin": {"l": 56, "r": 16, "t": 40, "b": 48},
        "font": {"family": FONT, "size": 12},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    }
    base.update(extra)
    return base


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    a = {"title": {"text": title}, "gridcolor": "#e5e5e5", "zerolinecolor": "#999", "automargin": True}
    a.update(extra)
    return a


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


# ----------------------------------------------------------------------------------- offset per step


def _offset_data(result: Result) -> dict[str, tuple[list[float], list[float], list[float], list[str]]]:
    out = {}
    scaled = any(s.get(OFFSET_M) is not None for s in result.stances)
    for side in SIDES:
        xs, ys, es, texts = [], [], [], []
        for i, s in enumerate(result.stances):
            v = s.get(OFFSET)
            if s.side != side or v is None:
                continue
            xs.append(s.midstance_s)
            ys.append(v)
            es.append(s.get(OFFSET_SD) or 0.0)
            m = s.get(OFFSET_M)
            cm = f"{m * 100:+.1f} cm, " if scaled and m is not None else ""
            texts.append(
                f"step {i + 1} ({side}) at {s.midstance_s:.2f} s: {cm}{v:+.1f} % leg, quality {s.quality:.2f}"
            )
        out[side] = (xs, ys, es, texts)
    return out


def _offset_range(
    data: dict[str, tuple[list[float], list[float], list[float], list[str]]],
) -> tuple[float, float]:
    vals = [
        y + s * e for xs, ys, es, _ in data.values() for y, e in zip(ys, es, strict=True) for s in (-1, 1)
    ]
    lo = min([-5.0, *vals]) - 2.0
    hi = max([15.0, *vals]) + 2.0
    return lo, hi


def offset_plot(result: Result) -> Plot:
    data = _offset_data(result)
    lo, hi = _offset_range(data)
    traces: list[dict[str, Any]] = []
    for side in SIDES:
        xs, ys, es, texts = data[side]
        if not xs:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+lines",
                "name": f"{side} steps",
                "x": xs,
                "y": ys,
                "text": texts,
                "hoverinfo": "text",
                "line": {"color": SIDE_HEX[side], "width": 1, "dash": "dot"},
                "marker": {
                    "color": SIDE_HEX[side],
                    "size": 8,
                    "symbol": "circle" if side == "left" else "square",
                },
                "error_y": {
                    "type": "data",
                    "array": es,
                    "visible": True,
                    "color": SIDE_HEX[side],
                    "thickness": 1,
                },
            }
        )
    shapes = []
    annotations = []
    for b0, b1, label, fill in BAND_FILL:
        y0 = lo if b0 is None else b0
        y1 = hi if b1 is None else b1
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": y0,
                "y1": y1,
                "fillcolor": fill,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "xref": "paper",
                "x": 1,
                "xanchor": "right",
                "yref": "y",
                "y": (y0 + y1) / 2,
                "text": label,
                "showarrow": False,
                "font": {"size": 11, "color": "#555"},
            }
        )
    fig = {
        "data": traces,
        "layout": _layout(
            340,
            xaxis=_axis("time in the clip (s)"),
            yaxis=_axis("hip ahead of ankle (% of leg)", range=[lo, hi], zeroline=True),
            shapes=shapes,
            annotations=annotations,
        ),
    }
    return Plot(
        "plot-offset",
        "Hip–ankle offset at midstance, step by step",
        "Each point is one step (bars: its measurement uncertainty, ±1 SD). Above zero the hip is ahead "
        "of the ankle. " + BANDS_NOTE,
        fig,
        alt="Scatter of the hip–ankle offset of every step over time, left and right, against the provisional bands.",
    )


# ----------------------------------------------------------------------------------- pelvic drop


def _drop_data(
    stances: Sequence[Stance], shift_s: float
) -> dict[str, tuple[list[float], list[float], list[str]]]:
    out = {}
    for side in SIDES:
        xs, ys, texts = [], [], []
        for s in stances:
            v = s.get("pelvic_drop_deg")
            if s.side != side or v is None:
                continue
            xs.append(s.midstance_s + shift_s)
            ys.append(v)
            texts.append(f"{side} step at {s.midstance_s + shift_s:.2f} s: pelvic drop {v:+.1f}°")
        out[side] = (xs, ys, texts)
    return out


def drop_plot(stances: Sequence[Stance], shift_s: float = 0.0, clip: str = "") -> Plot | None:
    """Pelvic drop of every step over the clip (``shift_s`` puts a second clip's times on the first's)."""
    data = _drop_data(stances, shift_s)
    if not any(xs for xs, _, _ in data.values()):
        return None
    traces = [
        {
            "type": "scatter",
            "mode": "markers+lines",
            "name": f"{side} foot down",
            "x": xs,
            "y": ys,
            "text": texts,
            "hoverinfo": "text",
            "line": {"color": SIDE_HEX[side], "width": 1, "dash": "dot"},
            "marker": {
                "color": SIDE_HEX[side],
                "size": 8,
                "symbol": "circle" if side == "left" else "square",
            },
        }
        for side, (xs, ys, texts) in data.items()
        if xs
    ]
    fig = {
        "data": traces,
        "layout": _layout(
            300,
            xaxis=_axis("time in the clip (s)" + (f" — {clip}" if clip else "")),
            yaxis=_axis("pelvic drop (°, + = swing hip lower)", zeroline=True),
        ),
    }
    return Plot(
        "plot-drop",
        "Pelvic drop at midstance, step by step",
        "Each point is one step seen from behind: the tilt of the hip line at midstance, positive when the "
        "swing-side hip is lower. Steady values mean a repeatable pattern; one foot consistently higher than "
        "the other shows an asymmetry.",
        fig,
        alt="Pelvic drop of every step over time, left and right.",
    )


def _mpl_drop(stances: Sequence[Stance], shift_s: float) -> bytes:
    data = _drop_data(stances, shift_s)
    fig = _mpl_figure(7.5, 3.0)
    ax = fig.add_subplot()
    for side, (xs, ys, _) in data.items():
        if xs:
            ax.plot(xs, ys, "o:" if side == "left" else "s:", color=SIDE_HEX[side], ms=4, lw=0.8, label=side)
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_xlabel("time in the clip (s)")
    ax.set_ylabel("pelvic drop (°)")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=2)
    return _png(fig)


# ----------------------------------------------------------------------------------- knee flexion


def knee_curves(result: Result, traces: Traces, n: int = 101) -> dict[str, np.ndarray]:
    """Per side, knee flexion of each stance resampled to 0–100 % of stance: (stances, n)."""
    out: dict[str, np.ndarray] = {}
    u = np.linspace(0.0, 1.0, n)
    t = traces.time_s
    for side in SIDES:
        series = traces.knee_flexion_deg.get(side)
        if series is None:
            continue
        rows = []
        for s in result.stances_of(side):
            if s.ic_s < t[0] or s.to_s > t[-1]:
                continue
            row = np.interp(s.ic_s + u * (s.to_s - s.ic_s), t, series)
            if np.isfinite(row).all():
                rows.append(row)
        if rows:
            out[side] = np.vstack(rows)
    return out


def knee_plot(result: Result, traces: Traces) -> Plot | None:
    curves = knee_curves(result, traces)
    if not curves:
        return None
    x = np.linspace(0, 100, 101)
    data: list[dict[str, Any]] = []
    shapes = []
    for side, rows in curves.items():
        mean, sd = rows.mean(axis=0), rows.std(axis=0)
        colour = SIDE_HEX[side]
        rgb = dr.SIDE_COLOUR[side]
        fill = f"rgba({rgb[0]},{rgb[1]},{rgb[2]},0.18)"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x.tolist(),
                "y": np.round(mean + sd, 2).tolist(),
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": side,
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x.tolist(),
                "y": np.round(mean - sd, 2).tolist(),
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": fill,
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": side,
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{side}: mean ± SD of {rows.shape[0]} stances",
                "x": x.tolist(),
                "y": np.round(mean, 2).tolist(),
                "legendgroup": side,
                "line": {"color": colour, "width": 2.5},
                "hovertemplate": f"{side} %{{x:.0f}} %% of stance: %{{y:.1f}}°<extra></extra>",
            }
        )
        fracs = [v for s in result.stances_of(side) if (v := s.get("midstance_frac")) is not None]
        if fracs:
            xm = 100 * float(np.median(fracs))
            shapes.append(
                {
                    "type": "line",
                    "xref": "x",
                    "x0": xm,
                    "x1": xm,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": colour, "width": 1.5, "dash": "dash"},
                }
            )
    fig = {
        "data": data,
        "layout": _layout(
            320,
            xaxis=_axis("% of stance (initial contact = 0, toe-off = 100)", range=[0, 100]),
            yaxis=_axis("knee flexion (°, 0 = straight)"),
            shapes=shapes,
        ),
    }
    return Plot(
        "plot-knee",
        "Knee flexion through stance",
        "Mean ± SD over all stances of each side, time normalised to the stance. Dashed: the median "
        "midstance (lowest hip), which is not the middle of the contact time.",
        fig,
        alt="Knee flexion curves over the stance phase for the left and right leg.",
    )


# ----------------------------------------------------------------------------------- events timeline


def timeline_plot(result: Result) -> Plot:
    data: list[dict[str, Any]] = []
    for side in SIDES:
        stances = result.stances_of(side)
        if not stances:
            continue
        xs: list[float | None] = []
        ys: list[str | None] = []
        for s in stances:
            xs += [s.ic_s, s.to_s, None]
            ys += [side, side, None]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{side} stance (contact → toe-off)",
                "x": xs,
                "y": ys,
                "line": {"color": SIDE_HEX[side], "width": 14},
                "hoverinfo": "skip",
                "connectgaps": False,
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{side} midstance",
                "showlegend": side == "left",
                "x": [s.midstance_s for s in stances],
                "y": [side] * len(stances),
                "text": [
                    f"{side} stance {s.ic_s:.2f}–{s.to_s:.2f} s, midstance {s.midstance_s:.3f} s "
                    f"({100 * (s.midstance_s - s.ic_s) / max(1e-9, s.to_s - s.ic_s):.0f} % of stance)"
                    for s in stances
                ],
                "hoverinfo": "text",
                "marker": {
                    "symbol": "line-ns-open",
                    "size": 20,
                    "color": "#111",
                    "line": {"width": 2.5, "color": "#111"},
                },
            }
        )
    fig: dict[str, Any] = {
        "data": data,
        "layout": _layout(
            230,
            xaxis=_axis("time in the clip (s)"),
            yaxis=_axis("", categoryorder="array", categoryarray=["right", "left"]),
            margin={"l": 56, "r": 16, "t": 40, "b": 40},
        ),
    }
    fig["layout"]["xaxis"]["rangeslider"] = {"visible": False}
    return Plot(
        "plot-timeline",
        "Events",
        "Stance bars from initial contact to toe-off for each foot; black ticks mark midstance.",
        fig,
        alt="Timeline of stance phases of the left and right foot with midstance marks.",
    )


# ----------------------------------------------------------------------------------- reference bands


@dataclass(frozen=True)
class RefRow:
    ref: Reference
    #: per side (or 'both'): (median, q1, q3) in the shown unit
    values: dict[str, tuple[float, float | None, float | None]]


def _stats(stances: Sequence[Stance], name: str, scale: float) -> tuple[float, float, float] | None:
    v = [x * scale for s in stances if (x := s.get(name)) is not None and math.isfinite(x)]
    if not v:
        return None
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return float(med), float(q1), float(q3)


def reference_rows(result: Result) -> list[RefRow]:
    rows = []
    for ref in REFERENCES:
        values: dict[str, tuple[float, float | None, float | None]] = {}
        if ref.metric == "cadence_spm":
            if _finite(result.summary.cadence_spm):
                values["both"] = (float(result.summary.cadence_spm), None, None)  # type: ignore[arg-type]
        else:
            for side in SIDES:
                st = _stats(result.stances_of(side), ref.metric, ref.scale)
                if st is not None:
                    values[side] = st
        if values:
            rows.append(RefRow(ref, values))
    return rows


def _axis_range(row: RefRow) -> tuple[float, float]:
    lo, hi = row.ref.axis
    vals = [v for med, q1, q3 in row.values.values() for v in (med, q1, q3) if v is not None]
    span = hi - lo
    return min(lo, min(vals) - 0.05 * span), max(hi, max(vals) + 0.05 * span)


def reference_plot(result: Result) -> Plot | None:
    rows = reference_rows(result)
    if not rows:
        return None
    n = len(rows)
    gap = 0.55 / n
    height = 90 * n + 40
    layout = _layout(height, margin={"l": 16, "r": 16, "t": 24, "b": 24}, showlegend=False)
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        k = "" if i == 0 else str(i + 1)
        top = 1 - i / n
        bottom = top - 1 / n + gap
        lo, hi = _axis_range(row)
        layout[f"xaxis{k}"] = {
            "domain": [0, 1],
            "anchor": f"y{k}",
            "range": [lo, hi],
            "gridcolor": "#eee",
            "ticksuffix": f" {row.ref.unit}" if row.ref.unit in ("°", "ms") else "",
            "title": {"text": ""},
            "fixedrange": True,
        }
        layout[f"yaxis{k}"] = {
            "domain": [bottom, top - 0.05 / n],
            "anchor": f"x{k}",
            "range": [-1, 1],
            "visible": False,
            "fixedrange": True,
        }
        for seg in row.ref.segments:
            x0 = lo if seg.lo is None else max(lo, seg.lo)
            x1 = hi if seg.hi is None else min(hi, seg.hi)
            if x1 <= x0:
                continue
            shapes.append(
                {
                    "type": "rect",
                    "xref": f"x{k}",
                    "yref": f"y{k}",
                    "x0": x0,
                    "x1": x1,
                    "y0": -0.5,
                    "y1": 0.5,
                    "fillcolor": TONE_HEX[seg.tone],
                    "opacity": 0.35,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
            annotations.append(
                {
                    "xref": f"x{k}",
                    "yref": f"y{k}",
                    "x": (x0 + x1) / 2,
                    "y": 0.0,
                    "text": seg.label,
                    "showarrow": False,
                    "font": {"size": 10, "color": "#333"},
                }
            )
        title = f"<b>{row.ref.label}</b>" + (" (provisional)" if row.ref.provisional else "")
        annotations.append(
            {
                "xref": "paper",
                "yref": f"y{k} domain",
                "x": 0,
                "y": 1.0,
                "xanchor": "left",
                "yanchor": "bottom",
                "text": title,
                "showarrow": False,
                "font": {"size": 12},
            }
        )
        for j, (side, (med, q1, q3)) in enumerate(row.values.items()):
            y = 0.0 if side == "both" else (0.25 if side == "left" else -0.25)
            trace: dict[str, Any] = {
                "type": "scatter",
                "mode": "markers",
                "xaxis": f"x{k}",
                "yaxis": f"y{k}",
                "x": [med],
                "y": [y],
                "name": side,
                "hovertemplate": f"{side}: %{{x:.1f}} {row.ref.unit}<extra>{row.ref.label}</extra>",
                "marker": {
                    "size": 12,
                    "color": SIDE_HEX.get(side, "#222"),
                    "symbol": {"left": "circle", "right": "square"}.get(side, "diamond"),
                    "line": {"color": "#000", "width": 1},
                },
            }
            if q1 is not None and q3 is not None:
                trace["error_x"] = {
                    "type": "data",
                    "symmetric": False,
                    "array": [q3 - med],
                    "arrayminus": [med - q1],
                    "color": SIDE_HEX.get(side, "#222"),
                    "thickness": 2,
                }
            data.append(trace)
            del j
    layout["shapes"] = shapes
    layout["annotations"] = annotations
    return Plot(
        "plot-references",
        "Your medians against reference bands",
        "Markers: median per side (circle left, square right; bars: middle half of the steps). Shaded: the "
        "reference band; grey = the range of the reference runners. Full references under Definitions.",
        {"data": data, "layout": layout},
        alt="Each headline metric's left and right median against its reference band.",
        notes=[
            f"{r.ref.label}: {r.ref.note} Source: {'; '.join(SHORT[s] for s in r.ref.sources)}." for r in rows
        ],
    )


# ----------------------------------------------------------------------------------- static fallbacks


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


def _mpl_figure(
    w: float, h: float, margins: tuple[float, float, float, float] = (0.6, 0.15, 0.1, 0.5)
) -> Any:
    """A bare Agg figure with fixed margins in inches (left, right, top, bottom): matplotlib's layout
    engines cost more than the drawing here, and the report must be quick."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h))
    left, right, top, bottom = margins
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h)
    return fig


def _mpl_offset(result: Result) -> bytes:
    data = _offset_data(result)
    lo, hi = _offset_range(data)
    fig = _mpl_figure(7.5, 3.4)
    ax = fig.add_subplot()
    for b0, b1, label, fill in BAND_FILL:
        rgba = [float(c) for c in fill[5:-1].split(",")]
        y0, y1 = (lo if b0 is None else b0), (hi if b1 is None else b1)
        ax.axhspan(y0, y1, color=(rgba[0] / 255, rgba[1] / 255, rgba[2] / 255, rgba[3]), lw=0)
        ax.text(
            0.995,
            (y0 + y1) / 2,
            label,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            color="#555",
        )
    for side in SIDES:
        xs, ys, es, _ = data[side]
        if xs:
            ax.errorbar(
                xs,
                ys,
                yerr=es,
                fmt="o" if side == "left" else "s",
                ms=4,
                color=SIDE_HEX[side],
                ls=":",
                lw=0.8,
                elinewidth=0.8,
                label=f"{side} steps",
            )
    ax.set_ylim(lo, hi)
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_xlabel("time in the clip (s)")
    ax.set_ylabel("hip ahead of ankle (% of leg)")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=2)
    return _png(fig)


def _mpl_knee(result: Result, traces: Traces) -> bytes:
    curves = knee_curves(result, traces)
    fig = _mpl_figure(7.5, 3.2)
    ax = fig.add_subplot()
    x = np.linspace(0, 100, 101)
    for side, rows in curves.items():
        mean, sd = rows.mean(axis=0), rows.std(axis=0)
        ax.fill_between(x, mean - sd, mean + sd, color=SIDE_HEX[side], alpha=0.18, lw=0)
        ax.plot(x, mean, color=SIDE_HEX[side], lw=2, label=f"{side} (n={rows.shape[0]})")
        fracs = [v for s in result.stances_of(side) if (v := s.get("midstance_frac")) is not None]
        if fracs:
            ax.axvline(100 * float(np.median(fracs)), color=SIDE_HEX[side], ls="--", lw=1)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of stance")
    ax.set_ylabel("knee flexion (°)")
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def _mpl_timeline(result: Result) -> bytes:
    fig = _mpl_figure(7.5, 1.9, margins=(0.6, 0.15, 0.1, 0.45))
    ax = fig.add_subplot()
    for yi, side in enumerate(("right", "left")):
        stances = result.stances_of(side)
        ax.broken_barh([(s.ic_s, s.to_s - s.ic_s) for s in stances], (yi - 0.3, 0.6), color=SIDE_HEX[side])
        ax.plot([s.midstance_s for s in stances], [yi] * len(stances), "|", color="#111", ms=14, mew=2)
    ax.set_yticks([0, 1], ["right", "left"])
    ax.set_xlabel("time in the clip (s)")
    return _png(fig)


def _mpl_references(result: Result) -> bytes:
    """All rows on one axes (one axes per row would triple the drawing time): each row is scaled to
    its own range, with its ends and band edges written as numbers."""
    rows = reference_rows(result)
    n = len(rows)
    fig = _mpl_figure(7.5, 0.62 * n + 0.2, margins=(0.15, 0.15, 0.05, 0.05))
    ax = fig.add_subplot()
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-n + 0.35, 0.75)
    ax.set_axis_off()
    for i, row in enumerate(rows):
        lo, hi = _axis_range(row)

        def nx(v: float, lo: float = lo, hi: float = hi) -> float:
            return (v - lo) / (hi - lo)

        y = -i
        edges = {lo, hi}
        for seg in row.ref.segments:
            x0 = lo if seg.lo is None else max(lo, seg.lo)
            x1 = hi if seg.hi is None else min(hi, seg.hi)
            if x1 > x0:
                ax.fill_between(
                    [nx(x0), nx(x1)], y - 0.17, y + 0.17, color=TONE_HEX[seg.tone], alpha=0.35, lw=0
                )
                ax.text(nx((x0 + x1) / 2), y, seg.label, ha="center", va="center", fontsize=7, color="#333")
                edges |= {v for v in (seg.lo, seg.hi) if v is not None and lo < v < hi}
        for e in sorted(edges):
            ax.text(nx(e), y - 0.22, f"{e:g}", ha="center", va="top", fontsize=6.5, color="#555")
        title = row.ref.label + (" (provisional)" if row.ref.provisional else "") + f" [{row.ref.unit}]"
        ax.text(0, y + 0.24, title, ha="left", va="bottom", fontsize=8.5, weight="bold")
        for side, (med, q1, q3) in row.values.items():
            yy = y + (0.0 if side == "both" else (0.07 if side == "left" else -0.07))
            colour = SIDE_HEX.get(side, "#222")
            if q1 is not None and q3 is not None:
                ax.plot([nx(q1), nx(q3)], [yy, yy], color=colour, lw=1.5)
            ax.plot(
                [nx(med)], [yy], {"left": "o", "right": "s"}.get(side, "D"), color=colour, mec="black", ms=6
            )
    return _png(fig)


def build_plots(
    result: Result, traces: Traces | None, frontal: Result | None = None, frontal_shift_s: float = 0.0
) -> list[Plot]:
    """Every plot the data allows, with its PNG fallback. ``frontal`` is a second (rear or front) clip's
    result whose pelvic drop is plotted on the first clip's time axis (its times + ``frontal_shift_s``)."""
    plots: list[Plot] = []
    if any(s.get(OFFSET) is not None for s in result.stances) or result.runner.view == "side":
        off = offset_plot(result)
        off.png = _mpl_offset(result)
        plots.append(off)
    drop_stances = frontal.stances if frontal is not None else result.stances
    shift = frontal_shift_s if frontal is not None else 0.0
    drop = drop_plot(drop_stances, shift)
    if drop is not None:
        drop.png = _mpl_drop(drop_stances, shift)
        if frontal is not None:
            drop.caption += (
                " The second clip's times are shifted onto this clip's (lined up by the step rhythm)."
            )
        plots.append(drop)
    # knee flexion is a side-view (sagittal) angle: meaningless on a rear or front picture
    if traces is not None and result.runner.view == "side":
        knee = knee_plot(result, traces)
        if knee is not None:
            knee.png = _mpl_knee(result, traces)
            plots.append(knee)
    tl = timeline_plot(result)
    tl.png = _mpl_timeline(result)
    plots.append(tl)
    ref = reference_plot(result)
    if ref is not None:
        ref.png = _mpl_references(result)
        plots.append(ref)
    return plots
