"""Shared fixtures: where the shared real data lives (read-only), and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

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
