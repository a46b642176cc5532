"""The report for rear and front views and for two views of one run (side + rear), and the core-action
section: for a clip filmed from behind, for a side clip merged with a rear clip, and for 3D motion
capture. The hip line drawn from behind sits where the result's hips are and tilts by the pelvic drop."""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from midstance.core.result import Result, Warning_
from midstance.errors import InputError
from midstance.report import drawing as dr
from midstance.report import render_report_from_json, write_report
from midstance.report.core_action import core_action
from midstance.report.frames import grab_crops, open_video, time_scale
from midstance.report.frontal import frontal_crop_requests, render_frontal, representative_by_drop

SECTIONS = (
    "verdict",
    "quality",
    "keyframes",
    "core-action",
    "findings",
    "contact-sheet",
    "plots",
    "definitions",
)


class _Page(HTMLParser):
    """Ids, the images of each key-frame figure, classes, and the text of each section."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.figure_imgs: dict[str, list[tuple[str, str]]] = {}
        self.tile_classes: list[str] = []
        self.section_text: dict[str, list[str]] = {}
        self._figure: str | None = None
        self._section: str | None = None
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "section":
            self._section = a.get("id")
        if tag == "figure" and a.get("id", "").startswith("keyframe-"):
            self._figure = a["id"]
            self.figure_imgs[self._figure] = []
        if tag == "figure" and a.get("id", "").startswith("stance-"):
            self.tile_classes.append(a.get("class", ""))
        if tag == "img" and self._figure:
            self.figure_imgs[self._figure].append((a.get("class", ""), a.get("src", "")))
        self._skip = tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = None
        self._skip = False

    def handle_data(self, data: str) -> None:
        if self._section and not self._skip:
            self.section_text.setdefault(self._section, []).append(data)

    def words(self, section: str) -> str:
        return " ".join(" ".join(self.section_text.get(section, [])).split())


def _parse(index: Path) -> _Page:
    page = _Page()
    page.feed(index.read_text(encoding="utf-8"))
    return page


def _decode(src: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB")


def _magenta_line(image: Image.Image) -> tuple[float, float, float]:
    """Centre (x, y) and angle (degrees, y down, against the horizontal) of the drawn hip line."""
    a = np.asarray(image).astype(int)
    ys, xs = np.nonzero((np.abs(a - np.array(dr.PELVIS_LINE)) <= 0).all(axis=-1))
    assert xs.size > 20, "no hip line drawn"
    cx, cy = xs.mean(), ys.mean()
    cov = np.cov(np.vstack([xs - cx, ys - cy]))
    vx, vy = np.linalg.eigh(cov)[1][:, -1]
    if vx < 0:
        vx, vy = -vx, -vy
    return float(cx), float(cy), float(np.degrees(np.arctan2(vy, vx)))


def _check_hip_line(result: Result, stance: Any, image: Image.Image, view: Any) -> None:
    pts = stance.points["midstance"]
    cx, cy, angle = _magenta_line(image)
    mx, my = view.px(pts["mid_hip"])
    # the line is drawn symmetrically about the mid-hip, from the stance hip through the swing hip
    assert abs(cx - mx) <= 2.0 and abs(cy - my) <= 2.0, (cx, cy, mx, my)
    # the swing hip lies on the other side of the mid-hip from the stance hip
    toward = 1.0 if pts["mid_hip"][0] > pts["hip"][0] else -1.0
    drawn_drop = toward * angle
    print(f"hip line: drawn {drawn_drop:+.2f}°, result {stance.get('pelvic_drop_deg'):+.2f}°")
    assert drawn_drop == pytest.approx(stance.get("pelvic_drop_deg"), abs=1.0)


# ------------------------------------------------------------------------------------ a rear clip alone


def test_rear_clip_alone_makes_a_rear_report(two_views: Any, tmp_path: Path) -> None:
    rear = two_views.rear
    index = write_report(rear.result, tmp_path / "rep", traces=rear.traces)
    page = _parse(index)
    assert set(SECTIONS) <= page.ids
    verdict = page.words("verdict")
    assert "Needs a side view" in verdict and "can only be measured from the side" in verdict
    assert "Hip ahead" not in verdict and "Hip behind" not in verdict
    assert "Pelvic drop at midstance" in verdict  # the core action is the headline instead
    # key frames: one rear picture per side (a stick figure), no side-view plumb lines anywhere
    for side in ("left", "right"):
        imgs = page.figure_imgs[f"keyframe-{side}"]
        assert [c for c, _ in imgs] == ["ms"] and imgs[0][1].startswith("data:image/png")
    assert "plumb line" not in page.words("keyframes") + page.words("contact-sheet")
    assert "from behind" in page.words("keyframes")
    assert len(page.tile_classes) == len(rear.result.stances)
    # no empty side-view plots: no offset plot, no (sagittal) knee plot; the pelvic drop per step instead
    assert "plot-offset" not in page.ids and "plot-knee" not in page.ids
    assert {"plot-drop", "plot-timeline"} <= page.ids
    core = page.words("core-action")
    assert "This clip, filmed behind the runner" in core
    for label in ("Pelvic drop at midstance", "Pelvis side-bend range", "Pelvis twist range", "Step width"):
        assert label in core
    assert "estimate" in core and "rough estimates" in core  # the twist is marked, with the warning's note
    assert "Perpiñá-Martínez et al. 2023" in core and "Bramah et al. 2018" in core
    # re-rendered from its JSON (no time series): still a rear report, drawn from the stances' points
    again = _parse(render_report_from_json(index.parent / "result.json", tmp_path / "again"))
    assert "Needs a side view" in again.words("verdict")
    assert [c for c, _ in again.figure_imgs["keyframe-left"]] == ["ms"]


def test_rear_stick_figure_hip_line_matches_the_pelvic_drop(two_views: Any) -> None:
    r = two_views.rear.result
    for side in ("left", "right"):
        st = representative_by_drop(r, side)
        assert st is not None
        drops = sorted(
            s.get("pelvic_drop_deg") for s in r.stances_of(side) if s.get("pelvic_drop_deg") is not None
        )
        assert st.get("pelvic_drop_deg") == pytest.approx(float(np.median(drops)), abs=0.6)
        kf = render_frontal(r, st)  # without traces: the stance's own points and the derived swing hip
        assert kf is not None and not kf.on_video
        _check_hip_line(r, st, kf.image, kf.view)


def test_rear_video_frame_hip_line_matches_the_pelvic_drop(two_views: Any) -> None:
    rear = two_views.rear
    r = rear.result
    info = open_video(rear.video, r)
    st = representative_by_drop(r, "left")
    assert st is not None
    crops = grab_crops(rear.video, info, frontal_crop_requests(r, {"k": (st, False)}), time_scale(r))
    kf = render_frontal(r, st, traces=rear.traces, crop=crops["k"])
    assert kf is not None and kf.on_video and kf.frame_index == st.midstance_frame
    _check_hip_line(r, st, kf.image, kf.view)


def test_front_view_says_so(two_views: Any, tmp_path: Path) -> None:
    r = two_views.rear.result
    warning = Warning_(
        "front_view", "the camera films the runner from the front: the hip–ankle offset needs a side view"
    )
    front = replace(r, runner=replace(r.runner, view="front"), warnings=(*r.warnings, warning))
    page = _parse(write_report(front, tmp_path / "rep", traces=two_views.rear.traces))
    verdict = page.words("verdict")
    assert "Needs a side view" in verdict and "Filmed from the front" in verdict
    assert warning.message in verdict
    assert "from the front" in page.words("keyframes")
    assert "filmed in front of the runner" in page.words("core-action")


# ------------------------------------------------------------------------------------ side + rear


def test_side_and_rear_report_shows_both_views(two_views: Any, tmp_path: Path) -> None:
    side, rear, merged = two_views.side, two_views.rear, two_views.merged
    index = write_report(
        merged, tmp_path / "rep", traces=side.traces, rear=(rear.result, rear.traces, rear.video)
    )
    page = _parse(index)
    assert set(SECTIONS) <= page.ids
    # each side's card: side midstance, rear midstance (a video frame), side initial contact
    for side_name in ("left", "right"):
        imgs = page.figure_imgs[f"keyframe-{side_name}"]
        assert [c for c, _ in imgs] == ["ms", "rear-ms", "ic"]
        assert imgs[0][1].startswith("data:image/png") and imgs[2][1].startswith("data:image/png")
        assert imgs[1][1].startswith("data:image/jpeg"), "the rear picture is the rear clip's own frame"
    kf_words = page.words("keyframes")
    assert "plumb line through the mid-hip" in kf_words and "from behind" in kf_words
    assert "in the side clip" in kf_words and "Video frame" in kf_words
    # the verdict keeps the side view's answer and adds the rear view's brief
    verdict = page.words("verdict")
    assert "Hip ahead of the ankle" in verdict and "Seen from behind" in verdict
    assert {"plot-offset", "plot-knee", "plot-drop", "plot-timeline"} <= page.ids
    quality = page.words("quality")
    assert "Rear clip, left steps" in quality and "lined up with the side clip" in quality
    core = page.words("core-action")
    assert "lined up with the side clip" in core and "Pelvis twist range" in core
    # the rear clip's own values: the summary's medians
    ca = core_action(merged, rear.result)
    drop = next(r for r in ca.rows if r.ref.metric == "pelvic_drop_deg")
    for side_name in ("left", "right"):
        summary = getattr(merged.summary.metrics["pelvic_drop_deg"], side_name)
        assert drop.values[side_name].median == pytest.approx(summary.median, abs=1e-6)
        assert drop.values[side_name].n == summary.n
    # the side view's tiles stay side views
    assert len(page.tile_classes) == len(merged.stances)
    saved = json.loads((index.parent / "result.json").read_text())
    assert saved["analysis"]["rear_offset_s"] == merged.analysis["rear_offset_s"]


def test_side_and_rear_without_rear_video_draws_stick_figures(two_views: Any, tmp_path: Path) -> None:
    side, rear, merged = two_views.side, two_views.rear, two_views.merged
    page = _parse(write_report(merged, tmp_path / "rep", traces=side.traces, rear=(rear.result, None, None)))
    imgs = page.figure_imgs["keyframe-left"]
    assert imgs[1][0] == "rear-ms" and imgs[1][1].startswith("data:image/png")
    _check_hip_line(
        rear.result,
        representative_by_drop(rear.result, "left"),
        _decode(imgs[1][1]),
        _view_of(tmp_path / "rep" / "index.html", "rear-ms"),
    )


def _view_of(index: Path, cls: str) -> Any:
    m = re.search(rf'<img class="{cls}" [^>]*data-view="([^"]+)"', index.read_text())
    assert m
    x0, y0, s = (float(v) for v in m.group(1).split(","))
    return dr.View(x0, y0, s)


def test_second_view_mistakes_are_refused_before_writing(two_views: Any, tmp_path: Path) -> None:
    side, rear, merged = two_views.side, two_views.rear, two_views.merged
    with pytest.raises(InputError, match="is itself a rear view"):
        write_report(rear.result, tmp_path / "a", rear=(rear.result, None, None))
    with pytest.raises(InputError, match="must be filmed from behind"):
        write_report(merged, tmp_path / "b", rear=(side.result, None, None))
    wrong = replace(rear.result, source=replace(rear.result.source, width_px=1080, height_px=1920))
    with pytest.raises(InputError, match="pass the video that was analysed"):
        write_report(merged, tmp_path / "c", rear=(wrong, None, rear.video))
    assert not any((tmp_path / d).exists() for d in "abc")


def test_run_full_with_rear_keypoints_writes_both_views(two_views: Any, tmp_path: Path) -> None:
    """The pipeline hands the rear clip's analysis to the report (``--rear``)."""
    from midstance.io import write_keypoint_csv
    from midstance.pipeline import InputOptions, OutputPlan, run_full
    from midstance.settings import AnalysisSettings

    side_csv = write_keypoint_csv(two_views.side_kp, tmp_path / "side.csv")
    rear_csv = write_keypoint_csv(two_views.rear_kp, tmp_path / "rear.csv")
    run_full(
        side_csv,
        AnalysisSettings(height_cm=181),
        InputOptions(rear=rear_csv),
        OutputPlan(report_dir=tmp_path / "rep"),
    )
    page = _parse(tmp_path / "rep" / "index.html")
    assert [c for c, _ in page.figure_imgs["keyframe-left"]] == ["ms", "rear-ms", "ic"]
    assert "Pelvic drop at midstance" in page.words("core-action")


# ------------------------------------------------------------------------------------ 3D and quality


def test_motion_capture_core_action_is_exact(rbds_case: Any, tmp_path: Path) -> None:
    r = rbds_case.result
    page = _parse(write_report(r, tmp_path / "rep", traces=rbds_case.traces))
    core = page.words("core-action")
    assert "3D motion capture" in core
    assert "Pelvis tilt range" in core and "Pelvis twist range" in core
    assert "core-pelvis_tilt_rom_deg" in page.ids
    assert "rough estimates" not in core
    ca = core_action(r)
    assert not any(row.estimate for row in ca.rows)
    for row in ca.rows:
        stat = r.summary.metrics[row.ref.metric]
        for side, v in row.values.items():
            assert v.median == pytest.approx(
                getattr(stat, side).median * row.ref.scale, abs=1e-3 * row.ref.scale
            )
    # a side-only report still draws its side views (the core action adds a section, nothing else)
    assert [c for c, _ in page.figure_imgs["keyframe-left"]] == ["ms", "ic"]


def test_quality_thresholds_with_real_values(video_case: Any, tmp_path: Path) -> None:
    r = video_case.result
    q = [s.quality for s in r.stances]
    print(f"sample clip stance quality: {min(q):.2f}–{max(q):.2f}, median {np.median(q):.2f}")
    assert min(q) > 0.6 and np.median(q) > 0.8, "a well-filmed clip: no stance should be flagged"
    page = _parse(write_report(r, tmp_path / "a", traces=video_case.traces))
    assert "none below 0.6" in page.words("quality")
    assert not any("lowq" in c for c in page.tile_classes)
    # one badly tracked stance is flagged and faded
    bad = tuple(replace(s, quality=0.42) if i == 3 else s for i, s in enumerate(r.stances))
    page = _parse(write_report(replace(r, stances=bad), tmp_path / "b"))
    assert "1 below 0.6 (low)" in page.words("quality")
    assert [i for i, c in enumerate(page.tile_classes) if "lowq" in c] == [3]
    assert "low quality 0.42" in page.words("contact-sheet")
    # an old result with every quality 0 (the analysis bug) flags nothing and says why
    zero = tuple(replace(s, quality=0.0) for s in r.stances)
    page = _parse(write_report(replace(r, stances=zero), tmp_path / "c"))
    assert "not recorded" in page.words("quality")
    assert not any("lowq" in c for c in page.tile_classes)


def test_rear_drawing_with_trunk_knee_and_full_framing(result_factory: Any) -> None:
    """A rear view with shoulders (as a pose model gives): the picture keeps room for the trunk, the
    trunk line is drawn, and the hip line tilts by the pelvic drop."""
    pts = {
        "mid_hip": (300.0, 400.0),
        "hip": (270.0, 398.0),  # the left hip, seen from behind on the image's left
        "mid_shoulder": (306.0, 220.0),
        "knee": (266.0, 500.0),
        "ankle": (272.0, 590.0),
        "heel": (274.0, 605.0),
        "toe": (270.0, 600.0),
    }
    stance = {
        "side": "left",
        "ic_s": 0.5,
        "to_s": 0.76,
        "midstance_s": 0.62,
        "points": {"midstance": pts, "ic": pts},
        "pelvic_drop_deg": float(np.degrees(np.arctan2(4.0, 60.0))),  # swing hip (330, 402): 4 px lower
        "trunk_side_bend_deg": -1.9,
        "knee_fppa_deg": -4.0,
    }
    base = result_factory([stance], width=640, height=800)
    r = replace(base, runner=replace(base.runner, view="rear", facing=None))
    kf = render_frontal(r, r.stances[0])
    assert kf is not None and kf.image.height == 640, "with shoulders the full framing is kept"
    _check_hip_line(r, r.stances[0], kf.image, kf.view)
    # the trunk: white pixels halfway between mid-hip and mid-shoulder
    a = np.asarray(kf.image).astype(int)
    mx, my = kf.view.px(((300 + 306) / 2, (400 + 220) / 2))
    patch = a[round(my) - 2 : round(my) + 3, round(mx) - 3 : round(mx) + 4]
    assert (np.abs(patch - np.array(dr.TRUNK_COLOUR)) <= 0).all(axis=-1).any()
    # the thigh and shank of the stance leg
    kx, ky = kf.view.px(((270 + 266) / 2, (398 + 500) / 2))
    patch = a[round(ky) - 2 : round(ky) + 3, round(kx) - 3 : round(kx) + 4]
    assert (np.abs(patch - np.array(dr.LEG_LINE)) <= 0).all(axis=-1).any()


def test_locked_pelvis_finding_shows_in_the_core_action(two_views: Any, tmp_path: Path) -> None:
    from midstance.core.result import Finding

    r = two_views.rear.result
    locked = Finding(
        "locked_pelvis",
        "notice",
        "The pelvis hardly moves (locked pelvis)",
        {"pelvis_obliquity_rom_deg": 3.1},
        "Let the pelvis move — do not grip or brace the core.",
    )
    page = _parse(
        write_report(replace(r, findings=(locked,)), tmp_path / "rep", traces=two_views.rear.traces)
    )
    core = page.words("core-action")
    assert "The pelvis hardly moves (locked pelvis)" in core and "do not grip or brace the core" in core
    assert "finding-1" in page.ids and 'href="#finding-1"' in (tmp_path / "rep" / "index.html").read_text()
