"""The report page: one self-contained HTML file (inline CSS, inline plotly.js, images as data URIs,
no request of any kind). Every string that comes from the user or the data is escaped here.

Other pages read the report back: the web app's before/after page takes each side's midstance
picture from ``<figure id="keyframe-<side>">`` → ``<img class="ms" src="data:image/…">`` (tested in
tests/report/test_report_inputs.py). Keep that markup stable."""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from PIL import Image

from midstance import __version__
from midstance.core.catalog import STANCE_METRICS
from midstance.core.findings import BANDS_NOTE, MIN_RELIABLE_STEPS, NOT_ADVICE
from midstance.core.result import Finding, Result, Stance
from midstance.report import drawing as dr
from midstance.report.core_action import CoreAction, CoreRow, SideValue
from midstance.report.plots import Plot
from midstance.report.references import SHORT, SOURCES
from midstance.report.verdict import (
    GOOD_QUALITY,
    LOW_QUALITY,
    OFFSET,
    OFFSET_M,
    SIDES,
    SideVerdict,
    cm,
    low_quality,
    offset_phrase,
    quality_text,
    signed,
    where_words,
)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def data_uri(image: Image.Image, photo: bool) -> str:
    """JPEG for video frames (photographs), PNG for flat drawings."""
    buf = io.BytesIO()
    if photo:
        image.convert("RGB").save(buf, format="JPEG", quality=82, optimize=False)
        mime = "image/jpeg"
    else:
        image.save(buf, format="PNG", optimize=False, compress_level=6)
        mime = "image/png"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '</script>', no HTML comment openers."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ------------------------------------------------------------------------------------------ models


@dataclass(frozen=True)
class Picture:
    """An image for the page with what the reader needs to know about it."""

    uri: str
    width: int
    height: int
    alt: str
    caption: str
    #: where the drawn plumb lines are in this image, for checking (output pixels)
    hip_x_px: float | None = None
    ankle_x_px: float | None = None
    #: data → image mapping (x0, y0, scale) of the drawing
    view: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Shot:
    """One picture of a side's key-frame card. ``cls`` names what it shows: ``ms`` (midstance; the
    first ``ms`` of a card is what other pages read), ``ic`` (initial contact), ``rear-ms`` (midstance
    seen from behind or in front, next to the side view's)."""

    picture: Picture | None
    cls: str


@dataclass(frozen=True)
class SideFrames:
    side: str
    #: card heading, e.g. "Left: step 5 of 16"
    title: str
    shots: tuple[Shot, ...]


@dataclass(frozen=True)
class Tile:
    number: int
    stance: Stance
    picture: Picture | None
    representative: bool


@dataclass(frozen=True)
class Page:
    result: Result
    verdicts: dict[str, SideVerdict]
    frames: list[SideFrames]
    tiles: list[Tile]
    plots: list[Plot]
    plotly_js: str
    on_video: bool
    has_traces: bool
    core: CoreAction | None = None
    #: the rear (or front) clip's own result when two views are merged
    second_view: Result | None = None
    #: the frontal pictures are video frames (not stick figures)
    frontal_on_video: bool = False

    @property
    def frontal_only(self) -> bool:
        """The result itself is a rear or front view: no side-view numbers at all."""
        return self.result.runner.view in ("rear", "front")

    @property
    def view_words(self) -> str:
        view = self.second_view.runner.view if self.second_view is not None else self.result.runner.view
        return "from the front" if view == "front" else "from behind"


# ------------------------------------------------------------------------------------------ pieces

CSS = """
:root{--fg:#1d1d1f;--muted:#5f6368;--line:#dadce0;--bg:#fff;--card:#f8f9fa;--left:%LEFT%;--right:%RIGHT%;
--hip:%HIP%;--ankle:%ANKLE%;--behind:#c62828;--barely:#b26a00;--ahead:#1b7f3b}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:var(--fg);background:var(--bg)}
main{max-width:1040px;margin:0 auto;padding:12px 16px 48px}
header h1{font-size:1.5rem;margin:.4rem 0 .2rem}
h2{font-size:1.25rem;margin:2rem 0 .6rem;padding-top:.4rem;border-top:1px solid var(--line)}
h3{font-size:1.05rem;margin:1rem 0 .4rem}
.meta,.muted,figcaption,.caption{color:var(--muted);font-size:.9rem}
nav{display:flex;flex-wrap:wrap;gap:.3rem .9rem;font-size:.92rem;margin:.5rem 0 0}
nav a{color:#1a5fb4;text-decoration:none}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card.left{border-left:6px solid var(--left)}.card.right{border-left:6px solid var(--right)}
.big{font-size:1.35rem;font-weight:650;margin:.1rem 0 .3rem}
.band{display:inline-block;border-radius:999px;padding:.05rem .6rem;font-size:.85rem;font-weight:600;color:#fff}
.band.behind{background:var(--behind)}.band.barely{background:var(--barely)}.band.ahead{background:var(--ahead)}.band.none{background:#777}
.sev{display:inline-block;border-radius:4px;padding:0 .45rem;font-size:.8rem;font-weight:700;
text-transform:uppercase;color:#fff;margin-right:.4rem}
.sev.warning{background:var(--behind)}.sev.notice{background:var(--barely)}.sev.info{background:#1a5fb4}
ul.warnings{padding-left:1.1rem;margin:.3rem 0}ul.warnings li{margin:.2rem 0}
.alert{border:1px solid #f0c36d;background:#fff8e5;border-radius:8px;padding:8px 12px}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.table-wrap{overflow-x:auto}
.keyframes{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:14px}
.kf{margin:0}
.kf .pair{display:grid;grid-template-columns:3fr 2fr;gap:6px;align-items:start}
.kf img,.sheet img,.plot img{max-width:100%;height:auto;display:block;border-radius:6px}
.legend span{display:inline-block;margin-right:.8rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border:1px solid #000;vertical-align:-.1rem;margin-right:.25rem}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(96px,1fr));gap:6px}
.sheet figure{margin:0;border:2px solid transparent;border-radius:8px;padding:2px}
.sheet figure.left{border-color:var(--left)}.sheet figure.right{border-color:var(--right)}
.sheet figure.rep{box-shadow:0 0 0 3px #111}
.sheet figcaption{font-size:.75rem;line-height:1.25;text-align:center}.sheet img{margin:0 auto}
.sheet figure.lowq img{opacity:.55}.sheet figure.lowq figcaption strong{color:var(--behind)}
.keyframes.wide{grid-template-columns:1fr}
.kf .trio{display:grid;grid-template-columns:76fr 48fr 76fr;gap:6px;align-items:start}
.kf .single{display:flex;justify-content:center}
.kf .shot{margin:0}.kf .shot .tag{display:block;font-size:.8rem;color:var(--muted);margin-bottom:2px}
table.core th[scope=row]{font-weight:600;min-width:9rem}
table.core td.num{text-align:left;white-space:normal}
.est{display:inline-block;border-radius:4px;padding:0 .35rem;font-size:.75rem;font-weight:700;
background:#6b5ca5;color:#fff;margin-left:.3rem;vertical-align:.1rem}
.gauge{position:relative;height:1.3rem;background:#eef0f2;border-radius:4px;margin:.2rem 0 .25rem;min-width:9rem}
.gauge .seg{position:absolute;top:0;bottom:0;opacity:.45}
.gauge .seg.ok{background:#5cb85c}.gauge .seg.mid{background:#f0ad4e}.gauge .seg.low{background:#d9534f}
.gauge .seg.range{background:#9aa5b1}
.gauge .iqr{position:absolute;height:3px;margin-top:-1.5px}
.gauge .mk{position:absolute;width:.7rem;height:.7rem;margin:-.35rem 0 0 -.35rem;border:1px solid #000}
.gauge .mk.left{border-radius:50%;top:35%;background:var(--left)}.gauge .mk.right{top:68%;background:var(--right)}
.gauge .iqr.left{top:35%;background:var(--left)}.gauge .iqr.right{top:68%;background:var(--right)}
.gauge .zero{position:absolute;top:0;bottom:0;width:1px;background:#666}
.finding{border:1px solid var(--line);border-radius:10px;padding:10px 14px;margin:10px 0}
.finding h3{margin:.1rem 0 .4rem}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;font-size:.9rem;margin:.4rem 0}
.finding dt{color:var(--muted)}.finding dd{margin:0;font-variant-numeric:tabular-nums}
.next{background:var(--card);border-radius:6px;padding:6px 10px;font-size:.92rem}
.plot{margin:0 0 1.2rem}
.plot .live{width:100%;min-height:120px}
.js .plot .static{display:none}
.no-js .plot .live{display:none}
dl.defs dt{font-weight:650;margin-top:.6rem}dl.defs dd{margin:0 0 .2rem 0}
ol.sources li{margin:.25rem 0;font-size:.9rem}
footer{margin-top:2.5rem;font-size:.85rem;color:var(--muted)}
@media (max-width:600px){body{font-size:15px}main{padding:8px 10px 40px}.kf .pair,.kf .trio{grid-template-columns:1fr}
.big{font-size:1.2rem}.sheet{grid-template-columns:repeat(auto-fill,minmax(80px,1fr))}
table.core thead{display:none}table.core tr{display:block;border-bottom:1px solid var(--line);padding:.3rem 0}
table.core th,table.core td{display:block;border:0;padding:.15rem .2rem}
table.core td[data-side]::before{content:attr(data-side) ": ";color:var(--muted)}}
@media print{nav,.modebar-container{display:none!important}body{font-size:11pt}main{max-width:none;padding:0}
.js .plot .static{display:block}.js .plot .live{display:none}h2{break-after:avoid}
.card,.kf,.finding,.plot,.sheet figure{break-inside:avoid}a{color:inherit;text-decoration:none}}
"""


def _css() -> str:
    return (
        CSS.replace("%LEFT%", dr.hex_colour(dr.LEFT_COLOUR))
        .replace("%RIGHT%", dr.hex_colour(dr.RIGHT_COLOUR))
        .replace("%HIP%", dr.hex_colour(dr.HIP_LINE))
        .replace("%ANKLE%", dr.hex_colour(dr.ANKLE_LINE))
    )


_BAND_CLASS = {"behind": "behind", "barely ahead": "barely", "ahead": "ahead", None: "none"}


def _band_badge(band: str | None) -> str:
    label = {"behind": "behind", "barely ahead": "barely ahead", "ahead": "ahead"}.get(
        band or "", "not measured"
    )
    return f'<span class="band {_BAND_CLASS.get(band, "none")}">{esc(label)}</span>'


def _num(v: float | None, unit: str) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    if unit == "m":
        return signed(v * 100, 1, "cm")
    if unit == "s":
        return f"{v * 1000:.0f} ms"
    if unit == "deg":
        return f"{v:.1f}°"
    if unit == "% leg":
        return signed(v, 1, "%")
    return f"{v:.2f}"


def _evidence_value(name: str, v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    if name.endswith("_steps") or name == "needed_per_side":
        return f"{v:.0f}"
    if name.endswith("_cm"):
        return signed(v, 1, "cm")
    if name.endswith("_deg"):
        return f"{v:.1f}°"
    if name.endswith("_pct_leg") or name.endswith("_pct"):
        return signed(v, 1, "%")
    return f"{v:g}"


def _evidence_label(name: str) -> str:
    words = name.replace("_pct_leg", " (% of leg)").replace("_pct", " (%)").replace("_cm", " (cm)")
    words = words.replace("_deg", " (°)").replace("_", " ")
    return words[:1].upper() + words[1:]


# ------------------------------------------------------------------------------------------ sections


def _header(page: Page) -> str:
    r = page.result
    src, rn = r.source, r.runner
    name = PurePath(src.path).name or src.path or "input"
    bits: list[str] = [src.kind]
    if src.fps:
        bits.append(f"{src.fps:.0f} frames/s" if src.kind == "video" else f"{src.fps:.0f} samples/s")
    if src.duration_s:
        bits.append(f"{src.duration_s:.1f} s")
    if src.width_px and src.height_px:
        bits.append(f"{src.width_px}×{src.height_px}")
    bits += [f"{rn.view} view", rn.setting, rn.activity]
    if rn.facing and not page.frontal_only:
        bits.append(f"runner faces image-{rn.facing}")
    if rn.slope_pct:
        bits.append(f"slope {rn.slope_pct:+g} %")
    second = ""
    if page.second_view is not None:
        sv = page.second_view
        second = (
            f'<p class="meta">with <strong>{esc(PurePath(sv.source.path).name or sv.source.path)}</strong> · '
            f"{esc(sv.runner.view)} view · {esc(sv.source.kind)}</p>"
        )
    nav = [
        ("verdict", "Verdict"),
        ("quality", "Quality"),
        ("keyframes", "Key frames"),
        ("core-action", "Core action"),
        ("findings", "Findings"),
        ("contact-sheet", "Every step"),
        ("plots", "Plots"),
        ("definitions", "Definitions"),
    ]
    links = "".join(f'<a href="#{a}">{esc(t)}</a>' for a, t in nav)
    title = (
        f"Running form {page.view_words}: the pelvis and core action"
        if page.frontal_only
        else "Running form: hip over the ankle at midstance?"
    )
    return (
        f'<header id="top"><h1>{esc(title)}</h1>'
        f'<p class="meta"><strong>{esc(name)}</strong> · {esc(" · ".join(bits))}</p>{second}'
        f'<nav aria-label="sections">{links}</nav></header>'
    )


def _core_brief(page: Page, rows: int = 3) -> str:
    """One line per headline core-action measure, for the verdict."""
    if page.core is None or not page.core.rows:
        return ""
    items = []
    for row in page.core.rows[:rows]:
        per_side = ", ".join(f"{side} {_core_value(row, v)}" for side, v in row.values.items())
        est = " (estimate)" if row.estimate else ""
        items.append(f"<li>{esc(row.ref.label)}{esc(est)}: {esc(per_side)}</li>")
    return (
        f'<p>Seen {esc(page.view_words)}, typical step (median):</p><ul class="warnings">{"".join(items)}</ul>'
        '<p><a href="#core-action">All core-action measures against their references</a></p>'
    )


def _verdict_frontal(page: Page) -> str:
    r = page.result
    filmed = "in front of" if r.runner.view == "front" else "behind"
    body = (
        '<p class="big">Needs a side view</p>'
        f"<p>This clip was filmed {esc(filmed)} the runner. The hip–ankle offset at midstance — where the hip "
        "sits over the foot, this report's first question — can only be measured from the side. Film the same "
        "run from the side as well, camera level at hip height and square to the running direction, and "
        "analyse both together: <code>midstance analyze side.mp4 --rear this-clip.mp4</code>.</p>"
    )
    front = [w for w in r.warnings if w.code == "front_view"]
    if front:
        body += f'<p class="alert" role="note"><strong>Filmed from the front:</strong> {esc(front[0].message)}</p>'
    cards = [f'<div class="card needs-side"><h3>Hip–ankle offset at midstance</h3>{body}</div>']
    brief = _core_brief(page, rows=4)
    if brief:
        cards.append(f'<div class="card"><h3>Core action</h3>{brief}</div>')
    cad = r.summary.cadence_spm
    extra = f"Cadence {cad:.0f} steps/min. " if cad else ""
    return (
        f'<section id="verdict"><h2>Verdict</h2><div class="cards">{"".join(cards)}</div>'
        f'<p class="caption">{esc(extra)}{esc(NOT_ADVICE)}</p></section>'
    )


def _verdict(page: Page) -> str:
    if page.frontal_only:
        return _verdict_frontal(page)
    cards = []
    for side in SIDES:
        v = page.verdicts[side]
        if v.median_pct is None:
            why = (
                f"No {side} stance was complete in the recording."
                if v.steps == 0
                else f"{v.steps} {side} stance{'s' if v.steps != 1 else ''} found, none with a hip–ankle offset."
            )
            body = f'<p class="big">Not measured</p><p class="muted">{esc(why)}</p>'
        else:
            if v.n == 1:
                spread = "one step only: no spread to show"
            else:
                spread = f"middle half of the steps {signed(v.q1_pct)} to {signed(v.q3_pct)} %"
                if v.q1_m is not None and v.q3_m is not None:
                    spread += f" ({cm(v.q1_m)} to {cm(v.q3_m)})"
            precision = "–"
            if v.sd_pct is not None:
                precision = f"±{v.sd_pct:.1f} % of leg"
                if v.sd_m is not None:
                    precision += f" (±{v.sd_m * 100:.1f} cm)"
            reliable = (
                f"{v.n} steps: enough for a reliable median (≥ {MIN_RELIABLE_STEPS})"
                if v.reliable
                else f"only {v.n} step{'s' if v.n != 1 else ''}: fewer than {MIN_RELIABLE_STEPS}, treat as a first look"
            )
            body = (
                f'<p class="big">{esc(where_words(v.band))}</p>'
                f"<p>{_band_badge(v.band)} typical step: <strong>{esc(offset_phrase(v.median_pct, v.median_m))}</strong></p>"
                f'<ul class="warnings"><li>Spread: {esc(spread)}</li>'
                f"<li>Each step measured to about {esc(precision)} (median standard uncertainty)</li>"
                f"<li>{esc(reliable)}</li></ul>"
            )
        cards.append(f'<div class="card {side}"><h3>{side.capitalize()} foot on the ground</h3>{body}</div>')
    note = (
        "At midstance — the instant the hips are lowest in a stance — a hip behind the ankle is, in the "
        "method this report follows, associated with knee stress (runner's knee); a heel landing far "
        "ahead of the body is its symptom. " + BANDS_NOTE
    )
    cad = page.result.summary.cadence_spm
    extra = f" Cadence {cad:.0f} steps/min." if cad else ""
    brief = _core_brief(page) if page.second_view is not None else ""
    return (
        f'<section id="verdict"><h2>Verdict</h2><div class="cards">{"".join(cards)}</div>'
        f'<p class="caption">{esc(note)}{esc(extra)}</p>{brief}</section>'
    )


def _quality_rows(r: Result, prefix: str = "") -> list[str]:
    rows = []
    for side in SIDES:
        st = r.stances_of(side)
        n = len(st)
        ok = "reliable" if n >= MIN_RELIABLE_STEPS else f"fewer than {MIN_RELIABLE_STEPS}"
        qtxt = quality_text([s.quality for s in st])
        rows.append(
            f'<tr><th>{esc(prefix)}{side if prefix else side.capitalize()} steps</th><td class="num">{n}</td>'
            f"<td>{esc(ok)}; tracking quality {esc(qtxt)}</td></tr>"
        )
    return rows


def _quality(page: Page) -> str:
    r = page.result
    rows = _quality_rows(r)
    src = r.source
    if src.fps:
        per_frame = ""
        if src.kind == "video" and not page.frontal_only:
            per_frame = (
                f"one frame = {1000 / src.fps:.0f} ms; the hip moves about 3 cm per 10 ms over the foot, so "
                "midstance is located between frames"
            )
        elif src.kind == "video":
            per_frame = f"one frame = {1000 / src.fps:.0f} ms; midstance is located between frames"
        rows.append(
            f'<tr><th>Frame rate</th><td class="num">{src.fps:.0f}/s</td><td>{esc(per_frame)}</td></tr>'
        )
    leg = r.runner.leg_length_m
    leg_txt = f"{leg * 100:.0f} cm" if leg else f"{r.runner.leg_length_units:.0f} {r.runner.units}"
    scale = (
        "scaled from your height"
        if r.runner.units == "px" and leg
        else (
            "no height given: distances in % of leg length only"
            if r.runner.units == "px"
            else "motion capture (metres)"
        )
    )
    rows.append(f'<tr><th>Leg length</th><td class="num">{esc(leg_txt)}</td><td>{esc(scale)}</td></tr>')
    sv = page.second_view
    if sv is not None:
        name = PurePath(sv.source.path).name or sv.source.path
        which = "Front" if sv.runner.view == "front" else "Rear"
        rows += _quality_rows(sv, prefix=f"{which} clip, ")
        off, matched = r.analysis.get("rear_offset_s"), r.analysis.get("rear_contacts_aligned")
        how = f"{name}: lined up with the side clip by the rhythm of the steps"
        try:
            shift = float(off) if off is not None else None
        except ValueError:
            shift = None
        if shift is not None:
            how += f" ({which.lower()}-clip time {'+' if shift >= 0 else '−'} {abs(shift):.2f} s = side-clip time"
            how += f"; {matched} contacts coincide)" if matched is not None else ")"
        rows.append(
            f'<tr><th>Second view</th><td class="num">{esc(sv.runner.view)}</td><td>{esc(how)}</td></tr>'
        )
    warn = ""
    if r.warnings:
        items = "".join(f"<li><strong>{esc(w.code)}</strong>: {esc(w.message)}</li>" for w in r.warnings)
        warn = (
            f'<div class="alert" role="note"><strong>Warnings</strong><ul class="warnings">{items}</ul></div>'
        )
    else:
        warn = '<p class="muted">No warnings.</p>'
    note = (
        "Tracking quality per step: the share of its key-point samples the pose model saw, times the model's "
        f"confidence in them (1 = every point seen with full confidence; motion capture is 1). A well-filmed "
        f"clip gives {GOOD_QUALITY:g} or more; below {LOW_QUALITY:g} a step's numbers deserve less trust and "
        "its tile under “Every step” is faded."
    )
    return (
        f'<section id="quality"><h2>Quality of this analysis</h2>{warn}'
        f'<div class="table-wrap"><table>{"".join(rows)}</table></div><p class="caption">{esc(note)}</p></section>'
    )


def _img(p: Picture, cls: str = "") -> str:
    attrs = ""
    if p.hip_x_px is not None:
        attrs += f' data-hip-x="{p.hip_x_px:.2f}"'
    if p.ankle_x_px is not None:
        attrs += f' data-ankle-x="{p.ankle_x_px:.2f}"'
    if p.view is not None:
        attrs += f' data-view="{p.view[0]:.4f},{p.view[1]:.4f},{p.view[2]:.6f}"'
    c = f' class="{cls}"' if cls else ""
    return f'<img{c} src="{p.uri}" width="{p.width}" height="{p.height}" alt="{esc(p.alt)}"{attrs}>'


_SHOT_TAG = {"ms": "midstance", "ic": "initial contact", "rear-ms": "midstance"}


def _keyframes(page: Page) -> str:
    sw = [
        ("var(--left)", "left leg"),
        ("var(--right)", "right leg"),
    ]
    side_lines = [
        ("var(--hip)", "plumb line through the mid-hip"),
        ("var(--ankle)", "plumb line through the stance ankle"),
    ]
    frontal_lines = [
        (dr.hex_colour(dr.PELVIS_LINE), "hip line, stance hip → swing hip (against the dashed horizontal)"),
        (dr.hex_colour(dr.LEG_LINE), "thigh and shank (against the dashed hip–ankle line)"),
    ]
    has_frontal = page.frontal_only or page.second_view is not None
    lines = (frontal_lines if page.frontal_only else side_lines + (frontal_lines if has_frontal else [])) + sw
    legend = (
        '<p class="legend caption">'
        + "".join(f'<span><i class="swatch" style="background:{c}"></i>{esc(t)}</span>' for c, t in lines)
        + "</p>"
    )
    kind = (
        "video frames"
        if page.on_video
        else "stick figures (side view, runner facing right, ground line grey)"
    )
    frontal_kind = "video frames" if page.frontal_on_video else "stick figures"
    if page.frontal_only:
        intro = (
            f"For each side the <strong>typical</strong> step seen {esc(page.view_words)} — the one whose pelvic "
            "drop is the side's median, not the best one — at midstance, drawn as "
            f"{esc(frontal_kind)}: the hip line against the horizontal with the pelvic drop, the trunk against "
            "the vertical, and the stance leg's thigh and shank against the straight hip–ankle line (the knee's "
            "frontal-plane angle)."
        )
    else:
        intro = (
            f"For each side the <strong>typical</strong> step — the one whose offset is the side's median, not the "
            f"best one — at midstance and at initial contact, drawn as {esc(kind)}."
        )
        if has_frontal:
            intro += (
                f" Between them, the typical midstance seen {esc(page.view_words)} (the step whose pelvic drop is the "
                f"side's median, from the second clip, as {esc(frontal_kind)}): the hip line against the "
                "horizontal, the trunk, and the knee's frontal-plane angle."
            )
    cards = []
    for f in page.frames:
        parts = []
        for shot in f.shots:
            tag = _SHOT_TAG.get(shot.cls, "")
            if shot.cls == "rear-ms":
                tag = f"{tag}, {page.view_words}"
            elif has_frontal and not page.frontal_only:
                tag = f"{tag}, from the side"
            inner = (
                _img(shot.picture, shot.cls)
                if shot.picture is not None
                else '<p class="muted">not available</p>'
            )
            parts.append(f'<div class="shot"><span class="tag">{esc(tag)}</span>{inner}</div>')
        layout = "single" if len(parts) == 1 else ("trio" if len(parts) == 3 else "pair")
        captions = " ".join(esc(s.picture.caption) for s in f.shots if s.picture is not None)
        cards.append(
            f'<figure class="kf card {f.side}" id="keyframe-{f.side}"><h3>{esc(f.title)}</h3>'
            f'<div class="{layout}">{"".join(parts)}</div><figcaption>{captions}</figcaption></figure>'
        )
    if not cards:
        cards.append('<p class="muted">No stance to show.</p>')
    wide = " wide" if any(len(f.shots) == 3 for f in page.frames) else ""
    return (
        f'<section id="keyframes"><h2>Key frames</h2><p>{intro}</p>{legend}'
        f'<div class="keyframes{wide}">{"".join(cards)}</div></section>'
    )


# ------------------------------------------------------------------------------------------ core action


def _fmt_core(v: float, row: CoreRow) -> str:
    """A value in the row's unit; signed metrics (not the ranges) with their sign."""
    unit = row.ref.unit
    signed_metric = not row.ref.metric.endswith("_rom_deg")
    if unit == "cm":
        return signed(v, 1, "cm") if signed_metric else f"{v:.1f} cm"
    return (signed(v, 1) if signed_metric else f"{v:.1f}") + "°"


def _core_value(row: CoreRow, v: SideValue) -> str:
    return _fmt_core(v.median, row)


def _gauge(row: CoreRow) -> str:
    lo, hi = row.ref.axis
    vals = [x for v in row.values.values() for x in (v.q1, v.q3)]
    span = hi - lo
    lo, hi = min(lo, min(vals) - 0.05 * span), max(hi, max(vals) + 0.05 * span)

    def pct(x: float) -> float:
        return 100.0 * (min(max(x, lo), hi) - lo) / (hi - lo)

    parts = []
    for seg in row.ref.segments:
        a = lo if seg.lo is None else seg.lo
        b = hi if seg.hi is None else seg.hi
        if b > a:
            parts.append(
                f'<span class="seg {seg.tone}" style="left:{pct(a):.1f}%;width:{pct(b) - pct(a):.1f}%" '
                f'title="{esc(seg.label)}"></span>'
            )
    if lo < 0 < hi:
        parts.append(f'<span class="zero" style="left:{pct(0):.1f}%"></span>')
    for side, v in row.values.items():
        parts.append(
            f'<span class="iqr {side}" style="left:{pct(v.q1):.1f}%;width:{max(0.5, pct(v.q3) - pct(v.q1)):.1f}%">'
            f'</span><span class="mk {side}" style="left:{pct(v.median):.1f}%" '
            f'title="{side} {esc(_fmt_core(v.median, row))}"></span>'
        )
    unit = "°" if row.ref.unit == "°" else f" {row.ref.unit}"
    ends = f'<span class="muted">{esc(_edge(round(lo)))}{unit} … {esc(_edge(round(hi)))}{unit}</span>'
    label = esc(f"{row.ref.label} against its reference")
    return f'<div class="gauge" role="img" aria-label="{label}">{"".join(parts)}</div>{ends}'


def _edge(v: float) -> str:
    return f"{v:g}".replace("-", "−")


def _band_text(row: CoreRow) -> str:
    segs = [s for s in row.ref.segments if s.tone in ("ok", "range")]
    if not segs:
        return "no reference band yet (provisional)"
    out = []
    unit = "°" if row.ref.unit == "°" else f" {row.ref.unit}"
    for seg in segs:
        if seg.lo is not None and seg.hi is not None:
            out.append(f"{seg.label} {_edge(seg.lo)}–{_edge(seg.hi)}{unit}")
        elif seg.lo is not None:
            out.append(f"{seg.label} above {_edge(seg.lo)}{unit}")
        elif seg.hi is not None:
            out.append(f"{seg.label} below {_edge(seg.hi)}{unit}")
    text = "; ".join(out)
    return text + (" (provisional)" if row.ref.provisional else "")


def _core_row(row: CoreRow) -> str:
    cells = []
    for side in SIDES:
        v = row.values.get(side)
        if v is None:
            cells.append(f'<td class="num" data-side="{side}">–</td>')
            continue
        spread = (
            "one step"
            if v.n == 1
            else f"middle half {_fmt_core(v.q1, row)} to {_fmt_core(v.q3, row)}, {v.n} steps"
        )
        cells.append(
            f'<td class="num" data-side="{side}"><strong>{esc(_fmt_core(v.median, row))}</strong> '
            f'<span class="muted">{esc(spread)}</span></td>'
        )
    est = '<span class="est" title="estimated from a single camera">estimate</span>' if row.estimate else ""
    src = "; ".join(SHORT[k] for k in row.ref.sources)
    source = f'<br><span class="muted">Source: {esc(src)}</span>' if src else ""
    return (
        f'<tr id="core-{esc(row.ref.metric)}"><th scope="row">{esc(row.ref.label)}{est}</th>{"".join(cells)}'
        f"<td>{_gauge(row)}<br>{esc(_band_text(row))}{source}</td></tr>"
    )


def _core_action(page: Page) -> str:
    core = page.core
    head = '<section id="core-action"><h2>Core action (pelvis)</h2>'
    intro = (
        "<p>In the method this report follows, the pelvis, waist and upper body twist and side-bend with every "
        "step; a pelvis held still — a locked pelvis, a braced core — goes with the hip staying behind the foot. "
        "These are the measures of that movement, each per side (the typical step, with the middle half of the "
        "steps), against a reference band where one exists.</p>"
    )
    if core is None:
        return head + intro + '<p class="muted">Not measured.</p></section>'
    parts = [intro, f'<p class="caption">Measured from: {esc(core.origin_text)}</p>']
    if any(r.estimate for r in core.rows):
        note = core.estimate_note or "twist from a single camera is a rough estimate from the apparent widths"
        parts.append(
            f'<p class="alert" role="note"><span class="est">estimate</span> Twist from one camera: {esc(note)}</p>'
        )
    if core.finding is not None:
        i, f = core.finding
        parts.append(
            f'<div class="finding"><h3><span class="sev {esc(f.severity)}">{esc(f.severity)}</span>'
            f'<a href="#finding-{i}">{esc(f.title)}</a></h3><p>{esc(f.cue)}</p></div>'
        )
    if core.rows:
        rows = "".join(_core_row(r) for r in core.rows)
        parts.append(
            '<div class="table-wrap"><table class="core"><thead><tr><th>measure</th><th>left foot down</th>'
            f"<th>right foot down</th><th>reference</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
        notes = "".join(f"<li><strong>{esc(r.ref.label)}</strong>: {esc(r.ref.note)}</li>" for r in core.rows)
        parts.append(
            '<p class="caption">Circle: left, square: right; bar: middle half of the steps; green: a published '
            f'range, grey: the range of the reference runners, amber: the provisional "locked" zone.</p>'
            f'<ul class="warnings caption">{notes}</ul>'
        )
    elif core.origin == "side":
        parts.append(
            '<p class="muted">Not measured: these need a view from behind (or 3D motion capture).</p>'
        )
    else:
        parts.append('<p class="muted">None of these could be measured from this input.</p>')
    if core.film_next:
        parts.append(f'<p class="next"><strong>Next time you film:</strong> {esc(core.film_next)}</p>')
    return head + "".join(parts) + "</section>"


def _finding(f: Finding, i: int) -> str:
    ev = "".join(
        f"<dt>{esc(_evidence_label(k))}</dt><dd>{esc(_evidence_value(k, v))}</dd>"
        for k, v in f.evidence.items()
    )
    nxt = (
        f'<p class="next"><strong>Next time you film:</strong> {esc(f.check_next)}</p>'
        if f.check_next
        else ""
    )
    return (
        f'<article class="finding" id="finding-{i}"><h3><span class="sev {esc(f.severity)}">{esc(f.severity)}</span>'
        f"{esc(f.title)}</h3><dl>{ev}</dl><p>{esc(f.cue)}</p>{nxt}</article>"
    )


def _findings(page: Page) -> str:
    fs = page.result.findings
    body = "".join(_finding(f, i + 1) for i, f in enumerate(fs)) or '<p class="muted">No findings.</p>'
    return (
        '<section id="findings"><h2>Findings, most important first</h2>'
        f'<p class="caption">{esc(NOT_ADVICE)}</p>{body}</section>'
    )


def _tile_caption(t: Tile, frontal: bool) -> str:
    s = t.stance
    bits = [f"{'L' if s.side == 'left' else 'R'} #{t.number}", f"{s.midstance_s:.2f} s"]
    if frontal:
        drop = s.get("pelvic_drop_deg")
        bits.append(f"drop {signed(drop, 1)}°" if drop is not None else "drop –")
    else:
        off = s.get(OFFSET)
        m = s.get(OFFSET_M)
        bits.append(signed(off, 1, "%") if off is not None else "offset –")
        if m is not None:
            bits.append(cm(m))
    return " · ".join(bits)


def _sheet(page: Page) -> str:
    figs = []
    qualities = [t.stance.quality for t in page.tiles]
    for t in page.tiles:
        low = low_quality(t.stance.quality, qualities)
        cls = f"{t.stance.side}{' rep' if t.representative else ''}{' lowq' if low else ''}"
        pic = _img(t.picture) if t.picture is not None else '<p class="muted">no picture</p>'
        title = " (typical step shown above)" if t.representative else ""
        flag = f" · <strong>low quality {t.stance.quality:.2f}</strong>" if low else ""
        figs.append(
            f'<figure class="{cls}" id="stance-{t.number}">{pic}'
            f"<figcaption>{esc(_tile_caption(t, page.frontal_only))}{flag}{esc(title)}</figcaption></figure>"
        )
    if page.frontal_only:
        how = (
            f"Same framing for every step, seen {page.view_words}, so the tilt of the magenta hip line and the bend "
            "of the knee can be compared at a glance"
        )
    else:
        how = (
            "Same framing for every step, so the distance between the yellow (hip) and cyan (ankle) lines can be "
            "compared at a glance"
        )
    return (
        '<section id="contact-sheet"><h2>Every step at midstance</h2>'
        '<p class="caption">All stances in time order (L = left, R = right; the number counts stances of both '
        f"feet). {esc(how)}; the outlined tile is the typical step shown above; a faded tile was tracked "
        f"poorly (quality below {LOW_QUALITY:g}).</p>"
        f'<div class="sheet">{"".join(figs)}</div></section>'
    )


def _plots(page: Page) -> str:
    blocks = []
    for p in page.plots:
        notes = ""
        if p.notes:
            notes = '<ul class="warnings">' + "".join(f"<li>{esc(n)}</li>" for n in p.notes) + "</ul>"
        static = f'<img class="static" src="{png_uri(p.png)}" alt="{esc(p.alt)}">' if p.png else ""
        blocks.append(
            f'<figure class="plot" id="{esc(p.id)}"><h3>{esc(p.title)}</h3>'
            f'<div class="live" id="{esc(p.id)}-live" role="img" aria-label="{esc(p.alt)}"></div>{static}'
            f'<script type="application/json" id="{esc(p.id)}-data">{script_json(p.figure)}</script>'
            f"<figcaption>{esc(p.caption)}{notes}</figcaption></figure>"
        )
    missing = ""
    if not page.has_traces:
        missing = (
            '<p class="muted">Re-rendered from a saved result without the time series: the knee-flexion '
            "curves need the original input (run <code>midstance analyze</code> again).</p>"
        )
    return f'<section id="plots"><h2>Plots</h2>{missing}{"".join(blocks)}</section>'


def _metric_rows(result: Result) -> Iterable[str]:
    present = {k for s in result.stances for k in s.metrics}
    for spec in STANCE_METRICS:
        if spec.name not in present:
            continue
        unit = spec.unit or "–"
        yield (
            f"<tr><td><code>{esc(spec.name)}</code></td><td>{esc(spec.label)}</td><td>{esc(unit)}</td>"
            f"<td>{esc(spec.description)}</td></tr>"
        )


def _definitions(page: Page) -> str:
    r = page.result
    if r.runner.units != "px":
        frame_words = "Positions are metres in the body frame: X forward along the running direction, Y up."
    elif page.frontal_only:
        mirror = "left" if r.runner.view == "front" else "right"
        frame_words = (
            "Positions are image pixels of the upright picture (x to the right, y down), seen "
            f"{page.view_words}: the runner’s {mirror} is on the image’s right."
        )
    else:
        frame_words = (
            "Positions are image pixels of the upright picture (x to the right, y down); the running direction "
            "is the side the runner faces."
        )
    if page.frontal_only:
        typical = f"The step whose pelvic drop is the median of its side (seen {page.view_words})."
    elif page.second_view is not None:
        typical = (
            "From the side, the step whose hip–ankle offset is the median of its side; seen "
            f"{page.view_words}, the step whose pelvic drop is."
        )
    else:
        typical = "The step whose hip–ankle offset is the median of its side."
    defs = [
        (
            "Midstance",
            "The instant in a stance when the mid-hip (the point halfway between both hips) is lowest — when hip, "
            "knee and ankle are most bent. It is found from a fit of the hip's height over the whole stance, "
            "between video frames. It is not the middle of the contact time.",
        ),
        (
            "Hip–ankle offset",
            "At midstance, the horizontal distance from the stance-side ankle to the mid-hip along the running "
            "direction. Positive = hip ahead of the ankle; negative = hip behind it. In % of leg length (hip to "
            "ankle, its most extended frames) and, when the scale is known, in centimetres.",
        ),
        (
            "Overstride",
            "At initial contact, the ankle's distance ahead of the mid-hip (positive = foot lands ahead of the hip).",
        ),
        (
            "Initial contact, toe-off",
            "The first instant the foot touches the ground, and the first instant it has left it.",
        ),
        (
            "Pelvic drop",
            "Seen from behind at midstance, the tilt of the line from the stance-side hip to the other (swing-side) "
            "hip against the horizontal. Positive = the swing-side hip is lower. Measured against the horizontal, "
            "not against your standing posture.",
        ),
        (
            "Pelvis side-bend, twist and tilt ranges",
            "Over a stride (this foot's contact to its next), how far the hip line tilts side to side "
            "(side-bend), turns about the vertical (twist) and — from 3D only — tips forward and back (tilt). "
            "From one camera the twist is only estimated from how wide the hips look.",
        ),
        (
            "Knee frontal-plane angle",
            "Seen from behind at midstance, the angle between thigh and shank of the stance leg. Positive = the "
            "knee is inside the straight hip–ankle line (valgus), negative = outside it (varus).",
        ),
        ("Left / right", "Always the runner's own left and right leg."),
        ("Typical step", typical),
        (
            "Uncertainty",
            "Each step's offset comes with a standard uncertainty from the timing of midstance and the noise "
            "of the points; the spread across steps (the middle half) shows how consistent the steps are.",
        ),
        ("Frames", frame_words),
        (
            "Not medical advice",
            NOT_ADVICE
            + " The bands are provisional and describe healthy runners on a treadmill; the method links a hip "
            "behind the ankle to knee stress as an association, not a cause.",
        ),
    ]
    if page.frontal_only:
        # no side-view numbers in this report: their definitions would only confuse
        defs = [d for d in defs if d[0] not in ("Overstride", "Uncertainty")]
    dl = "".join(f"<dt>{esc(a)}</dt><dd>{esc(b)}</dd>" for a, b in defs)
    rows = "".join(_metric_rows(r))
    used = sorted({k for k in SOURCES})
    sources = "".join(f"<li>{esc(SOURCES[k])}</li>" for k in used)
    return (
        f'<section id="definitions"><h2>Definitions</h2><dl class="defs">{dl}</dl>'
        '<h3>How each metric is measured</h3><div class="table-wrap"><table><thead><tr><th>name</th><th>metric</th>'
        f"<th>unit</th><th>how it is measured, sign</th></tr></thead><tbody>{rows}</tbody></table></div>"
        f'<h3>Sources of the reference bands</h3><ol class="sources">{sources}</ol></section>'
    )


_INIT_JS = """
(function(){var d=document.documentElement;if(!window.Plotly){return;}
d.className=d.className.replace('no-js','js');
var cfg={displayModeBar:false,responsive:true};
var nodes=document.querySelectorAll('script[type="application/json"][id$="-data"]');
for(var i=0;i<nodes.length;i++){var n=nodes[i];var id=n.id.slice(0,-5)+'-live';var fig=JSON.parse(n.textContent);
Plotly.newPlot(id,fig.data,fig.layout,cfg);}
})();
"""

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def render_page(page: Page) -> str:
    r = page.result
    title = f"midstance report · {PurePath(r.source.path).name or 'input'}"
    body = "".join(
        [
            _header(page),
            _verdict(page),
            _quality(page),
            _keyframes(page),
            _core_action(page),
            _findings(page),
            _sheet(page),
            _plots(page),
            _definitions(page),
        ]
    )
    footer = (
        f"<footer>Made by midstance {esc(__version__)}. One self-contained file: it loads nothing from the "
        f"network. {esc(NOT_ADVICE)}</footer>"
    )
    # plotly.js comes from the installed package, inline; "</script" never occurs in it (checked on build)
    return (
        '<!DOCTYPE html>\n<html lang="en" class="no-js"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title><style>{_css()}</style></head>"
        f"<body><main>{body}{footer}</main>"
        f"<script>{page.plotly_js}</script><script>{_INIT_JS}</script></body></html>\n"
    )
