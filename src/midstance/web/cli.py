"""`midstance serve` and `midstance worker`: options built from WebSettings (flag > environment >
default). ``add_web_commands`` plugs both into the main `midstance` parser; ``python -m
midstance.web`` runs them on their own.

Nothing heavy is imported here: the web stack loads only when a command runs."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from midstance.web.settings import WebSettings, from_env, web_settings_table

log = logging.getLogger("midstance.web")

_HELP = {
    "serve": "run the web app on this machine (starts its analysis worker too)",
    "worker": "run an analysis worker for the web app (a separate process; start several for more throughput)",
}


def _type(hint: str) -> type:
    if "Path" in hint:
        return Path
    if "int" in hint and "float" not in hint:
        return int
    if "float" in hint:
        return float
    return str


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    for row in web_settings_table():
        if command not in row["commands"]:
            continue
        default = "" if row["default"] is None else f" (default {row['default']})"
        parser.add_argument(
            row["flag"],
            dest=row["name"],
            type=_type(row["type"]),
            default=argparse.SUPPRESS,
            help=f"{row['help']}{default} [env {row['env']}]".replace("%", "%%"),
        )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")


def add_web_commands(sub: argparse._SubParsersAction[Any]) -> None:
    """Add `serve` and `worker` to the `midstance` command's sub-parsers."""
    for command in ("serve", "worker"):
        p = sub.add_parser(command, help=_HELP[command], description=_HELP[command].capitalize() + ".")
        add_arguments(p, command)


def settings_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> WebSettings:
    settings = from_env(environ)
    given = {
        row["name"]: getattr(args, row["name"]) for row in web_settings_table() if hasattr(args, row["name"])
    }
    return replace(settings, **given)


def run_command(args: argparse.Namespace) -> int:
    """Run `serve` or `worker` from parsed arguments; returns the exit code."""
    level = logging.DEBUG if getattr(args, "verbose", False) else os.environ.get("MIDSTANCE_LOG", "INFO")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # `midstance` may have configured logging for its quieter commands already: a server says where it is
    logging.getLogger().setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = settings_from_args(args)
    if args.command == "serve":
        from midstance.web.server import serve

        return serve(settings)
    from midstance.web.worker import run_worker

    return run_worker(settings)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m midstance.web")
    sub = parser.add_subparsers(dest="command", required=True)
    add_web_commands(sub)
    p = sub.add_parser("docs", help="rewrite the generated settings table in docs/web.md")
    p.add_argument("path", type=Path, nargs="?", default=Path("docs/web.md"))
    args = parser.parse_args(argv)
    if args.command == "docs":
        from midstance.web.settings import write_docs

        write_docs(args.path)
        return 0
    return run_command(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
