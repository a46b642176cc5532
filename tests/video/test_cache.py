"""The keypoint cache: a keypoint CSV whose header says which video and pose settings made it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import videoclips as vc

from midstance.core.series import ImageKeypoints, SourceInfo
from midstance.pose import PoseSettings, cache, pipeline, video_to_keypoints


def _synthetic() -> ImageKeypoints:
    t = np.array([0.0, 1 / 30, 2 / 30, 0.1])
    xy = np.array([[10.5, 20.25], [np.nan, np.nan], [11.0, 21.0], [12.125, 22.5]])
    return ImageKeypoints(
        time_s=t,
        points={"left_hip": xy, "mp_23": xy.copy()},
        confidence={"left_hip": np.array([0.9, 0.0, 0.5, 1.0]), "mp_23": np.array([0.9, 0.0, 0.5, 1.0])},
        source=SourceInfo("clip.mp4", "video", 30.0, 0.133, 4, 720, 1280, 90),
        meta={"frame_stride": "1"},
        width_px=720,
        height_px=1280,
    )


def test_round_trip(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00" * 3_000_000)
    kp = _synthetic()
    out = cache.save_keypoints(
        kp, tmp_path / "kp.csv", video_path=video, settings={"a": 1}, warnings=[("runner_lost", "gone a=b")]
    )
    text = out.read_text().splitlines()
    assert text[0] == "# midstance_keypoints=1"
    assert "# units=px" in text and "# width=720" in text and "# rotation_deg=90" in text
    assert any(line.startswith("# video_fingerprint=3000000-") for line in text)
    assert "time_s,left_hip_x,left_hip_y,left_hip_conf,mp_23_x,mp_23_y,mp_23_conf" in text
    row = next(line for line in text if line.startswith("0.0333"))
    assert row.split(",")[1:3] == ["", ""]  # a frame without the runner: empty cells
    back, warnings = cache.load_keypoints(out, video)
    assert warnings == [("runner_lost", "gone a=b")]
    np.testing.assert_allclose(back.time_s, kp.time_s, atol=1e-6)
    np.testing.assert_allclose(back.points["left_hip"], kp.points["left_hip"], atol=1e-3)
    np.testing.assert_allclose(back.confidence["left_hip"], kp.confidence["left_hip"], atol=1e-4)
    assert back.source == kp.source.__class__(str(video), "video", 30.0, 0.133, 4, 720, 1280, 90)
    assert back.meta == {"frame_stride": "1"}
    assert cache.load_if_valid(out, video, {"a": 1}) is not None
    assert cache.load_if_valid(out, video, {"a": 2}) is None  # other pose settings
    with video.open("ab") as fh:
        fh.write(b"\x01")  # another file
    assert cache.load_if_valid(out, video, {"a": 1}) is None


def test_fingerprint_sees_the_end_of_a_large_file(tmp_path: Path) -> None:
    a = tmp_path / "a.bin"
    a.write_bytes(b"\x00" * 5_000_000)
    before = cache.video_fingerprint(a)
    data = bytearray(a.read_bytes())
    data[-10] = 1
    a.write_bytes(bytes(data))
    assert cache.video_fingerprint(a) != before


def test_a_rerun_loads_the_cache_instead_of_running_pose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = vc.write_clip(tmp_path / "cut.mp4", vc.gaitlab_frames(30), crf=16)
    store = tmp_path / "cut.keypoints.csv"
    first, w1 = video_to_keypoints(clip, workers=1, cache_path=store)
    assert store.is_file()

    def no_pose(*args: object, **kwargs: object) -> None:
        raise AssertionError("pose ran although the cache was valid")

    monkeypatch.setattr(pipeline, "run_pose", no_pose)
    again, w2 = video_to_keypoints(clip, workers=1, cache_path=store)
    assert w2 == w1
    np.testing.assert_allclose(again.time_s, first.time_s, atol=1e-6)
    np.testing.assert_allclose(again.points["left_ankle"], first.points["left_ankle"], atol=1e-3)
    assert again.source.frame_count == 30 and again.width_px == 720
    # other pose settings must not reuse it
    other = PoseSettings(frame_stride=2).cache_key()
    assert cache.load_if_valid(store, clip, other) is None
    with pytest.raises(AssertionError, match="pose ran"):
        video_to_keypoints(clip, workers=1, cache_path=store, frame_stride=2)
