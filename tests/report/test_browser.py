"""The report in a real browser (Debian's chromium through Playwright): it loads nothing but itself,
logs no error, renders every plot, works without JavaScript, fits a phone, prints, and no file name
can inject HTML. Screenshots of every section go to tmp_path and, for people, /tmp/midstance-screens/."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from midstance.core.result import Result
from midstance.report import write_report

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


class _Tags(HTMLParser):
    """Counts script elements and finds event-handler attributes and image sources."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0
        self.handlers: list[str] = []
        self.img_srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and ("type", "application/json") not in attrs:
            self.scripts += 1
        self.handlers += [f"{tag} {k}" for k, _ in attrs if k.startswith("on")]
        if tag == "img":
            self.img_srcs += [v or "" for k, v in attrs if k == "src"]


class Recorder:
    """Every request, failure, console message and page error of one page."""

    def __init__(self, page: Any, allowed: str) -> None:
        self.allowed = allowed
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)

    def outside(self) -> list[str]:
        return [u for u in self.requests if u != self.allowed and not u.startswith("data:")]

    def assert_clean(self) -> None:
        assert self.outside() == [], f"requests other than the file: {self.outside()}"
        assert self.failed == [], f"failed requests: {self.failed}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page_errors == [], f"page errors: {self.page_errors}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"


def _open(browser: Any, index: Path, **context: Any) -> tuple[Any, Any, Recorder]:
    ctx = browser.get().new_context(**context)
    page = ctx.new_page()
    url = index.resolve().as_uri()
    rec = Recorder(page, url)
    page.goto(url, wait_until="load")
    return ctx, page, rec


def _wait_for_plots(page: Any) -> int:
    n = page.locator(".plot").count()
    page.wait_for_function(
        "n => document.documentElement.classList.contains('js') && "
        "document.querySelectorAll('.plot .live .main-svg').length >= n",
        arg=n,
        timeout=20000,
    )
    return n


def _all_images_decoded(page: Any) -> bool:
    return bool(page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"))


def _screens(page: Any, tmp_path: Path, keep: Callable[[Path, str], Path], case: str) -> list[Path]:
    kept = []
    for sid in SECTIONS:
        shot = tmp_path / f"{case}-{sid}.png"
        page.locator(f"#{sid}").screenshot(path=str(shot))
        assert shot.stat().st_size > 1000
        kept.append(keep(shot, f"{case}/{sid}.png"))
    return kept


@pytest.mark.parametrize("case_name", ["video", "rbds", "c3d"])
def test_report_opens_offline_with_every_section(
    case_name: str,
    request: pytest.FixtureRequest,
    browser: Any,
    tmp_path: Path,
    keep_screenshot: Callable[[Path, str], Path],
) -> None:
    case = request.getfixturevalue(f"{case_name}_case")
    index = write_report(case.result, tmp_path / "report", traces=case.traces, video=case.video)
    ctx, page, rec = _open(browser, index, viewport={"width": 1100, "height": 900})
    try:
        n_plots = _wait_for_plots(page)
        assert n_plots >= 3
        assert _all_images_decoded(page)
        for sid in SECTIONS:
            assert page.locator(f"#{sid}").is_visible()
        # the static fallbacks stay hidden when the interactive plots are there
        assert not page.locator("#plot-offset img.static").is_visible()
        tiles = page.locator("#contact-sheet figure img").count()
        assert tiles == len(case.result.stances)
        _screens(page, tmp_path, keep_screenshot, case_name)
        rec.assert_clean()
        assert len(rec.requests) >= 1 and rec.requests[0] == index.resolve().as_uri()
    finally:
        ctx.close()


@pytest.mark.parametrize("case_name", ["rear", "side-rear"])
def test_rear_and_two_view_reports_open_offline(
    case_name: str,
    two_views: Any,
    browser: Any,
    tmp_path: Path,
    keep_screenshot: Callable[[Path, str], Path],
) -> None:
    """A rear clip alone (stick figures from behind) and a side clip merged with a rear clip (the rear
    clip's own video frames next to the side view's stick figures)."""
    rear = two_views.rear
    if case_name == "rear":
        index = write_report(rear.result, tmp_path / "report", traces=rear.traces)
        n_tiles = len(rear.result.stances)
    else:
        index = write_report(
            two_views.merged,
            tmp_path / "report",
            traces=two_views.side.traces,
            rear=(rear.result, rear.traces, rear.video),
        )
        n_tiles = len(two_views.merged.stances)
    ctx, page, rec = _open(browser, index, viewport={"width": 1100, "height": 900})
    try:
        assert _wait_for_plots(page) >= 3
        assert _all_images_decoded(page)
        for sid in SECTIONS:
            assert page.locator(f"#{sid}").is_visible()
        assert page.locator("#contact-sheet figure img").count() == n_tiles
        rear_imgs = page.locator(
            "#keyframes img.rear-ms" if case_name == "side-rear" else "#keyframes img.ms"
        )
        assert rear_imgs.count() == 2
        for i in range(2):
            box = rear_imgs.nth(i).bounding_box()
            assert box is not None and box["width"] > 150 and box["height"] > 200, box
        if case_name == "side-rear":
            # the three pictures of a side stand in one row: same top, left to right
            boxes = [page.locator(f"#keyframe-left img.{c}").bounding_box() for c in ("ms", "rear-ms", "ic")]
            assert all(b is not None for b in boxes)
            assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 2  # type: ignore[index]
            assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]  # type: ignore[index]
        assert page.locator("#core-action table.core tbody tr").count() >= 4
        _screens(page, tmp_path, keep_screenshot, case_name)
        rec.assert_clean()
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def video_report(video_case: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample clip's report, written once for the tests that only look at it."""
    folder = tmp_path_factory.mktemp("video-report") / "report"
    return write_report(video_case.result, folder, traces=video_case.traces, video=video_case.video)


def test_report_without_javascript_shows_static_plots(
    video_report: Path, browser: Any, tmp_path: Path, keep_screenshot: Callable[[Path, str], Path]
) -> None:
    index = video_report
    ctx, page, rec = _open(browser, index, java_script_enabled=False, viewport={"width": 1100, "height": 900})
    try:
        assert page.locator("html.no-js").count() == 1
        statics = page.locator(".plot img.static")
        assert statics.count() == page.locator(".plot").count() >= 3
        for i in range(statics.count()):
            assert statics.nth(i).is_visible()
        assert not page.locator(".plot .live").first.is_visible()
        assert _all_images_decoded(page)
        shot = tmp_path / "nojs-plots.png"
        page.locator("#plots").screenshot(path=str(shot))
        keep_screenshot(shot, "video-nojs/plots.png")
        rec.assert_clean()
    finally:
        ctx.close()


def test_report_fits_a_phone_and_prints(
    video_report: Path, browser: Any, tmp_path: Path, keep_screenshot: Callable[[Path, str], Path]
) -> None:
    index = video_report
    ctx, page, rec = _open(
        browser,
        index,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        _wait_for_plots(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page is {overflow} px wider than a phone screen"
        for sid in ("verdict", "keyframes", "contact-sheet"):
            shot = tmp_path / f"phone-{sid}.png"
            page.locator(f"#{sid}").screenshot(path=str(shot))
            keep_screenshot(shot, f"video-phone/{sid}.png")
        page.emulate_media(media="print")
        assert page.locator("#plot-offset img.static").is_visible(), "print shows the static plots"
        pdf = page.pdf(format="A4")
        assert pdf[:4] == b"%PDF" and len(pdf) > 50_000
        (tmp_path / "report.pdf").write_bytes(pdf)
        keep_screenshot(tmp_path / "report.pdf", "video-print/report.pdf")
        rec.assert_clean()
    finally:
        ctx.close()


def test_file_names_and_messages_cannot_inject_html(
    result_factory: Callable[..., Result],
    points_factory: Callable[..., dict],
    browser: Any,
    tmp_path: Path,
) -> None:
    evil = "<img src=x onerror=alert('img')><b>\"'&amp;.mp4"
    stance = {
        "side": "left",
        "ic_s": 0.5,
        "to_s": 0.76,
        "midstance_s": 0.62,
        "points": {"midstance": points_factory(300.0, 280.0), "ic": points_factory(260.0, 330.0)},
        "hip_ankle_offset_pct_leg": 7.0,
    }
    result = result_factory(
        [stance, {**stance, "side": "right", "ic_s": 0.9, "to_s": 1.15, "midstance_s": 1.0}],
        path=f"/videos/{evil}",
        warnings=(("odd</li><script>alert('warning')</script>", "<b onmouseover=alert(1)>bold</b>"),),
    )
    index = write_report(result, tmp_path / "report")
    text = index.read_text(encoding="utf-8")
    tags = _Tags()
    tags.feed(text)
    assert tags.scripts == 2, "only plotly.js and the page's own start-up script"
    assert tags.handlers == [], f"event-handler attributes in the page: {tags.handlers}"
    assert "x" not in tags.img_srcs
    assert "&lt;img src=x onerror=alert(&#x27;img&#x27;)&gt;&lt;b&gt;&quot;&#x27;&amp;amp;.mp4" in text
    assert "&lt;/li&gt;&lt;script&gt;alert(&#x27;warning&#x27;)&lt;/script&gt;" in text
    ctx, page, rec = _open(browser, index)
    try:
        _wait_for_plots(page)
        assert page.locator("header .meta strong").inner_text() == evil
        assert page.locator("img[src=x]").count() == 0
        rec.assert_clean()
    finally:
        ctx.close()


def test_install_browser_script_is_quiet_when_chromium_is_there(browser: Any) -> None:
    browser.get()  # fails, saying to run the script, when chromium is missing
    script = Path(__file__).resolve().parents[2] / "scripts" / "install-browser"
    done = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done
