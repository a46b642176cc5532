"""The report for every kind of input: motion capture (Running_0002, an RBDS trial), the sample video,
image keypoints without the video, and a result re-rendered from its JSON."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from midstance.core.findings import headline
from midstance.core.result import Result, result_from_dict
from midstance.report import render_report_from_json, write_report
from midstance.report.verdict import side_verdicts

SECTION_IDS = ("verdict", "quality", "keyframes", "findings", "contact-sheet", "plots", "definitions")


class _Page(HTMLParser):
    """Ids, image sources and any attribute that would make the browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.img_srcs: list[str] = []
        self.fetching: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "img":
            self.img_srcs.append(str(a.get("src")))
        for key in ("src", "href", "srcset", "poster", "data", "action"):
            v = a.get(key)
            if v is not None and not v.startswith(("data:", "#")):
                self.fetching.append(f"<{tag} {key}={v}>")
        if tag == "link" or (tag == "script" and "src" in a):
            self.fetching.append(f"<{tag} {a}>")
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.text.append(data)


def _parse(index: Path) -> tuple[str, _Page]:
    text = index.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    return text, page


def _check_report(result: Result, index: Path, *, on_video: bool) -> _Page:
    text, page = _parse(index)
    assert index.name == "index.html"
    assert sorted(p.name for p in index.parent.iterdir()) == ["index.html", "result.json"]
    assert set(SECTION_IDS) <= page.ids
    assert page.fetching == [], "the page must not refer to anything outside itself"
    # plotly.js is inline, once
    assert text.count("plotly.js v") == 1 and "<script src" not in text
    # one tile per stance, a key frame per side with stances
    sides = [s for s in ("left", "right") if result.stances_of(s)]
    assert {f"keyframe-{s}" for s in sides} <= page.ids
    assert sum(1 for i in page.ids if i.startswith("stance-")) == len(result.stances)
    mime = "image/jpeg" if on_video else "image/png"
    assert all(src.startswith("data:image/") for src in page.img_srcs)
    assert sum(src.startswith(f"data:{mime}") for src in page.img_srcs) >= 2 * len(sides) + len(
        result.stances
    )
    words = " ".join(" ".join(page.text).split())
    # the headline numbers and the steps per side are printed
    for side, v in side_verdicts(result).items():
        if v.median_pct is not None:
            assert f"{v.median_pct:+.1f}".replace("-", "−") in words
        assert f"{side.capitalize()} steps {len(result.stances_of(side))}" in words
    assert "not a diagnosis or medical advice" in words
    assert "lowest" in words and "not the middle of the contact time" in words
    for w in result.warnings:
        assert " ".join(w.message.split()) in words
    for f in result.findings:
        assert f.title in words
    # the saved result reads back to the same result
    saved = result_from_dict(json.loads((index.parent / "result.json").read_text()))
    assert saved.to_dict() == result.to_dict()
    return page


def test_report_for_running_0002(c3d_case: Any, tmp_path: Path) -> None:
    r = c3d_case.result
    page = _check_report(r, write_report(r, tmp_path / "rep", traces=c3d_case.traces), on_video=False)
    assert {"plot-offset", "plot-knee", "plot-timeline", "plot-references"} <= page.ids
    words = " ".join(page.text)
    assert "stick figures" in words
    assert "Too few steps" in words  # a single stance: the reliability warning is visible


def test_report_for_an_rbds_trial(rbds_case: Any, tmp_path: Path) -> None:
    r = rbds_case.result
    index = write_report(r, tmp_path / "rep", traces=rbds_case.traces)
    page = _check_report(r, index, on_video=False)
    words = " ".join(" ".join(page.text).split())
    # centimetres with the motion capture's own scale, and the median's spread
    left = side_verdicts(r)["left"]
    assert left.median_m is not None and f"{abs(left.median_m) * 100:.1f} cm" in words
    assert "middle half of the steps" in words
    assert "39 steps: enough for a reliable median" in words
    # knee flexion plot data: mean over normalised stance, 101 points per side
    text = index.read_text()
    data = json.loads(re.search(r'id="plot-knee-data">(.*?)</script>', text).group(1))  # type: ignore[union-attr]
    means = [t for t in data["data"] if t.get("name", "").endswith("stances")]
    assert len(means) == 2 and all(len(t["y"]) == 101 for t in means)
    assert 30 < max(means[0]["y"]) < 60  # peak stance knee flexion of a healthy runner


def test_report_for_the_sample_video(video_case: Any, tmp_path: Path) -> None:
    r = video_case.result
    page = _check_report(
        r, write_report(r, tmp_path / "rep", traces=video_case.traces, video=video_case.video), on_video=True
    )
    assert "video frames" in " ".join(page.text)
    assert "gaitlab_male_side.mp4" in " ".join(page.text)


def test_report_for_image_keypoints_without_video(synthetic_case: Any, tmp_path: Path) -> None:
    r = synthetic_case.result
    page = _check_report(r, write_report(r, tmp_path / "rep", traces=synthetic_case.traces), on_video=False)
    assert "stick figures" in " ".join(page.text)


def test_rerender_from_json_without_traces(rbds_case: Any, tmp_path: Path) -> None:
    first = write_report(rbds_case.result, tmp_path / "first", traces=rbds_case.traces)
    again = render_report_from_json(first.parent / "result.json", tmp_path / "again")
    page = _check_report(rbds_case.result, again, on_video=False)
    assert "plot-knee" not in page.ids, "knee curves need the time series"
    assert {"plot-offset", "plot-timeline", "plot-references"} <= page.ids
    assert "without the time series" in " ".join(page.text)


def test_headline_sentences_are_the_cores(rbds_case: Any) -> None:
    r = rbds_case.result
    verdicts = side_verdicts(r)
    for side, sentence in headline(r.summary).items():
        assert verdicts[side].sentence == sentence
        stat = r.summary.metrics["hip_ankle_offset_pct_leg"]
        assert verdicts[side].median_pct == pytest.approx(getattr(stat, side).median, abs=1e-6)
        assert verdicts[side].q3_pct - verdicts[side].q1_pct == pytest.approx(
            getattr(stat, side).iqr, abs=1e-6
        )


def test_result_without_key_points_still_renders(rbds_case: Any, tmp_path: Path) -> None:
    """Older result files carry no per-stance positions: the page still opens, without drawings."""
    data = rbds_case.result.to_dict()
    for s in data["stances"]:
        s.pop("points")
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    index = render_report_from_json(path, tmp_path / "rep")
    text, page = _parse(index)
    assert {"verdict", "keyframes", "contact-sheet", "plots"} <= page.ids
    assert text.count("no picture") == len(rbds_case.result.stances)
    assert '<img class="ms"' not in text and '<img class="ic"' not in text


def test_key_frame_markup_other_pages_read(video_case: Any, tmp_path: Path) -> None:
    """The web app's before/after page takes each side's midstance picture out of the report: a
    ``<figure id="keyframe-<side>">`` holding ``<img class="ms" src="data:image/…;base64,…">``."""
    r = video_case.result
    text = write_report(r, tmp_path / "rep", traces=video_case.traces, video=video_case.video).read_text()
    for side in ("left", "right"):
        start = text.index(f'id="keyframe-{side}"')
        figure = text[start : text.index("</figure>", start)]
        assert re.search(r'<img class="ms" src="data:image/jpeg;base64,[A-Za-z0-9+/=]+"', figure)
