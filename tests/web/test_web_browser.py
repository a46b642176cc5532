"""The web app in a real browser: Debian's chromium driven by Playwright, against `midstance serve`
(web server and worker processes) on loopback.

One walk through the app as a coach would use it — sign up, add a runner, upload the sample clip and
watch its progress, open the report, upload two more sessions, keep a diary, compare before/after —
with every request recorded (all must stay on 127.0.0.1) and every console message checked (no
errors). Screenshots at desktop (1280×800) and phone (390×844) width go to pytest's tmp_path and to
/tmp/midstance-screens/web/."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webhelpers import SAMPLES, LiveServer, pose_available, write_keypoints

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENS = Path("/tmp/midstance-screens/web")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    """The session's shared chromium (tests/conftest.py): fails, never skips, without it."""
    return chromium.get()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    srv = LiveServer(tmp_path / "data")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


class Watch:
    """Every request and console message of a browser context."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: d.accept())

    def outside(self) -> list[str]:
        local = (self.base + "/", "data:", "blob:", "about:")
        return [u for u in self.requests if not u.startswith(local)]


def shot(page: Any, tmp_path: Path, name: str) -> None:
    out = tmp_path / "screens" / f"{name}.png"
    out.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, SCREENS / out.name)


def upload(page: Any, base: str, runner_url: str, path: Path, day: str, label: str) -> str:
    page.goto(runner_url)
    page.get_by_role("link", name="Upload a session").click()
    page.fill("input[name=recorded_on]", day)
    page.fill("input[name=label]", label)
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_url(f"{base}/sessions/*", timeout=60_000)
    return str(page.url)


def wait_analysed(page: Any, timeout_ms: int = 240_000) -> list[float]:
    """Wait for the session page to show the result; returns the progress fractions seen on the way."""
    seen: list[float] = []
    bar = page.locator("#analysis-bar")
    deadline_steps = timeout_ms // 250
    for _ in range(deadline_steps):
        if page.locator("#result").count() or page.locator(".panel.failed").count():
            break
        if bar.count():
            # the page reloads itself when the job ends, which may cut this read short
            with contextlib.suppress(Exception):
                seen.append(float(bar.get_attribute("value", timeout=1000) or 0))
        page.wait_for_timeout(250)
    failed = page.locator(".panel.failed")
    assert not failed.count(), failed.inner_text()
    assert page.locator("#result").count(), "the analysis did not finish in time"
    return seen


def test_coach_walkthrough(browser: Any, server: LiveServer, tmp_path: Path) -> None:
    base = server.url
    watch = Watch(base)
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    watch.attach(page)

    page.goto(base + "/")
    shot(page, tmp_path, "01-landing-desktop")
    page.get_by_role("link", name="Create an account").first.click()
    page.fill("input[name=name]", "Coach Carla")
    page.fill("input[name=email]", "carla@example.org")
    page.fill("input[name=password]", "a long enough password")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/?done=welcome")
    page.fill("input[name=name]", "Rita Läufer <script>alert(1)</script>")
    page.fill("input[name=height_cm]", "172")
    page.get_by_role("button", name="Add runner").click()
    page.wait_for_url(f"{base}/runners/*")
    runner_url = page.url.split("?")[0]
    assert page.locator("h1").inner_text().startswith("Rita Läufer <script>alert(1)</script>")

    # the sample clip when pose is available, else a keypoint file: either way the upload and the
    # analysis' own progress are shown
    clip = SAMPLES / "gaitlab_male_side.mp4" if pose_available() else write_keypoints(tmp_path / "clip.csv")
    page.goto(runner_url + "/upload")
    shot(page, tmp_path, "02-upload-desktop")
    session_url = upload(page, base, runner_url, clip, "2026-10-01", "first visit")
    shot(page, tmp_path, "03-session-progress-desktop")
    seen = wait_analysed(page)
    if clip.suffix == ".mp4":
        assert any(0 < f < 1 for f in seen), f"no intermediate progress shown: {seen}"
    shot(page, tmp_path, "04-session-result-desktop")
    assert "At midstance" in page.content()

    report_link = page.get_by_role("link", name="Open the full report")
    if report_link.count():
        report_link.click()
        page.wait_for_load_state("load")
        assert page.url == session_url + "/report"
        page.wait_for_timeout(1000)  # let its inline scripts draw the plots
        shot(page, tmp_path, "05-report-desktop")
        page.goto(session_url)

    before = write_keypoints(tmp_path / "before.csv", offset_m=(-0.03, -0.02), seed=1)
    after = write_keypoints(tmp_path / "after.csv", offset_m=(0.08, 0.07), seed=2)
    upload(page, base, runner_url, before, "2026-10-08", "before")
    wait_analysed(page)
    upload(page, base, runner_url, after, "2026-10-22", "after")
    wait_analysed(page)

    page.goto(runner_url)
    for day, km, onset, where, sev in (
        ("2026-10-02", "10", "6", "below the kneecap", "6"),
        ("2026-10-10", "8", "", "", "3"),
        ("2026-10-24", "12", "", "", "0"),
    ):
        page.fill("input[name=entry_date]", day)
        page.fill("input[name=run_km]", km)
        page.fill("input[name=pain_onset_km]", onset)
        page.fill("input[name=location]", where)
        page.fill("input[name=severity]", sev)
        page.get_by_role("button", name="Add entry").click()
        page.wait_for_url(f"{runner_url}?done=diary-added#diary")
    assert page.locator(".diary-table tbody tr").count() == 3
    assert page.locator(".wide-only svg.chart rect.diary > title").count() == 3
    shot(page, tmp_path, "06-runner-timeline-desktop")

    page.get_by_role("link", name="Compare before / after").click()
    labels = page.locator("select[name=before] option").all_inner_texts()
    page.select_option("select[name=before]", label=next(t for t in labels if t.endswith("before")))
    page.select_option("select[name=after]", label=next(t for t in labels if t.endswith("after")))
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(f"{runner_url}/compare?*")
    offset_row = page.locator("tr", has_text="Hip–ankle offset at midstance (% leg)").first
    assert "REAL change" in offset_row.inner_text()
    shot(page, tmp_path, "07-compare-desktop")

    phone = browser.new_context(
        viewport=PHONE, storage_state=ctx.storage_state(), is_mobile=True, has_touch=True
    )
    ppage = phone.new_page()
    watch.attach(ppage)
    for url, name in (
        (runner_url, "08-runner-timeline-phone"),
        (session_url, "09-session-result-phone"),
        (page.url, "10-compare-phone"),
        (runner_url + "/upload", "11-upload-phone"),
    ):
        ppage.goto(url)
        shot(ppage, tmp_path, name)
        # nothing may be wider than the phone's screen (tables scroll inside their own box)
        width = ppage.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: page is {width}px wide"
    phone.close()

    # deleting the first session from its page (the confirmation dialog is accepted)
    page.goto(session_url)
    page.get_by_role("button", name="Delete session").click()
    page.wait_for_url(f"{runner_url}?done=session-deleted")
    assert page.goto(session_url).status == 404
    watch.errors = [e for e in watch.errors if "404" not in e]  # the deliberate 404 just above

    ctx.close()
    assert watch.outside() == [], "requests left the machine"
    assert all(u.startswith(base) or u.startswith(("data:", "blob:")) for u in watch.requests)
    assert watch.errors == [], "console errors"
