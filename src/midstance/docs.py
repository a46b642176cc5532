"""Generated documentation: settings and metrics tables come from the code that declares them.

``python -m midstance.docs`` rewrites docs/settings.md and the generated block of docs/metrics.md;
tests/test_docs.py fails when the files and the code disagree."""

from __future__ import annotations

import sys
from pathlib import Path

from midstance.core.catalog import STANCE_METRICS
from midstance.settings import AnalysisSettings, settings_table

BEGIN = "<!-- generated: metrics table (python -m midstance.docs) -->"
END = "<!-- end generated -->"


def settings_markdown() -> str:
    lines = [
        "# Settings",
        "",
        "Generated from `src/midstance/settings.py` (`python -m midstance.docs`); the command line, the",
        "web app and this page read the same declarations.",
        "",
        "| setting | option | default | meaning |",
        "|---|---|---|---|",
    ]
    for row in settings_table(AnalysisSettings):
        choices = f" One of: {', '.join(row['choices'])}." if row["choices"] else ""
        flag = f"`{row['flag']}`" if row["flag"] else ""
        lines.append(f"| `{row['name']}` | {flag} | `{row['default']}` | {row['help']}{choices} |")
    return "\n".join(lines) + "\n"


def metrics_table() -> str:
    lines = ["| name | unit | views | meaning |", "|---|---|---|---|"]
    for m in STANCE_METRICS:
        lines.append(f"| `{m.name}` | {m.unit or '–'} | {', '.join(m.views)} | {m.description} |")
    return "\n".join(lines)


def with_metrics_table(text: str) -> str:
    if BEGIN not in text or END not in text:
        return text.rstrip("\n") + "\n\n" + BEGIN + "\n" + metrics_table() + "\n" + END + "\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + "\n" + metrics_table() + "\n" + END + tail


def main(root: Path | None = None) -> int:
    docs = (root or Path.cwd()) / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "settings.md").write_text(settings_markdown(), encoding="utf-8")
    mp = docs / "metrics.md"
    mp.write_text(
        with_metrics_table(mp.read_text(encoding="utf-8") if mp.exists() else "# Metrics\n"), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
