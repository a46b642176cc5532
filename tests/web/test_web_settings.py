"""The web settings are declared once: the CLI options, the environment variables and the table in
docs/web.md all come from WebSettings, and a test fails when the page and the code disagree."""

from __future__ import annotations

import argparse
from pathlib import Path

from midstance.web.cli import add_web_commands, settings_from_args
from midstance.web.settings import (
    DOCS_BEGIN,
    WebSettings,
    default_data_dir,
    from_env,
    web_settings_markdown,
    web_settings_table,
    with_generated_table,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="midstance")
    sub = p.add_subparsers(dest="command")
    add_web_commands(sub)
    return p


def test_docs_page_is_current() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert DOCS_BEGIN in text
    assert with_generated_table(text) == text, "docs/web.md is stale: run python -m midstance.web docs"
    assert web_settings_markdown() in text


def test_every_setting_is_an_option_of_its_commands() -> None:
    p = parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    for row in web_settings_table():
        for command in ("serve", "worker"):
            help_text = sub.choices[command].format_help()
            assert (row["flag"] in help_text) == (command in row["commands"]), (row["name"], command)


def test_flag_beats_environment_beats_default(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MIDSTANCE_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/env")
    monkeypatch.setenv("MIDSTANCE_PORT", "9000")
    args = parser().parse_args(["serve", "--port", "9100", "--max-upload-mb", "12.5"])
    s = settings_from_args(args)
    assert s.port == 9100 and s.max_upload_mb == 12.5
    assert s.database_url == "postgresql+psycopg://u@127.0.0.1/env"
    assert s.host == "127.0.0.1"  # loopback unless told otherwise
    assert s.max_upload_bytes == int(12.5 * 1024 * 1024)


def test_embedded_defaults(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    assert from_env(env) == WebSettings()
    s = WebSettings(data_dir=str(tmp_path / "d"))
    assert s.resolved_database_url() == f"sqlite:///{tmp_path / 'd' / 'midstance.db'}"
    assert default_data_dir().name == "midstance"
