"""docs/formats.md and the importers must agree: kinds, warning codes, and the examples run."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import numpy as np
import pytest

from midstance.core.series import ImageKeypoints
from midstance.io import Kind, read_keypoint_csv, read_marker_table
from midstance.io.codes import WARNING_CODES, warning

DOC = Path(__file__).resolve().parents[2] / "docs" / "formats.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _section(doc: str, title: str) -> str:
    start = doc.index(title)
    end = doc.find("\n## ", start + len(title))
    return doc[start : end if end > 0 else None]


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```\n(.*?)```", text, flags=re.DOTALL)


def test_every_kind_is_in_the_formats_table(doc: str) -> None:
    table_kinds = set(re.findall(r"^\| `([a-z_0-9]+)` \|", doc.split("\n## ")[0], flags=re.MULTILINE))
    assert table_kinds == set(typing.get_args(Kind))


def test_warning_codes_table_matches_the_code(doc: str) -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \|$", _section(doc, "## Warning codes"), flags=re.MULTILINE)
    assert dict(rows) == WARNING_CODES


def test_undeclared_warning_code_is_a_bug() -> None:
    assert warning("z_ignored", "m") == ("z_ignored", "m")
    with pytest.raises(ValueError, match="undeclared warning code 'made_up'"):
        warning("made_up", "m")


def test_keypoint_csv_example_reads(doc: str, tmp_path: Path) -> None:
    (example,) = _code_blocks(_section(doc, "### Keypoint CSV"))
    path = tmp_path / "example.csv"
    path.write_text(example)
    kp = read_keypoint_csv(path)
    assert isinstance(kp, ImageKeypoints)
    assert (kp.width_px, kp.height_px, kp.source.fps) == (720, 1280, 30.0)
    assert kp.n_frames == 3
    assert np.isnan(kp.points["left_ankle"][1]).all()
    assert kp.confidence["left_hip"][0] == pytest.approx(0.98)


def test_marker_table_example_reads(doc: str, tmp_path: Path) -> None:
    (example,) = _code_blocks(_section(doc, "### Generic marker tables"))
    path = tmp_path / "example.csv"
    path.write_text(example)
    m = read_marker_table(path)
    assert set(m.markers) == {"LASI", "RASI"}
    assert m.rate_hz == 100.0 and m.units_in_file == "mm"
    assert m.markers["LASI"][0, 1] == pytest.approx(1.0013)
