"""Docs and code agree: the settings page and the metrics table are generated from the code."""

from __future__ import annotations

import argparse
from pathlib import Path

from midstance.cli.main import build_parser
from midstance.docs import metrics_table, settings_markdown
from midstance.settings import AnalysisSettings, settings_table

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_settings_page_is_current() -> None:
    assert (DOCS / "settings.md").read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is stale: run python -m midstance.docs"
    )


def test_metrics_table_is_current() -> None:
    assert metrics_table() in (DOCS / "metrics.md").read_text(encoding="utf-8"), (
        "docs/metrics.md is stale: run python -m midstance.docs"
    )


def test_every_setting_with_a_flag_is_a_cli_option() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    help_text = sub.choices["analyze"].format_help()
    for row in settings_table(AnalysisSettings):
        if row["flag"]:
            assert row["flag"] in help_text
