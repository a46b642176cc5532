"""docs/report.md and the report agree: every reference band the report draws is documented with its
numbers, and every section the page has is described."""

from __future__ import annotations

import re
from pathlib import Path

from midstance.report import html as page_html
from midstance.report.references import CORE_REFERENCES, REFERENCES

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"


def test_every_reference_band_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().lower(): line for line in text.splitlines() if line.startswith("| ")}
    for ref in (*REFERENCES, *CORE_REFERENCES):
        row = rows.get(ref.label.lower())
        assert row is not None, f"docs/report.md has no row for {ref.label!r}"
        for seg in ref.segments:
            for bound in (seg.lo, seg.hi):
                if bound is not None:
                    assert f"{bound:g}".replace("-", "−") in row, f"{ref.label}: {bound:g} missing in {row!r}"
        if ref.provisional:
            assert "provisional" in row
        if not ref.segments:
            assert "no reference band" in row


def test_every_section_is_described() -> None:
    text = DOC.read_text(encoding="utf-8")
    titles = re.findall(r"<h2>([^<]+)</h2>", Path(page_html.__file__).read_text(encoding="utf-8"))
    assert titles
    for title in titles:
        assert title.split(",")[0] in text, f"section {title!r} is not described in docs/report.md"
