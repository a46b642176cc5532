"""The plumb lines are drawn where the result says the hip and the ankle are (within 2 px), on video
frames (whole or cropped and scaled) and on stick figures; and the report shows the typical step."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from midstance.core.result import Result
from midstance.report import drawing as dr
from midstance.report import write_report
from midstance.report.frames import Crop
from midstance.report.keyframes import render_keyframe
from midstance.report.verdict import representative_stance

TOL_PX = 2.0


def _noise_frame(w: int, h: int, seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def _stance(
    points: dict[str, Any], ic_points: dict[str, Any] | None = None, **metrics: Any
) -> dict[str, Any]:
    return {
        "side": "left",
        "ic_s": 0.50,
        "to_s": 0.76,
        "midstance_s": 0.62,
        "points": {"midstance": points, "ic": ic_points or points},
        "hip_ankle_offset_pct_leg": 7.0,
        "foot_angle_ic_deg": 12.0,
        **metrics,
    }


def test_lines_on_a_whole_frame_sit_at_the_result_positions(
    result_factory: Callable[..., Result],
    points_factory: Callable[..., dict],
    find_line: Callable[..., float],
) -> None:
    hip_x, ankle_x = 301.3, 262.8  # sub-pixel positions, as the analysis gives them
    result = result_factory([_stance(points_factory(hip_x, ankle_x))])
    frame = _noise_frame(640, 480)
    crop = Crop(frame, frame_index=19, frame_t_s=0.633, box=(0, 0, 640, 480), scale=1.0)
    kf = render_keyframe(result, result.stances[0], "midstance", crop=crop)
    assert kf is not None
    found_hip = find_line(kf.image, dr.HIP_LINE)
    found_ankle = find_line(kf.image, dr.ANKLE_LINE)
    print(
        f"hip line at {found_hip:.1f} px (result {hip_x}), ankle line at {found_ankle:.1f} px (result {ankle_x})"
    )
    assert abs(found_hip - hip_x) <= TOL_PX
    assert abs(found_ankle - ankle_x) <= TOL_PX
    assert kf.frame_index == 19 and kf.frame_offset_ms == pytest.approx(13.0)


def test_lines_on_a_cropped_and_shrunk_frame_follow_the_crop(
    result_factory: Callable[..., Result],
    points_factory: Callable[..., dict],
    find_line: Callable[..., float],
) -> None:
    hip_x, ankle_x = 352.6, 398.1  # hip behind the ankle this time
    result = result_factory([_stance(points_factory(hip_x, ankle_x), hip_ankle_offset_pct_leg=-3.0)])
    box = (120.0, 40.0, 520.0, 440.0)
    scale = 0.55
    piece = _noise_frame(640, 480).crop((120, 40, 520, 440)).resize((220, 220))
    kf = render_keyframe(result, result.stances[0], "midstance", crop=Crop(piece, 3, 0.6, box, scale))
    assert kf is not None
    for colour, x in ((dr.HIP_LINE, hip_x), (dr.ANKLE_LINE, ankle_x)):
        expected = (x - box[0]) * scale
        found = find_line(kf.image, colour)
        print(f"line {colour} at {found:.1f} px, expected {expected:.1f} px")
        assert abs(found - expected) <= TOL_PX


def test_lines_at_initial_contact_and_the_foot_angle(
    result_factory: Callable[..., Result],
    points_factory: Callable[..., dict],
    find_line: Callable[..., float],
) -> None:
    ic = points_factory(250.0, 330.0)  # foot lands 80 px ahead of the hip
    result = result_factory([_stance(points_factory(300.0, 280.0), ic, overstride_pct_leg=40.0)])
    frame = _noise_frame(640, 480)
    kf = render_keyframe(result, result.stances[0], "ic", crop=Crop(frame, 15, 0.5, (0, 0, 640, 480), 1.0))
    assert kf is not None
    assert abs(find_line(kf.image, dr.HIP_LINE) - 250.0) <= TOL_PX
    assert abs(find_line(kf.image, dr.ANKLE_LINE) - 330.0) <= TOL_PX
    # the heel→toe line is drawn in white between heel and toe
    a = np.asarray(kf.image)
    hx, hy = ic["heel"]
    tx, ty = ic["toe"]
    mid = (round((hx + tx) / 2), round((hy + ty) / 2))
    assert (a[mid[1] - 1 : mid[1] + 2, mid[0] - 1 : mid[0] + 2] == 255).all(axis=-1).any()


def test_stick_figure_lines_are_the_offset_apart(
    result_factory: Callable[..., Result], find_line: Callable[..., float]
) -> None:
    """Motion capture (metres, Y up): the two lines are offset × scale apart, hip ahead (to the right)."""
    leg = 0.9
    pts = {
        "mid_hip": (2.25, 0.93),
        "hip": (2.25, 0.93),
        "knee": (2.34, 0.48),
        "ankle": (2.15, 0.10),
        "heel": (2.07, 0.04),
        "toe": (2.27, 0.05),
    }
    result = result_factory(
        [_stance(pts, hip_ankle_offset_m=0.10, hip_ankle_offset_pct_leg=11.1)], units="m", leg=leg
    )
    kf = render_keyframe(result, result.stances[0], "midstance", height=600)
    assert kf is not None and not kf.on_video
    hip_px, ankle_px = find_line(kf.image, dr.HIP_LINE), find_line(kf.image, dr.ANKLE_LINE)
    px_per_m = kf.view.scale
    measured = (hip_px - ankle_px) / px_per_m
    print(f"lines {hip_px - ankle_px:.1f} px apart = {measured * 100:.1f} cm (offset 10.0 cm)")
    assert measured == pytest.approx(0.10, abs=TOL_PX / px_per_m)
    assert abs(hip_px - kf.view.x(2.25)) <= TOL_PX
    # the ground line lies below the foot
    a = np.asarray(kf.image).astype(int)
    grey_rows = np.nonzero((np.abs(a - np.array(dr.GROUND)) <= 2).all(axis=-1).mean(axis=1) > 0.5)[0]
    assert grey_rows.size and grey_rows.min() > kf.view.px(pts["ankle"])[1]


def _key_images(html_text: str) -> list[tuple[str, Image.Image, tuple[float, float, float]]]:
    found = []
    for m in re.finditer(
        r'<img class="(ms|ic)" src="data:image/[a-z]+;base64,([^"]+)"[^>]*data-view="([^"]+)"', html_text
    ):
        view = tuple(float(v) for v in m.group(3).split(","))
        found.append((m.group(1), Image.open(io.BytesIO(base64.b64decode(m.group(2)))), view))
    return found


def test_report_key_frames_on_the_video_match_the_result(
    synthetic_case: Any, tmp_path: Path, find_line: Callable[..., float]
) -> None:
    """End to end: a video of a synthetic runner, the analysis of its keypoints, the written report."""
    result = synthetic_case.result
    index = write_report(
        result, tmp_path / "report", traces=synthetic_case.traces, video=synthetic_case.video
    )
    text = index.read_text(encoding="utf-8")
    images = _key_images(text)
    assert len(images) == 4, "midstance and initial contact for each side"
    sides = [m.group(1) for m in re.finditer(r'id="keyframe-(left|right)"', text)]
    reps = [representative_stance(result, side) for side in sides]
    for (kind, image, (x0, _y0, scale)), stance in zip(
        images, [r for r in reps for _ in (0, 1)], strict=True
    ):
        assert stance is not None
        pts = stance.points["midstance" if kind == "ms" else "ic"]
        for colour, name in ((dr.HIP_LINE, "mid_hip"), (dr.ANKLE_LINE, "ankle")):
            # JPEG blurs colours a little: look for near-colour columns
            found = find_line(image, colour, tol=60, min_share=0.35)
            expected = (pts[name][0] - x0) * scale
            assert abs(found - expected) <= TOL_PX, (kind, name, found, expected)
    # the typical step is the one with the side's median offset, not the best one
    for side, rep in zip(sides, reps, strict=True):
        offsets = sorted(s.get("hip_ankle_offset_pct_leg") for s in result.stances_of(side))
        assert rep is not None
        assert rep.get("hip_ankle_offset_pct_leg") == pytest.approx(
            np.median(offsets), abs=np.ptp(offsets) / 2 + 1e-9
        )
        assert abs(rep.get("hip_ankle_offset_pct_leg") - np.median(offsets)) == min(
            abs(o - np.median(offsets)) for o in offsets
        )
