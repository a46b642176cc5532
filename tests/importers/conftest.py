"""Fixtures for the importer tests: the shared real data, and writers of small synthetic files.

Helpers are handed out as fixtures (not imported) so the tests do not depend on ``sys.path``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pytest

#: a standing-running person in metres, X forward, Y up, Z right (head to toe about 1.7 m)
_BODY_M = {
    "LASI": (0.10, 1.00, -0.12),
    "RASI": (0.10, 1.00, 0.12),
    "LPSI": (-0.08, 1.05, -0.05),
    "RPSI": (-0.08, 1.05, 0.05),
    "LKNE": (0.12, 0.52, -0.10),
    "RKNE": (0.02, 0.50, 0.10),
    "LANK": (0.02, 0.10, -0.10),
    "RANK": (-0.10, 0.12, 0.10),
    "LHEE": (-0.04, 0.06, -0.10),
    "RHEE": (-0.16, 0.08, 0.10),
    "LTOE": (0.16, 0.03, -0.10),
    "RTOE": (0.04, 0.05, 0.10),
    "HEAD": (0.05, 1.74, 0.00),
}


def human_markers(n: int = 50, rate_hz: float = 100.0) -> dict[str, np.ndarray]:
    """Markers in metres with a little running-like motion (deterministic)."""
    t = np.arange(n) / rate_hz
    out = {}
    for i, (name, (x, y, z)) in enumerate(_BODY_M.items()):
        out[name] = np.column_stack(
            [
                x + 0.05 * np.sin(2 * np.pi * 1.4 * t + i),
                y + 0.02 * np.sin(2 * np.pi * 2.8 * t + i),
                z + 0.01 * np.cos(2 * np.pi * 1.4 * t),
            ]
        )
    return out


def _fmt(v: float) -> str:
    return "" if not np.isfinite(v) else f"{v:.6f}"


def write_trc(
    path: Path,
    markers: Mapping[str, np.ndarray],
    rate_hz: float,
    units: str = "mm",
    start_time_s: float = 0.0,
) -> Path:
    """An OpenSim TRC as OpenSim/Vicon write it; NaN samples become empty cells."""
    names = list(markers)
    n = next(iter(markers.values())).shape[0]
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate_hz:.2f}\t{rate_hz:.2f}\t{n}\t{len(names)}\t{units}\t{rate_hz:.2f}\t1\t{n}",
        "Frame#\tTime\t" + "\t".join(f"{m}\t\t" for m in names),
        "\t\t" + "\t".join(f"X{i + 1}\tY{i + 1}\tZ{i + 1}" for i in range(len(names))),
        "",
    ]
    for i in range(n):
        cells = [str(i + 1), f"{start_time_s + i / rate_hz:.5f}"]
        for m in names:
            cells += [_fmt(v) for v in markers[m][i]]
        lines.append("\t".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def write_mot(
    path: Path, plates: Mapping[str, np.ndarray], rate_hz: float, start_time_s: float = 0.0
) -> Path:
    """An OpenSim ``.mot`` of ground reaction forces: ``plates`` maps a column prefix (e.g.
    ``ground_force``, ``1_ground_force``) to an (n, 6) array of force xyz (N) and COP xyz (m)."""
    prefixes = list(plates)
    n = next(iter(plates.values())).shape[0]
    columns = ["time"]
    for p in prefixes:
        columns += [f"{p}_v{a}" for a in "xyz"] + [f"{p}_p{a}" for a in "xyz"]
    columns += ["ground_torque_x", "ground_torque_y", "ground_torque_z"]
    lines = [path.name, "version=1", f"nRows={n}", f"nColumns={len(columns)}", "inDegrees=yes", "endheader"]
    lines.append("\t".join(columns))
    for i in range(n):
        row = [f"{start_time_s + i / rate_hz:.6f}"]
        for p in prefixes:
            row += [f"{v:.6f}" for v in plates[p][i]]
        row += ["0", "0", "0"]
        lines.append("\t".join(row))
    path.write_text("\n".join(lines) + "\n")
    return path


def write_c3d(
    path: Path,
    markers: Mapping[str, np.ndarray],
    rate_hz: float,
    units: str = "mm",
    extra_point_groups: Mapping[str, list[str]] | None = None,
) -> Path:
    """A C3D written with ezc3d; NaN samples are stored the way many writers do, as (0, 0, 0)."""
    import ezc3d

    names = list(markers)
    n = next(iter(markers.values())).shape[0]
    pts = np.ones((4, len(names), n))
    for k, name in enumerate(names):
        xyz = np.nan_to_num(np.asarray(markers[name], dtype=float), nan=0.0)
        pts[:3, k, :] = xyz.T
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [float(rate_hz)]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = tuple(names)
    c3d["data"]["points"] = pts
    c3d.add_parameter("POINT", "UNITS", [units])
    for group, labels in (extra_point_groups or {}).items():
        c3d.add_parameter("POINT", group, labels)
    c3d.write(str(path))
    return path


def write_openpose_frame(path: Path, people: list[np.ndarray]) -> Path:
    """One OpenPose ``*_keypoints.json``: each person an (k, 3) array of x, y, confidence."""
    doc = {
        "version": 1.3,
        "people": [
            {
                "person_id": [-1],
                "pose_keypoints_2d": [float(v) for v in p.reshape(-1)],
                "face_keypoints_2d": [],
            }
            for p in people
        ],
    }
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The repository root's sibling ``shared/data`` (read-only), or ``$MIDSTANCE_SHARED_DATA``
    as in tests/conftest.py. Missing data fails the tests rather than skipping them."""
    default = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    root = Path(os.environ.get("MIDSTANCE_SHARED_DATA", default))
    if not (root / "mocap").is_dir():
        pytest.fail(f"shared data not found at {root} (set MIDSTANCE_SHARED_DATA)")
    return root


@pytest.fixture(scope="session")
def mocap_dir(shared_data: Path) -> Path:
    return shared_data / "mocap"


@pytest.fixture
def human() -> Callable[..., dict[str, np.ndarray]]:
    return human_markers


@pytest.fixture
def trc_writer() -> Callable[..., Path]:
    return write_trc


@pytest.fixture
def mot_writer() -> Callable[..., Path]:
    return write_mot


@pytest.fixture
def c3d_writer() -> Callable[..., Path]:
    return write_c3d


@pytest.fixture
def openpose_writer() -> Callable[..., Path]:
    return write_openpose_frame
