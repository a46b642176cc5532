"""OpenPose JSON folders: models, frame order, missing points and following one person."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from midstance.errors import InputError
from midstance.io import load_keypoints, read_openpose_dir, sniff
from midstance.io.openpose import BODY_25, COCO_18


def _person(index: dict[str, int], k: int, centre: tuple[float, float], scale: float) -> np.ndarray:
    """A pose of ``k`` keypoints: each known point at a fixed offset from ``centre``; others unseen."""
    offsets = {
        "nose": (0, -0.9),
        "neck": (0, -0.75),
        "left_shoulder": (0.05, -0.7),
        "right_shoulder": (-0.05, -0.7),
        "left_hip": (0.04, -0.2),
        "right_hip": (-0.04, -0.2),
        "mid_hip": (0, -0.2),
        "left_knee": (0.08, 0.2),
        "right_knee": (-0.05, 0.2),
        "left_ankle": (0.05, 0.6),
        "right_ankle": (-0.1, 0.55),
        "left_heel": (0.02, 0.62),
        "right_heel": (-0.13, 0.57),
        "left_toe": (0.15, 0.64),
        "right_toe": (-0.02, 0.6),
    }
    arr = np.zeros((k, 3))
    for name, j in index.items():
        if name in offsets:
            dx, dy = offsets[name]
            arr[j] = (centre[0] + dx * scale, centre[1] + dy * scale, 0.8)
    return arr


def test_body25_points_times_and_order(tmp_path: Path, openpose_writer: Callable[..., Path]) -> None:
    # Written out of order, with numbers whose text order differs from their numeric order.
    for frame in (10, 2, 9, 1, 3):
        pose = _person(BODY_25, 25, (100.0 + frame, 500.0), 400.0)
        if frame == 3:
            pose[BODY_25["left_heel"], 2] = 0.0  # confidence 0: missing
        openpose_writer(tmp_path / f"clip_{frame:d}_keypoints.json", [pose])
    kp = read_openpose_dir(tmp_path, fps=50)
    np.testing.assert_allclose(kp.time_s, np.array([0, 1, 2, 8, 9]) / 50)
    assert kp.points["left_hip"][:, 0].tolist() == pytest.approx(
        [101 + 16, 102 + 16, 103 + 16, 109 + 16, 110 + 16]
    )
    assert {"left_heel", "right_heel", "left_toe", "right_toe", "nose"} <= kp.points.keys()
    assert np.isnan(kp.points["left_heel"][2]).all() and kp.conf("left_heel")[2] == 0.0
    assert np.isfinite(kp.points["left_heel"][3]).all()
    assert kp.meta["model"] == "BODY_25"
    assert "frames_missing" in dict(kp.import_warnings)
    assert kp.source.fps == 50 and kp.source.frame_count == 5


def test_coco18_has_no_feet(tmp_path: Path, openpose_writer) -> None:
    for frame in range(4):
        openpose_writer(tmp_path / f"v_{frame:012d}_keypoints.json", [_person(COCO_18, 18, (300, 300), 300)])
    kp = read_openpose_dir(tmp_path, fps=30)
    assert kp.meta["model"] == "COCO"
    assert "left_heel" not in kp.points and "left_toe" not in kp.points
    np.testing.assert_allclose(kp.points["right_ankle"][0], (300 - 0.1 * 300, 300 + 0.55 * 300))


def test_follows_one_person_among_several(tmp_path: Path, openpose_writer) -> None:
    """The runner (largest at the start) crosses the frame; a bystander stands still; in frame 5
    the runner is not detected and the bystander must not be taken instead."""
    n = 12
    for i in range(n):
        runner = _person(BODY_25, 25, (100.0 + 40 * i, 500.0), 400.0)
        bystander = _person(BODY_25, 25, (900.0, 450.0), 250.0)
        people = [bystander] if i == 5 else [bystander, runner] if i % 2 == 0 else [runner, bystander]
        openpose_writer(tmp_path / f"f_{i:04d}_keypoints.json", people)
    kp = read_openpose_dir(tmp_path, fps=30)
    hip_x = kp.points["left_hip"][:, 0]
    expected = 100.0 + 40 * np.arange(n) + 0.04 * 400
    expected[5] = np.nan
    np.testing.assert_allclose(hip_x, expected)
    codes = dict(kp.import_warnings)
    assert "people_multiple" in codes and "person_lost" in codes


def test_empty_frames_are_missing_not_errors(tmp_path: Path, openpose_writer) -> None:
    openpose_writer(tmp_path / "a_0_keypoints.json", [])
    openpose_writer(tmp_path / "a_1_keypoints.json", [_person(BODY_25, 25, (100, 100), 200)])
    openpose_writer(tmp_path / "a_2_keypoints.json", [_person(BODY_25, 25, (105, 100), 200)])
    kp = read_openpose_dir(tmp_path, fps=10)
    assert np.isnan(kp.points["nose"][0]).all()
    assert np.isfinite(kp.points["nose"][1:]).all()


def test_sniff_and_load_openpose_folder(tmp_path: Path, openpose_writer) -> None:
    for i in range(3):
        openpose_writer(tmp_path / f"x_{i}_keypoints.json", [_person(BODY_25, 25, (100, 100), 200)])
    assert sniff(tmp_path) == "openpose"
    assert load_keypoints(tmp_path, fps=30).n_frames == 3
    with pytest.raises(InputError, match=r"OpenPose JSON has no time stamps; pass --fps"):
        load_keypoints(tmp_path)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"a_1_keypoints.json": "{not json", "a_2_keypoints.json": '{"people": []}'},
            r"is not readable OpenPose JSON",
        ),
        (
            {"a_1_keypoints.json": '{"people": []}', "a_2_keypoints.json": '{"people": []}'},
            r"OpenPose found nobody",
        ),
        (
            {
                "a_1_keypoints.json": '{"people": [{"pose_keypoints_2d": [1, 2, 0.5, 3, 4, 0.5]}]}',
                "a_2_keypoints.json": '{"people": []}',
            },
            r"poses have \[2\] points; expected 25 \(BODY_25\) or 18 \(COCO\)",
        ),
        ({"a_1_keypoints.json": '{"people": []}'}, r"holds 1 OpenPose frame; at least 2 frames are needed"),
        (
            {"a_1_keypoints.json": '{"x": 1}', "a_2_keypoints.json": '{"x": 1}'},
            r"not an OpenPose keypoints file",
        ),
    ],
)
def test_openpose_errors(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=message):
        read_openpose_dir(tmp_path, fps=30)


def test_openpose_bad_fps(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"--fps must be a positive number"):
        read_openpose_dir(tmp_path, fps=0)
