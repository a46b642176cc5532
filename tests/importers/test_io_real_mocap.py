"""Every motion-capture reader on the real files of ../shared/data/mocap (facts from its README)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from midstance.io import find_static_trial, load_markers, read_c3d, read_marker_table, read_rbds_txt, sniff
from midstance.mocap.data import MarkerData


@pytest.fixture(scope="module")
def rbds001(mocap_dir: Path) -> MarkerData:
    return read_rbds_txt(mocap_dir / "RBDS001runT25markers.txt")


@pytest.fixture(scope="module")
def rbds002(mocap_dir: Path) -> MarkerData:
    return read_rbds_txt(mocap_dir / "RBDS002runT45markers.txt")


@pytest.fixture(scope="module")
def running0002(mocap_dir: Path) -> MarkerData:
    return read_c3d(mocap_dir / "Running_0002.c3d")


def test_rbds_running_trial_layout(rbds001: MarkerData) -> None:
    assert len(rbds001.markers) == 32
    assert rbds001.rate_hz == 150.0  # from the 3-decimal Time column, snapped
    assert rbds001.n_frames == 4500
    assert rbds001.time_s[0] == 0.0
    assert rbds001.time_s[-1] == pytest.approx(4499 / 150)
    np.testing.assert_allclose(np.diff(rbds001.time_s), 1 / 150)
    assert rbds001.units_in_file == "mm"
    assert all(v.shape == (4500, 3) for v in rbds001.markers.values())
    assert rbds001.warnings == ()


def test_rbds_documented_axes(rbds001: MarkerData) -> None:
    assert (rbds001.up_axis, rbds001.up_sign) == (1, 1.0)
    assert (rbds001.forward_axis, rbds001.forward_sign) == (0, 1.0)
    assert rbds001.treadmill is True
    # X forward: the ASIS are ahead of the PSIS; Z right: the right ASIS has the larger Z.
    asis = np.nanmean(rbds001.markers["R.ASIS"], axis=0)
    psis = np.nanmean(rbds001.markers["R.PSIS"], axis=0)
    assert asis[0] > psis[0]
    assert asis[2] > np.nanmean(rbds001.markers["L.ASIS"], axis=0)[2]


def test_rbds_metres(rbds001: MarkerData) -> None:
    pelvis_height = np.nanmedian(rbds001.markers["R.ASIS"][:, 1])
    assert 0.9 < pelvis_height < 1.1
    heel_height = np.nanmedian(rbds001.markers["R.Heel.Bottom"][:, 1])
    assert 0.0 < heel_height < 0.2


def test_rbds_forces_read(rbds001: MarkerData, rbds002: MarkerData) -> None:
    for trial in (rbds001, rbds002):
        assert len(trial.plates) == 1
        plate = trial.plates[0]
        assert plate.rate_hz == 300.0
        assert plate.force_n.shape == (9000, 3)
        assert plate.force_n[:, 1].max() > 1000.0  # vertical GRF is Fy, in newtons
        assert plate.cop_m is not None
        # COP was in mm: the treadmill's COP lies within a few metres of the lab origin.
        assert np.nanmax(np.abs(plate.cop_m)) < 5.0
        assert trial.meta["forces_file"].endswith("forces.txt")


def test_rbds002_gaps_are_nan(rbds002: MarkerData) -> None:
    missing = ~np.isfinite(rbds002.markers["L.PSIS"]).all(axis=1)
    assert int(missing.sum()) == 422
    thigh = ~np.isfinite(rbds002.markers["R.Thigh.Bottom.Medial"]).all(axis=1)
    assert 600 < int(thigh.sum()) < 660  # README: about 630


def test_rbds_static_trial(mocap_dir: Path) -> None:
    static = read_rbds_txt(mocap_dir / "RBDS001static.txt")
    assert len(static.markers) == 48
    assert static.n_frames == 150
    assert static.rate_hz == 150.0
    assert {"R.Knee", "L.Knee", "R.Ankle", "L.Ankle", "R.GTR"} <= static.markers.keys()
    assert static.plates == ()
    assert static.warnings == ()  # a static trial has no forces file to miss


def test_c3d_real_file(running0002: MarkerData) -> None:
    m = running0002
    assert len(m.markers) == 64
    assert m.rate_hz == 200.0
    assert m.n_frames == 80
    assert m.time_s[0] == 0.0  # the header's first frame is 442
    assert m.meta["first_frame"] == "442"
    assert m.time_s[-1] == pytest.approx(79 / 200)
    assert m.units_in_file == "mm"
    assert m.up_axis is None and m.forward_axis is None  # C3D does not document lab axes
    assert all(np.isfinite(v).all() for v in m.markers.values())  # README: no gaps
    assert 0.85 < np.median(m.markers["RASIS"][:, 2]) < 1.1  # Z up, metres
    assert "RAnkleLat" in m.markers and "LBackAsis" in m.markers


def test_c3d_force_plates(running0002: MarkerData) -> None:
    plates = running0002.plates
    assert len(plates) == 2
    assert all(p.rate_hz == 2000.0 for p in plates)
    assert plates[0].force_n.shape == (800, 3)
    assert np.abs(plates[0].force_n[:, 2]).max() > 1000.0  # the right foot lands on plate 1
    assert np.abs(plates[1].force_n).max() < 50.0  # plate 2 stays unloaded
    loaded = np.abs(plates[0].force_n[:, 2]) > 200
    assert plates[0].cop_m is not None
    cop = plates[0].cop_m[loaded]
    assert np.all(np.abs(cop[:, :2]) < 3.0)  # metres, not millimetres


def test_c3d_renamed_txt_is_still_c3d(mocap_dir: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "Running_0002.txt"
    renamed.write_bytes((mocap_dir / "Running_0002.c3d").read_bytes())
    assert sniff(renamed) == "c3d"
    m = load_markers(renamed)
    assert (len(m.markers), m.n_frames, m.rate_hz) == (64, 80, 200.0)


@pytest.mark.parametrize(
    ("name", "kind", "n_markers", "n_frames", "rate"),
    [
        ("RBDS001runT25markers.txt", "rbds", 32, 4500, 150.0),
        ("RBDS002static.txt", "rbds", 48, 150, 150.0),
        ("Running_0002.c3d", "c3d", 64, 80, 200.0),
    ],
)
def test_load_markers_dispatch(
    mocap_dir: Path, name: str, kind: str, n_markers: int, n_frames: int, rate: float
) -> None:
    assert sniff(mocap_dir / name) == kind
    m = load_markers(mocap_dir / name)
    assert (len(m.markers), m.n_frames, m.rate_hz) == (n_markers, n_frames, rate)
    assert m.meta["format"] == kind


def test_find_static_trial_real(mocap_dir: Path) -> None:
    assert find_static_trial(mocap_dir / "RBDS001runT25markers.txt") == mocap_dir / "RBDS001static.txt"
    assert find_static_trial(mocap_dir / "RBDS002runT45markers.txt") == mocap_dir / "RBDS002static.txt"
    assert find_static_trial(mocap_dir / "Running_0002.c3d") is None
    assert find_static_trial(mocap_dir / "RBDS001static.txt") is None


def test_units_override_on_real_file(mocap_dir: Path) -> None:
    m = read_rbds_txt(mocap_dir / "RBDS001static.txt", units="m")
    assert m.units_in_file == "m"
    assert 900 < np.nanmedian(m.markers["R.ASIS"][:, 1]) < 1100  # the numbers taken as metres
    assert [code for code, _ in m.warnings] == ["units_implausible"]


def test_generic_table_reader_on_rbds_file(mocap_dir: Path) -> None:
    """As a plain marker table the same file gives the same metres, but no documented axes."""
    generic = read_marker_table(mocap_dir / "RBDS002static.txt")
    rbds = read_rbds_txt(mocap_dir / "RBDS002static.txt")
    assert generic.markers.keys() == rbds.markers.keys()
    np.testing.assert_array_equal(generic.markers["L.Ankle"], rbds.markers["L.Ankle"])
    assert generic.up_axis is None and generic.forward_axis is None and generic.treadmill is None
    assert generic.units_in_file == "mm"
    assert [code for code, _ in generic.warnings] == ["units_assumed"]  # the file itself names no unit
