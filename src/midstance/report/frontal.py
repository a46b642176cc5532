"""Key frames seen from behind (or in front): the hip line from the stance hip to the swing hip
against a horizontal, with the pelvic drop labelled; the trunk against a vertical; the thigh and
shank of the stance leg against the straight hip–ankle line (the knee's frontal-plane angle).

On the rear clip's own frames when there is one, else as stick figures in the image frame of that
view. The lines are drawn from the stance's key points, the very points the angles were computed
from, so the picture and the numbers agree; the skeleton behind them comes from the traces."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from PIL import ImageDraw

from midstance.core.analysis import Traces
from midstance.core.result import Result, Stance
from midstance.report import drawing as dr
from midstance.report.frames import Crop, CropRequest
from midstance.report.keyframes import (
    KEY_HEIGHT,
    KEY_UPSCALE,
    TILE_HEIGHT,
    KeyFrame,
    crop_box,
    fit_framing,
    fit_height,
    framing_box,
    leg_units,
    pose_at,
)

#: framing around the mid-hip in leg lengths (width, above, below): a runner seen from behind is
#: narrow, so the frame is too
FRONTAL_KEY_FRAMING = (1.25, 1.3, 1.2)
FRONTAL_TILE_FRAMING = (1.0, 1.25, 1.15)

DROP = "pelvic_drop_deg"


def is_frontal(result: Result) -> bool:
    """A rear or front view analysed from image keypoints (the only results with frontal pictures)."""
    return result.runner.view in ("rear", "front") and result.runner.units == "px"


def view_words(result: Result) -> str:
    return "from the front" if result.runner.view == "front" else "from behind"


def representative_by_drop(result: Result, side: str) -> Stance | None:
    """The stance whose pelvic drop is closest to the side's median (ties: better tracked, earlier);
    without any pelvic drop, the middle stance of the side."""
    stances = [s for s in result.stances_of(side) if "hip" in s.points.get("midstance", {})]
    if not stances:
        return None
    measured = [s for s in stances if s.get(DROP) is not None]
    if not measured:
        return stances[len(stances) // 2]
    med = float(np.percentile([float(s.get(DROP) or 0.0) for s in measured], 50))
    return min(measured, key=lambda s: (abs(float(s.get(DROP) or 0.0) - med), -s.quality, s.midstance_s))


def frontal_crop_requests(result: Result, keys: Mapping[str, tuple[Stance, bool]]) -> list[CropRequest]:
    """One request per key: (stance, is_tile), each at the stance's midstance."""
    out = []
    for key, (stance, tile) in keys.items():
        framing = FRONTAL_TILE_FRAMING if tile else FRONTAL_KEY_FRAMING
        box = crop_box(result, stance, "midstance", fit_framing(stance, "midstance", framing))
        if box is not None:
            max_h = fit_height(stance, "midstance", framing, TILE_HEIGHT if tile else KEY_HEIGHT)
            out.append(CropRequest(key, stance.midstance_s, box, max_h, upscale=1.0 if tile else KEY_UPSCALE))
    return out


def swing_hip(stance: Stance) -> tuple[float, float] | None:
    """The other hip at midstance: the mid-hip is halfway between the two hips."""
    pts = stance.points.get("midstance", {})
    hip, mid = pts.get("hip"), pts.get("mid_hip")
    if hip is None or mid is None:
        return None
    return (2 * mid[0] - hip[0], 2 * mid[1] - hip[1])


def _pose(result: Result, traces: Traces | None, stance: Stance, t_s: float | None) -> dict[str, dr.Point]:
    pose = pose_at(result, traces, stance, "midstance", t_s)
    other = "right" if stance.side == "left" else "left"
    sw = swing_hip(stance)
    if f"{other}_hip" not in pose and sw is not None:
        pose[f"{other}_hip"] = sw
    return pose


def _deg(v: float | None) -> str:
    return "n/a" if v is None else f"{v:+.1f} deg"


def drop_label(stance: Stance) -> str:
    """Drawn label (ASCII: the bundled font has no degree sign or U+2212)."""
    v = stance.get(DROP)
    return "pelvic drop n/a" if v is None else f"pelvic drop {_deg(v)}"


def render_frontal(
    result: Result,
    stance: Stance,
    *,
    traces: Traces | None = None,
    crop: Crop | None = None,
    tile: bool = False,
    height: int | None = None,
) -> KeyFrame | None:
    """One stance at midstance, seen from behind or in front. ``None`` when the stance has no hip
    points to draw from."""
    pts = stance.points.get("midstance", {})
    hip, mid, sw = pts.get("hip"), pts.get("mid_hip"), swing_hip(stance)
    if hip is None or mid is None or sw is None:
        return None
    framing = FRONTAL_TILE_FRAMING if tile else FRONTAL_KEY_FRAMING
    out_h = height or (TILE_HEIGHT if tile else KEY_HEIGHT)
    if crop is not None:
        image = crop.image.copy()
        view = dr.View(crop.box[0], crop.box[1], crop.scale, y_up=False)
        pose = _pose(result, traces, stance, crop.frame_t_s)
        offset_ms: float | None = 1000.0 * (crop.frame_t_s - stance.midstance_s)
        frame_index: int | None = crop.frame_index
    else:
        v = framing_box(result, stance, "midstance", fit_framing(stance, "midstance", framing))
        if v is None:
            return None
        leg = leg_units(result)
        w, up, down = fit_framing(stance, "midstance", framing)
        h_fit = fit_height(stance, "midstance", framing, out_h)
        scale = h_fit / ((up + down) * leg)
        view = dr.View(v.x0, v.y0, scale, y_up=False)
        image = dr.blank(round(w * leg * scale), h_fit)
        pose = _pose(result, traces, stance, None)
        offset_ms = None
        frame_index = None
    draw = ImageDraw.Draw(image)
    w_img, h_img = image.size
    ref_h = h_img * out_h / fit_height(stance, "midstance", framing, out_h)
    lw = max(2, round(ref_h / 170))
    # the picture is narrow: smaller type than the side view's
    size = max(10, round(ref_h / (16 if tile else 38)))
    if crop is None:
        feet = [view.px(p)[1] for k, p in pose.items() if k.endswith(("_heel", "_toe", "_ankle"))]
        if feet:
            dr.ground_line(draw, max(feet) + lw, w_img)
    dr.draw_skeleton(draw, view, pose, stance.side, lw)

    thin = max(1, lw - 1)
    # knee: the straight hip–ankle line (dashed) and the thigh and shank drawn over the skeleton
    knee, ankle = pts.get("knee"), pts.get("ankle")
    if knee is not None and ankle is not None:
        h_px, k_px, a_px = view.px(hip), view.px(knee), view.px(ankle)
        dr.dashed(draw, h_px, a_px, dr.LEG_LINE, thin, dash=max(4.0, ref_h / 80))
        dr.line(draw, h_px, k_px, dr.LEG_LINE, lw)
        dr.line(draw, k_px, a_px, dr.LEG_LINE, lw)
        fppa = stance.get("knee_fppa_deg")
        if fppa is not None and not tile:
            kind = "valgus" if fppa > 0 else "varus"
            # on the outer side of the knee (away from the body's midline)
            outward = 1.0 if k_px[0] >= view.px(mid)[0] else -1.0
            dr.text_box(
                draw,
                (k_px[0] + outward * size * 1.2, k_px[1]),
                f"knee {_deg(fppa)} {kind}",
                max(9, size - 2),
                bg=(60, 100, 0),
                anchor="lm" if outward > 0 else "rm",
                clamp_width=w_img,
            )
    # trunk against the vertical
    shoulder = pts.get("mid_shoulder")
    m_px = view.px(mid)
    if shoulder is not None:
        s_px = view.px(shoulder)
        dr.dashed(draw, m_px, (m_px[0], s_px[1]), dr.REFERENCE_LINE, thin, dash=max(4.0, ref_h / 80))
        dr.line(draw, m_px, s_px, dr.TRUNK_COLOUR, lw)
        bend = stance.get("trunk_side_bend_deg")
        if bend is not None and not tile:
            dr.text_box(
                draw,
                (s_px[0], s_px[1] - size * 0.8),
                f"trunk {_deg(bend)}",
                max(9, size - 2),
                anchor="md",
                clamp_width=w_img,
            )
    # pelvis: the hip line against a horizontal through the stance hip
    hs, hw = view.px(hip), view.px(sw)
    dx, dy = hw[0] - hs[0], hw[1] - hs[1]
    # drawn well beyond both hips (the hips are close together from behind) so the angle reads
    ext = 0.0 if tile else 0.9
    toward = 1.0 if dx >= 0 else -1.0
    span = max(abs(dx), 4.0)
    ref_end = (hw[0] + toward * ext * span * 1.15, hs[1])
    dr.dashed(
        draw,
        (hs[0] - toward * ext * span, hs[1]),
        ref_end,
        dr.REFERENCE_LINE,
        thin,
        dash=max(4.0, ref_h / 90),
    )
    dr.line(
        draw, (hs[0] - ext * dx, hs[1] - ext * dy), (hw[0] + ext * dx, hw[1] + ext * dy), dr.PELVIS_LINE, lw
    )
    r = max(2.0, lw * 1.1)
    for p in (hs, hw):
        draw.ellipse([p[0] - r - 1, p[1] - r - 1, p[0] + r + 1, p[1] + r + 1], fill=dr.OUTLINE)
        draw.ellipse([p[0] - r, p[1] - r, p[0] + r, p[1] + r], fill=dr.PELVIS_LINE)

    side_letter = "L" if stance.side == "left" else "R"
    if tile:
        dr.text_box(draw, (4, 4), side_letter, size, bg=dr.SIDE_COLOUR[stance.side])
    else:
        title = f"{stance.side.upper()} foot down - {view_words(result)}"
        dr.text_box(draw, (6, 6), title, size, bg=dr.SIDE_COLOUR[stance.side], clamp_width=w_img)
        dr.text_box(draw, (6, 6 + size * 1.9), drop_label(stance), size, bg=(150, 0, 100), clamp_width=w_img)
    return KeyFrame(image, view, None, None, frame_index, offset_ms, crop is not None)


def pelvis_line_angle_deg(stance: Stance) -> float | None:
    """The hip line's angle as drawn (image frame, y down), swing side lower = positive: the number
    the picture shows, for checking against ``pelvic_drop_deg``."""
    pts = stance.points.get("midstance", {})
    hip, sw = pts.get("hip"), swing_hip(stance)
    if hip is None or sw is None:
        return None
    dx, dy = sw[0] - hip[0], sw[1] - hip[1]
    return math.degrees(math.atan2(dy, abs(dx))) if dx else None
