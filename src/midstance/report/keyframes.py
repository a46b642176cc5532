"""Key frames: the representative midstance and initial contact of each side, and a contact sheet of
every stance's midstance, with the skeleton, the plumb lines through mid-hip and stance ankle and
the offset between them. On video frames when there is a video, else as stick figures on a canvas
(side view, ground line) in the data's own frame."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw

from midstance.core.analysis import Traces
from midstance.core.findings import offset_band
from midstance.core.result import Result, Stance
from midstance.report import drawing as dr
from midstance.report.frames import Crop, CropRequest, clamp_box
from midstance.report.verdict import OFFSET, OFFSET_M

When = Literal["midstance", "ic"]

KEY_HEIGHT = 640
TILE_HEIGHT = 210
#: a key frame cut from a small picture (a distant runner, a small video) is enlarged up to this much
KEY_UPSCALE = 2.0

#: framing around the mid-hip, in leg lengths: (width, above the hip, below the hip). Every tile of
#: the contact sheet uses the same framing so steps can be compared at a glance.
KEY_FRAMING = (1.9, 1.35, 1.15)
TILE_FRAMING = (1.4, 1.3, 1.1)
#: above the hip without shoulder points (motion capture of legs and pelvis only) there is nothing to
#: show: a narrow rear-view picture then stops just above the pelvis instead of being half empty. (Side
#: pictures keep their framing: they are limited by width, so trimming the top would only shrink them.)
NO_TRUNK_ABOVE = 0.4

Framing = tuple[float, float, float]


def fit_framing(stance: Stance, when: When, framing: Framing) -> Framing:
    """``framing`` cut down above the hip when the stance has no shoulder points."""
    if "mid_shoulder" in stance.points.get(when, {}):
        return framing
    w, up, down = framing
    return (w, min(up, NO_TRUNK_ABOVE), down)


def fit_height(stance: Stance, when: When, framing: Framing, height: int) -> int:
    """Output height for ``framing`` after :func:`fit_framing`: the same pixels per leg length."""
    _, up, down = framing
    _, up2, down2 = fit_framing(stance, when, framing)
    return max(1, round(height * (up2 + down2) / (up + down)))


@dataclass(frozen=True)
class KeyFrame:
    image: Image.Image
    view: dr.View
    #: output columns of the plumb lines (None when the stance has no such point)
    hip_x_px: float | None
    ankle_x_px: float | None
    #: the video frame shown, and how far its time is from the event (video only)
    frame_index: int | None
    frame_offset_ms: float | None
    on_video: bool


def body_frame(result: Result) -> bool:
    """True when positions are body-frame metres (Y up), false for image pixels (y down)."""
    return result.runner.units != "px"


def leg_units(result: Result) -> float:
    leg = result.runner.leg_length_units
    if leg is not None and math.isfinite(leg) and leg > 0:
        return float(leg)
    dists = [
        math.dist(p["hip"], p["ankle"])
        for s in result.stances
        if (p := s.points.get("midstance")) and "hip" in p and "ankle" in p
    ]
    return float(np.percentile(dists, 95)) if dists else 1.0


def event_time(stance: Stance, when: When) -> float:
    return stance.midstance_s if when == "midstance" else stance.ic_s


def _traced_pose(traces: Traces, t_s: float) -> dict[str, dr.Point]:
    t = traces.time_s
    out: dict[str, dr.Point] = {}
    if t.size == 0 or not t[0] <= t_s <= t[-1]:
        return out
    for name, arr in traces.points.items():
        x = float(np.interp(t_s, t, arr[:, 0]))
        y = float(np.interp(t_s, t, arr[:, 1]))
        if math.isfinite(x) and math.isfinite(y):
            out[name] = (x, y)
    return out


def pose_at(
    result: Result, traces: Traces | None, stance: Stance, when: When, t_s: float | None = None
) -> dict[str, dr.Point]:
    """Points to draw: the whole traced body at ``t_s`` (default: the event) when traces are given,
    else the stance's own key-instant points (stance leg and trunk only)."""
    pts = stance.points.get(when, {})
    if traces is not None:
        traced = _traced_pose(traces, event_time(stance, when) if t_s is None else t_s)
        if traced:
            return dr.with_midpoints(traced)
    return dr.pose_from_stance_points(pts, stance.side)


def framing_box(result: Result, stance: Stance, when: When, framing: Framing) -> dr.View | None:
    """The data region around the runner: as a view's origin (top-left), with width/height in the
    returned view's scale of 1 (data units)."""
    pts = stance.points.get(when, {})
    hip = pts.get("mid_hip") or pts.get("hip")
    if hip is None:
        return None
    leg = leg_units(result)
    w, up, _ = framing
    if body_frame(result):
        return dr.View(hip[0] - w * leg / 2, hip[1] + up * leg, 1.0, y_up=True)
    return dr.View(hip[0] - w * leg / 2, hip[1] - up * leg, 1.0, y_up=False)


def crop_box(
    result: Result, stance: Stance, when: When, framing: tuple[float, float, float]
) -> tuple[float, float, float, float] | None:
    """Source-pixel crop box for a video frame (image-frame results only)."""
    v = framing_box(result, stance, when, framing)
    if v is None:
        return None
    leg = leg_units(result)
    w, up, down = framing
    box = (v.x0, v.y0, v.x0 + w * leg, v.y0 + (up + down) * leg)
    src = result.source
    if src.width_px and src.height_px:
        return clamp_box(box, src.width_px, src.height_px)
    return box


def crop_requests(result: Result, keys: Mapping[str, tuple[Stance, When, bool]]) -> list[CropRequest]:
    """One request per key: (stance, instant, is_tile)."""
    out = []
    for key, (stance, when, tile) in keys.items():
        box = crop_box(result, stance, when, TILE_FRAMING if tile else KEY_FRAMING)
        if box is not None:
            out.append(
                CropRequest(
                    key,
                    event_time(stance, when),
                    box,
                    TILE_HEIGHT if tile else KEY_HEIGHT,
                    upscale=1.0 if tile else KEY_UPSCALE,
                )
            )
    return out


def _canvas(
    result: Result, stance: Stance, when: When, framing: tuple[float, float, float], height: int
) -> tuple[Image.Image, dr.View] | None:
    v = framing_box(result, stance, when, framing)
    if v is None:
        return None
    leg = leg_units(result)
    w, up, down = framing
    scale = height / ((up + down) * leg)
    view = dr.View(v.x0, v.y0, scale, y_up=v.y_up)
    return dr.blank(round(w * leg * scale), height), view


def _ground_y(view: dr.View, pose: Mapping[str, dr.Point], side: str) -> float | None:
    feet = [pose[k] for k in (f"{side}_heel", f"{side}_toe", f"{side}_ankle") if k in pose]
    if not feet:
        return None
    ys = [view.px(p)[1] for p in feet]
    return max(ys)


def offset_label(stance: Stance, when: When) -> tuple[str, str | None]:
    """Drawn label (ASCII minus: the bundled font has no U+2212) and its band."""
    if when == "midstance":
        pct, m = stance.get(OFFSET), stance.get(OFFSET_M)
        if pct is None:
            return "offset not measured", None
        way = "ahead of" if pct >= 0 else "behind"
        dist = f"{abs(m) * 100:.1f} cm " if m is not None else ""
        return f"hip {dist}{way} ankle ({pct:+.1f} % leg)", offset_band(pct)
    pct, m = stance.get("overstride_pct_leg"), stance.get("overstride_m")
    if pct is None:
        return "overstride not measured", None
    way = "ahead of" if pct >= 0 else "behind"
    dist = f"{abs(m) * 100:.1f} cm " if m is not None else ""
    return f"foot lands {dist}{way} hip ({pct:+.1f} % leg)", None


def render_keyframe(
    result: Result,
    stance: Stance,
    when: When,
    *,
    traces: Traces | None = None,
    crop: Crop | None = None,
    tile: bool = False,
    height: int | None = None,
) -> KeyFrame | None:
    """Draw one stance at one key instant. With ``crop`` (a video frame) the drawing goes on the
    picture; without, on a blank canvas as a stick figure."""
    framing = TILE_FRAMING if tile else KEY_FRAMING
    out_h = height or (TILE_HEIGHT if tile else KEY_HEIGHT)
    if crop is not None:
        image = crop.image.copy()
        view = dr.View(crop.box[0], crop.box[1], crop.scale, y_up=False)
        pose = pose_at(result, traces, stance, when, crop.frame_t_s)
        offset_ms: float | None = 1000.0 * (crop.frame_t_s - event_time(stance, when))
        frame_index: int | None = crop.frame_index
    else:
        made = _canvas(result, stance, when, framing, out_h)
        if made is None:
            return None
        image, view = made
        pose = pose_at(result, traces, stance, when)
        offset_ms = None
        frame_index = None
    draw = ImageDraw.Draw(image)
    w_img, h_img = image.size
    lw = max(2, round(h_img / 170))
    size = max(10, round(h_img / (16 if tile else 30)))
    if crop is None:
        gy = _ground_y(view, pose, stance.side)
        if gy is not None:
            dr.ground_line(draw, gy + lw, w_img)
    dr.draw_skeleton(draw, view, pose, stance.side, lw)

    pts = stance.points.get(when, {})
    hip, ankle = pts.get("mid_hip"), pts.get("ankle")
    hip_x = view.x(hip[0]) if hip else None
    ankle_x = view.x(ankle[0]) if ankle else None
    if when == "ic" and not tile and "heel" in pts and "toe" in pts:
        fa = stance.get("foot_angle_ic_deg")
        strike = f" {stance.foot_strike}" if stance.foot_strike else ""
        text = f"foot {round(fa):+d} deg{strike}" if fa is not None else "foot angle n/a"
        dr.foot_angle(draw, view, pts["heel"], pts["toe"], text, size, max(1, lw - 1))
    line_w = max(2, lw - (1 if tile else 0))
    if ankle_x is not None:
        dr.plumb_line(draw, ankle_x, 0, h_img - 1, dr.ANKLE_LINE, line_w)
    if hip_x is not None:
        dr.plumb_line(draw, hip_x, 0, h_img - 1, dr.HIP_LINE, line_w)
    label, band = offset_label(stance, when)
    if hip is not None and ankle is not None and hip_x is not None and ankle_x is not None:
        y = (view.px(hip)[1] + view.px(ankle)[1]) / 2
        dr.arrow(draw, (ankle_x, y), (hip_x, y), dr.BAND_COLOUR[band], max(2, lw))
    side_letter = "L" if stance.side == "left" else "R"
    if tile:
        dr.text_box(draw, (4, 4), side_letter, size, bg=dr.SIDE_COLOUR[stance.side])
    else:
        title = f"{stance.side.upper()} - {'midstance' if when == 'midstance' else 'initial contact'}"
        dr.text_box(draw, (6, 6), title, size, bg=dr.SIDE_COLOUR[stance.side])
        dr.text_box(
            draw, (6, 6 + size * 1.9), label, size, bg=dr.BAND_COLOUR[band], anchor="la", clamp_width=w_img
        )
    return KeyFrame(image, view, hip_x, ankle_x, frame_index, offset_ms, crop is not None)
