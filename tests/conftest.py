"""Shared fixtures: where the shared real data lives (read-only), and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MIDSTANCE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA} (set MIDSTANCE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def mocap_dir(shared_data: Path) -> Path:
    return shared_data / "mocap"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``midstance`` in-process; returns (exit code, stdout, stderr)."""
    from midstance.cli.main import main

    def run(*args: str | Path) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


CHROMIUM = Path("/usr/bin/chromium")
#: flags for a headless run that makes no request of its own (no sync, no updates, no background traffic)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class SharedChromium:
    """Debian's chromium through Playwright, one per test session (two sync Playwright instances
    cannot live in one thread), started on first use so a missing browser fails that test."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    def get(self) -> Any:
        if not CHROMIUM.exists():
            pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM}: run sh scripts/install-browser")
        if self._browser is None:
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                pytest.fail(
                    "the playwright Python package is missing: install the dev extras (sh scripts/setup --dev)"
                )
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[SharedChromium]:
    shared = SharedChromium()
    try:
        yield shared
    finally:
        shared.close()
