"""Keypoint CSV (DESIGN.md §2): reading every variant of the spec, writing, and the round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from midstance.core.series import ImageKeypoints, SourceInfo, WorldKeypoints
from midstance.errors import InputError
from midstance.io import load_keypoints, read_keypoint_csv, sniff, write_keypoint_csv


def _image_series(n: int = 25) -> ImageKeypoints:
    rng = np.random.default_rng(3)
    t = np.cumsum(np.r_[0.0, rng.uniform(0.030, 0.037, n - 1)])  # variable frame rate
    points = {
        "left_hip": rng.uniform(0, 720, (n, 2)),
        "right_hip": rng.uniform(0, 720, (n, 2)),
        "left_ankle": rng.uniform(0, 1280, (n, 2)),
        "left_toe": rng.uniform(0, 1280, (n, 2)),
        "left_elbow": rng.uniform(0, 720, (n, 2)),  # not a contract point: carried along
    }
    points["left_ankle"][4:7] = np.nan
    conf = {"left_hip": rng.uniform(0, 1, n), "left_ankle": rng.uniform(0, 1, n)}
    return ImageKeypoints(
        time_s=t,
        points=points,
        confidence=conf,
        source=SourceInfo(path="clip.mp4", kind="video", fps=30.0, width_px=720, height_px=1280),
        width_px=720,
        height_px=1280,
    )


def _assert_same(a: ImageKeypoints | WorldKeypoints, b: ImageKeypoints | WorldKeypoints) -> None:
    np.testing.assert_array_equal(a.time_s, b.time_s)
    assert set(a.points) == set(b.points)
    for k in a.points:
        np.testing.assert_array_equal(a.points[k], b.points[k])  # exact, NaN in the same places
    assert set(a.confidence) == set(b.confidence)
    for k in a.confidence:
        np.testing.assert_array_equal(a.confidence[k], b.confidence[k])


def test_round_trip_image(tmp_path: Path) -> None:
    kp = _image_series()
    path = write_keypoint_csv(kp, tmp_path / "kp.csv")
    back = read_keypoint_csv(path)
    assert isinstance(back, ImageKeypoints)
    _assert_same(kp, back)
    assert (back.width_px, back.height_px) == (720, 1280)
    assert back.source.fps == 30.0 and back.source.kind == "keypoints"
    assert back.import_warnings == ()
    text = path.read_text().splitlines()
    assert text[:4] == ["# fps=30", "# width=720", "# height=1280", "# units=px"]
    assert text[4].startswith("time_s,left_hip_x,left_hip_y,left_hip_conf,right_hip_x")


def test_round_trip_world_z_up_with_frames(tmp_path: Path) -> None:
    n = 12
    rng = np.random.default_rng(5)
    kp = WorldKeypoints(
        time_s=np.arange(n) / 100.0,
        points={"left_hip": rng.normal(size=(n, 3)), "right_knee": rng.normal(size=(n, 3))},
        up_axis=2,
    )
    path = write_keypoint_csv(kp, tmp_path / "w.csv", frames=list(range(10, 10 + n)))
    back = read_keypoint_csv(path)
    assert isinstance(back, WorldKeypoints)
    assert back.up_axis == 2
    _assert_same(kp, back)
    assert "frame" in path.read_text().splitlines()[2].split(",")


def test_writer_refuses_an_up_axis_the_format_cannot_say(tmp_path: Path) -> None:
    kp = WorldKeypoints(
        time_s=np.arange(3) / 10, points={"left_hip": np.zeros((3, 3))}, up_axis=1, up_sign=-1.0
    )
    with pytest.raises(ValueError, match="up = \\+y or \\+z"):
        write_keypoint_csv(kp, tmp_path / "x.csv")


def test_spec_example_with_fps_only_and_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(
        "# fps=50\n# units=px\nframe,left_hip_x,left_hip_y,left_hip_conf,nose_x,nose_y\n"
        "0,10,20,0.9,1,2\n1,11,21,0.8,,\n3,13,23,1.0,3,4\n"
    )
    kp = read_keypoint_csv(path)
    assert isinstance(kp, ImageKeypoints)
    np.testing.assert_allclose(kp.time_s, [0.0, 0.02, 0.06])  # frame 2 is missing: time follows the frames
    assert np.isnan(kp.points["nose"][1]).all()
    assert kp.conf("nose").tolist() == [1.0, 0.0, 1.0]
    np.testing.assert_allclose(kp.confidence["left_hip"], [0.9, 0.8, 1.0])


def test_time_s_wins_over_fps_and_starts_at_zero(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("# fps=30\ntime_s,left_knee_x,left_knee_y\n5.0,1,1\n5.01,2,2\n5.03,3,3\n")
    kp = read_keypoint_csv(path, fps=60)
    np.testing.assert_allclose(kp.time_s, [0.0, 0.01, 0.03])
    assert kp.meta["time_offset_s"] == "5.0"


def test_fps_argument_without_time(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("left_knee_x,left_knee_y\n1,1\n2,2\n3,3\n")
    with pytest.raises(InputError, match=r"n\.csv has no time_s column and no '# fps=' line; pass --fps"):
        read_keypoint_csv(path)
    kp = read_keypoint_csv(path, fps=25)
    np.testing.assert_allclose(kp.time_s, [0.0, 0.04, 0.08])
    assert kp.source.fps == 25


def test_world_csv_default_up_is_y_and_2d_allowed(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text(
        "# units=m\ntime_s,left_hip_x,left_hip_y,left_ankle_x,left_ankle_y,left_ankle_z\n"
        "0,0,1,0,0.1,0\n0.01,0.03,1,0,0.1,0\n"
    )
    kp = read_keypoint_csv(path)
    assert isinstance(kp, WorldKeypoints)
    assert kp.up_axis == 1
    assert kp.points["left_hip"].shape == (2, 2) and kp.points["left_ankle"].shape == (2, 3)


def test_pixel_csv_with_z_drops_it_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "z.csv"
    path.write_text("time_s,left_hip_x,left_hip_y,left_hip_z\n0,1,2,3\n0.1,1,2,3\n")
    kp = read_keypoint_csv(path)
    assert kp.points["left_hip"].shape == (2, 2)
    assert "z_ignored" in dict(kp.import_warnings)


def test_load_keypoints_and_sniff_keypoint_csv(tmp_path: Path) -> None:
    path = write_keypoint_csv(_image_series(5), tmp_path / "x.csv")
    assert sniff(path) == "keypoint_csv"
    assert isinstance(load_keypoints(path), ImageKeypoints)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# units=ft\ntime_s,left_hip_x,left_hip_y\n0,1,1\n1,1,1\n",
            r"'# units=ft' is not supported; use px .* or m",
        ),
        (
            "# units=m\n# up=x\ntime_s,left_hip_x,left_hip_y\n0,1,1\n1,1,1\n",
            r"'# up=x' is not supported; use y or z",
        ),
        ("time_s,left_hip_x,right_hip_y\n0,1,1\n1,1,1\n", r"point 'left_hip' has no left_hip_y column"),
        (
            "time_s,left_hip_x,left_hip_y\n0,1,1\n",
            r"has 1 row\(s\) of keypoints; at least 2 frames are needed",
        ),
        (
            "time_s,left_hip_x,left_hip_y\n0,1,1\n0,2,2\n",
            r"time_s does not increase at line 3; sort the rows",
        ),
        ("time_s,left_hip_x,left_hip_y\n0,1,1\n,2,2\n", r"line 3 has no time_s value"),
        (
            "time_s,left_hip_x,left_hip_y\n0,1,1\n0.1,abc,2\n",
            r"line 3, column 'left_hip_x': 'abc' is not a number",
        ),
        (
            "time_s,left_hip_x,left_hip_y\n0,,\n0.1,,\n",
            r"holds no keypoint positions \(every cell is empty\)",
        ),
        ("# fps=-3\nleft_hip_x,left_hip_y\n0,1\n1,1\n", r"# fps must be a positive number \(got '-3'\)"),
        ("time_s,a,b\n0,1,1\n0.1,1,1\n", r"has no keypoint columns \(expected <point>_x and <point>_y"),
    ],
)
def test_keypoint_csv_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        read_keypoint_csv(path)
    assert "\n" not in info.value.message
