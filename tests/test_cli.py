"""The command line: outputs, and the bad-input catalogue of the gait engine issue. Every bad input
gets one line on stderr, the exit code of DESIGN.md §2, no traceback, and nothing overwritten."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from midstance.io import load_markers
from midstance.mocap.data import MarkerData


def write_table(
    md: MarkerData, path: Path, rows: slice = slice(None), scale: float = 1000.0, drop: tuple[str, ...] = ()
) -> Path:
    """An RBDS-style tab-separated marker table (millimetres unless ``scale`` says otherwise)."""
    names = [n for n in md.markers if n not in drop]
    t = md.time_s[rows]
    cols = [t] + [md.markers[n][rows][:, k] * scale for n in names for k in range(3)]
    header = "Time\t" + "\t".join(f"{n}{a}" for n in names for a in "XYZ")
    np.savetxt(path, np.column_stack(cols), delimiter="\t", header=header, comments="", fmt="%.6f")
    return path


@pytest.fixture(scope="module")
def rbds001(mocap_dir: Path) -> MarkerData:
    return load_markers(mocap_dir / "RBDS001runT25markers.txt")


def _one_line_error(code: int, err: str, expected_code: int, *fragments: str) -> None:
    assert code == expected_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for f in fragments:
        assert f in lines[0], lines[0]


def test_analyze_writes_json_and_csv(mocap_dir: Path, tmp_path: Path, run_cli) -> None:
    js, cs = tmp_path / "r.json", tmp_path / "r.csv"
    code, out, err = run_cli("analyze", mocap_dir / "RBDS002runT45markers.txt", "--json", js, "--csv", cs)
    assert code == 0, err
    d = json.loads(js.read_text())
    assert len(d["stances"]) == 84
    assert len(cs.read_text().strip().splitlines()) == 85
    assert "At midstance" in out and "hip ahead of the ankle" in out
    assert f"wrote {js}" in out


def test_existing_output_not_overwritten(mocap_dir: Path, tmp_path: Path, run_cli) -> None:
    js = tmp_path / "r.json"
    js.write_text("precious")
    code, _, err = run_cli("analyze", mocap_dir / "Running_0002.c3d", "--json", js)
    _one_line_error(code, err, 2, "already exists", "--force")
    assert js.read_text() == "precious"
    code, _, err = run_cli("analyze", mocap_dir / "Running_0002.c3d", "--json", js, "--force", "-q")
    assert code == 0 and js.read_text().startswith("{")


def test_unwritable_output_folder(mocap_dir: Path, tmp_path: Path, run_cli) -> None:
    """The output's folder cannot exist (a file is in the way): refused before any work."""
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, _, err = run_cli("analyze", mocap_dir / "Running_0002.c3d", "--json", blocker / "r.json")
    _one_line_error(code, err, 2, "not writable")
    assert blocker.read_text() == "x"


@pytest.mark.parametrize(
    ("make", "code", "fragments"),
    [
        (lambda d, s: d / "empty.c3d", 2, ("is empty (0 bytes)",)),
        (lambda d, s: d / "cut.c3d", 2, ("truncated",)),
        (lambda d, s: d / "text.c3d", 2, ("not a C3D file", "looks like text")),
        (lambda d, s: d / "text.mp4", 2, ("text",)),
        (lambda d, s: d / "missing.c3d", 2, ("does not exist",)),
        (lambda d, s: d / "nan.txt", 2, ("no marker positions",)),
    ],
    ids=["empty", "truncated-c3d", "text-named-c3d", "text-named-mp4", "missing-file", "all-nan"],
)
def test_bad_files(
    make, code: int, fragments: tuple[str, ...], mocap_dir: Path, tmp_path: Path, run_cli
) -> None:
    (tmp_path / "empty.c3d").write_bytes(b"")
    (tmp_path / "cut.c3d").write_bytes((mocap_dir / "Running_0002.c3d").read_bytes()[:3000])
    (tmp_path / "text.c3d").write_text("just some text\n")
    (tmp_path / "text.mp4").write_text("just some text\n")
    (tmp_path / "nan.txt").write_text("Time\tAX\tAY\tAZ\n0\tNaN\tNaN\tNaN\n0.01\tNaN\tNaN\tNaN\n")
    out = tmp_path / "out.json"
    c, _, err = run_cli("analyze", make(tmp_path, mocap_dir), "--json", out)
    _one_line_error(c, err, code, *fragments)
    assert not out.exists()


def test_wrong_extension_is_read_by_content(mocap_dir: Path, tmp_path: Path, run_cli) -> None:
    renamed = tmp_path / "trial.txt"
    shutil.copy(mocap_dir / "Running_0002.c3d", renamed)
    code, _, err = run_cli("analyze", renamed, "--json", tmp_path / "r.json", "-q")
    assert code == 0, err
    assert len(json.loads((tmp_path / "r.json").read_text())["stances"]) == 1


def test_missing_markers(rbds001: MarkerData, tmp_path: Path, run_cli) -> None:
    """The RBDS running trial without its static trial beside it: no knee or ankle landmarks."""
    path = write_table(rbds001, tmp_path / "trial.txt", rows=slice(0, 900))
    code, _, err = run_cli("analyze", path)
    _one_line_error(code, err, 2, "cannot find the markers for", "ankle", "--markers")


def test_missing_markers_named_by_mapping(
    rbds001: MarkerData, mocap_dir: Path, tmp_path: Path, run_cli
) -> None:
    path = write_table(rbds001, tmp_path / "trial.txt", rows=slice(0, 1500))
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "left_asis": "L.ASIS",
                "right_asis": "R.ASIS",
                "left_psis": "L.PSIS",
                "right_psis": "R.PSIS",
                "left_ankle": "L.Heel.Top",
                "right_ankle": "R.Heel.Top",
                "left_heel": "L.Heel.Bottom",
                "right_heel": "R.Heel.Bottom",
                "left_toe": ["L.MT1", "L.MT5"],
                "right_toe": ["R.MT1", "R.MT5"],
            }
        )
    )
    code, _, err = run_cli("analyze", path, "--markers", mapping, "--json", tmp_path / "r.json", "-q")
    assert code == 0, err
    d = json.loads((tmp_path / "r.json").read_text())
    assert len(d["stances"]) >= 15
    assert any(w["code"] == "no_knee_marker" for w in d["warnings"])


def test_standing_still(mocap_dir: Path, tmp_path: Path, run_cli) -> None:
    code, _, err = run_cli("analyze", mocap_dir / "RBDS001static.txt", "--json", tmp_path / "r.json")
    _one_line_error(code, err, 3, "no complete stance")


def test_shorter_than_a_stride(rbds001: MarkerData, mocap_dir: Path, tmp_path: Path, run_cli) -> None:
    path = write_table(rbds001, tmp_path / "RBDS001short.txt", rows=slice(0, 40))
    code, _, err = run_cli("analyze", path, "--static", mocap_dir / "RBDS001static.txt")
    _one_line_error(code, err, 3, "no complete stance")


def test_metres_labelled_as_millimetres(
    rbds001: MarkerData, mocap_dir: Path, tmp_path: Path, run_cli
) -> None:
    """A marker table written in metres where millimetres are expected: read correctly, with a
    warning — never a silent wrong number."""
    mm = write_table(rbds001, tmp_path / "mm.txt", rows=slice(0, 1500))
    m = write_table(rbds001, tmp_path / "m.txt", rows=slice(0, 1500), scale=1.0)
    static = mocap_dir / "RBDS001static.txt"
    for p in (mm, m):
        code, _, err = run_cli("analyze", p, "--static", static, "--json", p.with_suffix(".json"), "-q")
        assert code == 0, err
    a, b = (json.loads(p.with_suffix(".json").read_text()) for p in (mm, m))
    assert any(w["code"] == "units_mismatch" for w in b["warnings"])
    assert not any(w["code"] == "units_mismatch" for w in a["warnings"])
    off_a = [s["hip_ankle_offset_m"] for s in a["stances"]]
    off_b = [s["hip_ankle_offset_m"] for s in b["stances"]]
    assert off_a == pytest.approx(off_b, abs=1e-4)


def test_bad_arguments(mocap_dir: Path, run_cli) -> None:
    code, _, err = run_cli("analyze", mocap_dir / "Running_0002.c3d", "--height-cm", "1.78")
    _one_line_error(code, err, 2, "not a plausible height")
    code, _, err = run_cli("analyze", mocap_dir / "Running_0002.c3d", "--slope-pct", "abc")
    _one_line_error(code, err, 2, "invalid float value")
    code, _, err = run_cli("analyze")
    _one_line_error(code, err, 2, "required")


def test_internal_error_is_one_line_with_where_to_report(mocap_dir: Path, monkeypatch, run_cli) -> None:
    import midstance.pipeline as pipeline

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pipeline, "load_input", boom)
    code, _, err = run_cli("analyze", mocap_dir / "Running_0002.c3d")
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "This is a bug" in err and "Traceback" not in err
