"""TRC + .mot, synthetic C3D, generic marker tables and static-trial lookup on files made here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from midstance.errors import InputError
from midstance.io import find_static_trial, load_markers, read_c3d, read_marker_table, read_trc, sniff

Markers = dict[str, np.ndarray]


# ------------------------------------------------------------------------------------------ TRC


def test_trc_markers_units_axes_and_gaps(tmp_path: Path, human: Callable[..., Markers], trc_writer) -> None:
    truth = human(n=40, rate_hz=60.0)
    in_mm = {k: v * 1000 for k, v in truth.items()}
    in_mm["LHEE"][5:9] = np.nan  # written as empty cells
    path = trc_writer(tmp_path / "walk.trc", in_mm, 60.0, units="mm", start_time_s=1.25)

    m = read_trc(path)
    assert sniff(path) == "trc"
    assert len(m.markers) == len(truth)
    assert m.n_frames == 40 and m.rate_hz == 60.0
    assert m.time_s[0] == 0.0  # the file starts at 1.25 s
    np.testing.assert_allclose(m.time_s, np.arange(40) / 60.0)
    assert (m.up_axis, m.up_sign) == (1, 1.0)  # OpenSim: Y up
    assert m.forward_axis is None
    np.testing.assert_allclose(m.markers["RASI"], truth["RASI"], atol=1e-6)
    assert np.isnan(m.markers["LHEE"][5:9]).all() and np.isfinite(m.markers["LHEE"][9:]).all()
    assert m.plates == ()


def test_trc_missing_trailing_cells_become_nan(tmp_path: Path, human, trc_writer) -> None:
    truth = {k: v * 1000 for k, v in human(n=10).items()}
    path = trc_writer(tmp_path / "cut.trc", truth, 100.0)
    lines = path.read_text().splitlines()
    # Some writers end a row early when its last markers are missing.
    lines[8] = "\t".join(lines[8].split("\t")[:-3])
    path.write_text("\n".join(lines) + "\n")
    m = read_trc(path)
    last = list(truth)[-1]
    assert np.isnan(m.markers[last][2]).all()
    assert np.isfinite(m.markers[last][3]).all()


def test_trc_with_grf_mot(tmp_path: Path, human, trc_writer, mot_writer) -> None:
    rate, f_rate = 100.0, 1000.0
    trc_writer(tmp_path / "run.trc", {k: v * 1000 for k, v in human(n=50, rate_hz=rate).items()}, rate)
    n_f = 500
    t = np.arange(n_f) / f_rate
    right = np.zeros((n_f, 6))
    right[:, 1] = np.where((t > 0.1) & (t < 0.35), 1500 * np.sin(np.pi * (t - 0.1) / 0.25), 0.0)
    right[:, 3:] = [0.4, 0.0, 0.1]
    left = np.zeros((n_f, 6))
    left[:, 1] = 20.0
    mot_writer(tmp_path / "run_grf.mot", {"ground_force": right, "1_ground_force": left}, f_rate)

    m = read_trc(tmp_path / "run.trc")
    assert m.meta["forces_file"] == "run_grf.mot"
    assert len(m.plates) == 2
    assert m.plates[0].rate_hz == 1000.0
    assert m.plates[0].force_n.shape == (500, 3)
    assert m.plates[0].force_n[:, 1].max() == pytest.approx(1500, rel=1e-3)
    np.testing.assert_allclose(m.plates[1].force_n[:, 1], 20.0)
    assert m.plates[0].cop_m is not None
    np.testing.assert_allclose(m.plates[0].cop_m[0], [0.4, 0.0, 0.1])


def test_mot_named_like_trc_side_prefixes_and_alignment(
    tmp_path: Path, human, trc_writer, mot_writer
) -> None:
    # Markers start at 0.5 s, forces at 0.0 s: force sample 0 must be the markers' first instant.
    trc_writer(tmp_path / "S1.trc", {k: v * 1000 for k, v in human(n=30).items()}, 100.0, start_time_s=0.5)
    n_f = 1000
    plate = np.zeros((n_f, 6))
    plate[:, 1] = np.arange(n_f, dtype=float)  # force = sample index, to see the cut
    mot_writer(tmp_path / "S1.mot", {"R_ground_force": plate, "L_ground_force": plate * 0}, 1000.0)
    m = read_trc(tmp_path / "S1.trc")
    assert len(m.plates) == 2
    assert m.plates[0].force_n[0, 1] == 500.0  # 0.5 s x 1000 Hz dropped
    assert m.plates[0].force_n.shape[0] == 500


def test_mot_without_forces_gives_no_plates(tmp_path: Path, human, trc_writer) -> None:
    trc_writer(tmp_path / "ik.trc", {k: v * 1000 for k, v in human(n=20).items()}, 100.0)
    (tmp_path / "ik.mot").write_text(
        "ik.mot\nversion=1\nnRows=2\nnColumns=2\ninDegrees=yes\nendheader\ntime\tknee_angle_r\n0\t10\n0.01\t11\n"
    )
    m = read_trc(tmp_path / "ik.trc")
    assert m.plates == ()
    assert m.meta.get("forces_file") == "ik.mot"


def test_broken_mot_is_a_warning_not_an_error(tmp_path: Path, human, trc_writer) -> None:
    trc_writer(tmp_path / "b.trc", {k: v * 1000 for k, v in human(n=20).items()}, 100.0)
    (tmp_path / "b_grf.mot").write_text("garbage without header\n1 2 3\n")
    m = read_trc(tmp_path / "b.trc")
    assert m.plates == ()
    assert [code for code, _ in m.warnings] == ["forces_unreadable"]


def test_trc_mm_m_confusion_is_corrected_with_warning(tmp_path: Path, human, trc_writer) -> None:
    truth = human(n=20)
    path = trc_writer(tmp_path / "liar.trc", {k: v * 1000 for k, v in truth.items()}, 100.0, units="m")
    m = read_trc(path)
    assert m.units_in_file == "mm"
    np.testing.assert_allclose(m.markers["HEAD"], truth["HEAD"], atol=1e-6)
    codes = dict(m.warnings)
    assert "units_mismatch" in codes
    assert "says m but its marker spread is 17" in codes["units_mismatch"]
    assert "read as mm; pass --units to override" in codes["units_mismatch"]


def test_units_cm_detected_and_override_wins(tmp_path: Path, human, trc_writer) -> None:
    truth = human(n=20)
    path = trc_writer(tmp_path / "cm.trc", {k: v * 100 for k, v in truth.items()}, 100.0, units="m")
    guessed = read_trc(path)  # 170 m is no person; as cm (1.7 m) or mm (0.17 m) cm is more typical
    assert guessed.units_in_file == "cm"
    assert "units_mismatch" in dict(guessed.warnings)
    forced = read_trc(path, units="cm")
    assert forced.units_in_file == "cm" and forced.warnings == ()
    np.testing.assert_allclose(forced.markers["LTOE"], truth["LTOE"], atol=1e-6)
    with pytest.raises(InputError, match=r"units must be mm, cm or m \(got 'inch'\)"):
        read_trc(path, units="inch")


# ------------------------------------------------------------------------------------------ C3D


def test_c3d_gaps_units_and_model_outputs(tmp_path: Path, human, c3d_writer) -> None:
    truth = human(n=30, rate_hz=120.0)
    in_file = {k: v.copy() for k, v in truth.items()}  # metres
    in_file["RTOE"][10:14] = np.nan  # stored as (0, 0, 0)
    in_file["LKneeAngles"] = np.full((30, 3), 45.0)  # a model output, not a marker
    path = c3d_writer(
        tmp_path / "m.c3d", in_file, 120.0, units="m", extra_point_groups={"ANGLES": ["LKneeAngles"]}
    )

    m = read_c3d(path)
    assert m.rate_hz == 120.0 and m.n_frames == 30
    assert m.units_in_file == "m"
    assert "LKneeAngles" not in m.markers
    assert set(m.markers) == set(truth)
    gap = ~np.isfinite(m.markers["RTOE"]).all(axis=1)
    assert np.flatnonzero(gap).tolist() == [10, 11, 12, 13]
    np.testing.assert_allclose(m.markers["HEAD"], truth["HEAD"], atol=1e-5)


def test_c3d_in_cm(tmp_path: Path, human, c3d_writer) -> None:
    truth = human(n=10)
    path = c3d_writer(tmp_path / "cm.c3d", {k: v * 100 for k, v in truth.items()}, 100.0, units="cm")
    m = read_c3d(path)
    assert m.units_in_file == "cm" and m.warnings == ()
    np.testing.assert_allclose(m.markers["LASI"], truth["LASI"], atol=1e-5)


# ---------------------------------------------------------------------------------- marker tables


def _table(path: Path, header: list[str], rows: list[list[str]], sep: str = ",", comments: str = "") -> Path:
    path.write_text(comments + sep.join(header) + "\n" + "\n".join(sep.join(r) for r in rows) + "\n")
    return path


def _rows(times: np.ndarray, markers: Markers, names: list[str], fmt: str = "{:.4f}") -> list[list[str]]:
    rows = []
    for i, t in enumerate(times):
        row = [fmt.format(t)]
        for name in names:
            row += ["" if not np.isfinite(v) else f"{v:.4f}" for v in markers[name][i]]
        rows.append(row)
    return rows


def test_marker_table_underscore_columns_comma(tmp_path: Path, human) -> None:
    truth = human(n=40, rate_hz=120.0)
    names = list(truth)
    in_mm = {k: v * 1000 for k, v in truth.items()}
    in_mm["LTOE"][3] = np.nan
    header = ["time"] + [f"{n}_{a}" for n in names for a in "xyz"]
    t = np.round(np.arange(40) / 120.0, 3)  # stamps rounded to ms: 120 Hz must still come out
    path = _table(tmp_path / "m.csv", header, _rows(t, in_mm, names, "{:.3f}"), comments="# units=mm\n")

    assert sniff(path) == "marker_table"
    m = read_marker_table(path)
    assert m.rate_hz == 120.0
    np.testing.assert_allclose(m.time_s, np.arange(40) / 120.0)
    assert set(m.markers) == set(names)
    assert m.units_in_file == "mm" and m.warnings == ()
    assert np.isnan(m.markers["LTOE"][3]).all()
    np.testing.assert_allclose(m.markers["RANK"], truth["RANK"], atol=1e-6)
    assert m.up_axis is None and m.treadmill is None


def test_marker_table_tab_xyz_columns_unit_annotation_and_extra_column(tmp_path: Path, human) -> None:
    truth = human(n=20, rate_hz=200.0)
    names = list(truth)
    header = ["Time (s)", "Event"] + [f"{n}{a} (m)" for n in names for a in "XYZ"]
    rows = [[r[0], "0", *r[1:]] for r in _rows(np.arange(20) / 200.0, truth, names)]
    path = _table(tmp_path / "m.tsv", header, rows, sep="\t")
    m = read_marker_table(path)
    assert m.units_in_file == "m"
    assert m.rate_hz == 200.0
    assert dict(m.warnings).keys() == {"columns_ignored"}
    assert "Event" in dict(m.warnings)["columns_ignored"]


def test_marker_table_whitespace_frames_and_rate_comment(tmp_path: Path, human) -> None:
    truth = human(n=12)
    names = list(truth)
    header = ["Frame"] + [f"{n}_{a}" for n in names for a in "xyz"]
    frames = np.array([1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13])  # frame 6 dropped by the exporter
    rows = _rows(frames, {k: v * 1000 for k, v in truth.items()}, names, "{:.0f}")
    path = _table(tmp_path / "frames.txt", header, rows, sep="  ", comments="# rate=50\n")
    m = read_marker_table(path)
    assert m.rate_hz == 50.0
    np.testing.assert_allclose(m.time_s, (frames - 1) / 50.0)  # the gap stays a gap
    assert m.units_in_file == "mm"
    assert "units_assumed" in dict(m.warnings)  # no unit declared anywhere


def test_marker_table_frames_need_a_rate(tmp_path: Path, human) -> None:
    truth = human(n=5)
    names = list(truth)
    header = ["Frame"] + [f"{n}_{a}" for n in names for a in "xyz"]
    path = _table(tmp_path / "f.csv", header, _rows(np.arange(1, 6), truth, names, "{:.0f}"))
    with pytest.raises(InputError, match=r"f\.csv: column 'Frame' counts frames, not seconds; .*--fps"):
        read_marker_table(path)
    assert read_marker_table(path, rate_hz=100).time_s[-1] == pytest.approx(0.04)


def test_marker_table_rate_argument_vs_times(tmp_path: Path, human) -> None:
    truth = human(n=30)
    names = list(truth)
    header = ["time_s"] + [f"{n}_{a}" for n in names for a in "xyz"]
    path = _table(tmp_path / "r.csv", header, _rows(np.arange(30) / 100.0, truth, names))
    m = read_marker_table(path, rate_hz=120.0)
    assert m.rate_hz == 120.0
    assert "rate_mismatch" in dict(m.warnings)


def test_marker_table_irregular_times_are_kept(tmp_path: Path, human) -> None:
    truth = human(n=6)
    names = list(truth)
    header = ["time"] + [f"{n}_{a}" for n in names for a in "xyz"]
    t = np.array([10.0, 10.01, 10.02, 10.05, 10.06, 10.07])
    path = _table(tmp_path / "irr.csv", header, _rows(t, truth, names))
    m = read_marker_table(path)
    np.testing.assert_allclose(m.time_s, t - 10.0, atol=1e-9)
    assert "time_irregular" in dict(m.warnings)


def test_load_markers_dispatches_tables_and_trc(tmp_path: Path, human, trc_writer) -> None:
    truth = human(n=8)
    trc = trc_writer(tmp_path / "a.trc", {k: v * 1000 for k, v in truth.items()}, 100.0)
    assert load_markers(trc).meta["format"] == "trc"
    names = list(truth)
    header = ["time"] + [f"{n}_{a}" for n in names for a in "xyz"]
    table = _table(tmp_path / "a.csv", header, _rows(np.arange(8) / 100, truth, names))
    assert load_markers(table).meta["format"] == "marker_table"


# ---------------------------------------------------------------------------------- static trials


@pytest.mark.parametrize(
    ("trial", "files", "expected"),
    [
        ("RBDS007runT35markers.txt", ["RBDS007static.txt", "RBDS008static.txt"], "RBDS007static.txt"),
        ("RBDS007runT35.c3d", ["RBDS007static.txt", "RBDS007static.c3d"], "RBDS007static.c3d"),
        ("S01_run3.c3d", ["S01_standing.c3d", "S02_static.c3d", "S01_run4.c3d"], "S01_standing.c3d"),
        ("S1_run.trc", ["S10_static.trc"], None),  # S1 is not S10
        ("anna-run.trc", ["anna-static.trc", "static.trc"], "anna-static.trc"),
        ("run.c3d", ["static.c3d"], None),  # no subject id to match
        ("P3_run.c3d", ["P3_static_forces.txt", "P3_static.txt.truth.csv"], None),
    ],
)
def test_find_static_trial_rules(tmp_path: Path, trial: str, files: list[str], expected: str | None) -> None:
    for name in [trial, *files]:
        (tmp_path / name).write_text("x")
    found = find_static_trial(tmp_path / trial)
    assert found == (tmp_path / expected if expected else None)


def test_trc_without_the_axis_row(tmp_path: Path, human, trc_writer) -> None:
    truth = {k: v * 1000 for k, v in human(n=6).items()}
    path = trc_writer(tmp_path / "noaxis.trc", truth, 100.0)
    lines = path.read_text().splitlines()
    del lines[4:6]  # the X1 Y1 Z1 row and the blank line
    path.write_text("\n".join(lines) + "\n")
    m = read_trc(path)
    assert m.n_frames == 6
    np.testing.assert_allclose(m.markers["HEAD"] * 1000, truth["HEAD"], atol=1e-3)


# ------------------------------------------------------------------------------------------ RBDS


def _rbds_pair(tmp_path: Path, human, n: int, force_rows: int | None, forces_text: str | None = None) -> Path:
    truth = human(n=n, rate_hz=150.0)
    names = [f"R.{k}" for k in truth]
    header = ["Time"] + [f"{name}{a}" for name in names for a in "XYZ"]
    rows = _rows(
        np.round(np.arange(n) / 150.0, 3), {f"R.{k}": v * 1000 for k, v in truth.items()}, names, "{:.3f}"
    )
    markers = _table(tmp_path / "RBDS042runT30markers.txt", header, rows, sep="\t")
    if forces_text is not None:
        (tmp_path / "RBDS042runT30forces.txt").write_text(forces_text)
    elif force_rows is not None:
        lines = ["Time\tFx\tFy\tFz\tCOPx\tCOPy\tCOPz\tTy"]
        lines += [f"{i + 1}\t1\t{800 + i}\t2\t1000\t0\t500\t0" for i in range(force_rows)]
        (tmp_path / "RBDS042runT30forces.txt").write_text("\n".join(lines) + "\n")
    return markers


def test_rbds_forces_at_documented_rate(tmp_path: Path, human) -> None:
    m = load_markers(_rbds_pair(tmp_path, human, 150, 300))
    assert m.meta["format"] == "rbds" and m.rate_hz == 150.0
    (plate,) = m.plates
    assert plate.rate_hz == 300.0 and plate.force_n[0].tolist() == [1.0, 800.0, 2.0]
    assert plate.cop_m is not None
    np.testing.assert_allclose(plate.cop_m[0], [1.0, 0.0, 0.5])
    assert m.warnings == ()


def test_rbds_forces_with_another_length_follow_the_markers_span(tmp_path: Path, human) -> None:
    m = load_markers(_rbds_pair(tmp_path, human, 150, 150))
    assert m.plates[0].rate_hz == 150.0
    assert "rate_mismatch" in dict(m.warnings)


def test_rbds_forces_missing_or_broken(tmp_path: Path, human) -> None:
    missing = load_markers(_rbds_pair(tmp_path, human, 30, None))
    assert missing.plates == () and "forces_missing" in dict(missing.warnings)
    broken = load_markers(_rbds_pair(tmp_path, human, 30, None, forces_text="Time\tA\tB\n1\t2\t3\n"))
    assert broken.plates == ()
    assert dict(broken.warnings)["forces_unreadable"].startswith(
        "RBDS042runT30forces.txt has no Fx Fy Fz columns"
    )
