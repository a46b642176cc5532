"""Pose on the real runner clip and on variants of it: rotated, mirrored, re-timed, slowed, cut."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import videoclips as vc

from midstance.core.analysis import analyze
from midstance.core.series import CONTRACT_POINTS, ImageKeypoints
from midstance.pipeline import InputOptions, load_video
from midstance.pose import video_to_keypoints

Result = tuple[ImageKeypoints, list[tuple[str, str]]]

N_CUT = 90  # 3 s variants: enough for the tracker, cheap enough to run several


@pytest.fixture(scope="module")
def full_run() -> Result:
    return video_to_keypoints(vc.GAITLAB, workers=2)


@pytest.fixture(scope="module")
def first_frames() -> list[np.ndarray]:
    return vc.gaitlab_frames(N_CUT)


def _hips(kp: ImageKeypoints) -> np.ndarray:
    return (kp.points["left_hip"] + kp.points["right_hip"]) / 2.0


def _median_dist(a: np.ndarray, b: np.ndarray) -> float:
    d = np.linalg.norm(a - b, axis=1)
    return float(np.nanmedian(d))


def test_runner_clip_keypoints(full_run: Result) -> None:
    kp, warnings = full_run
    assert warnings == []
    assert kp.n_frames == 360
    np.testing.assert_allclose(kp.time_s, np.arange(360) / 30, atol=1e-9)
    src = kp.source
    assert (src.kind, src.fps, src.frame_count, src.width_px, src.height_px, src.rotation_deg) == (
        "video",
        30.0,
        360,
        720,
        1280,
        0,
    )
    assert src.duration_s == pytest.approx(12.0)
    assert (kp.width_px, kp.height_px) == (720, 1280)
    for name in (*CONTRACT_POINTS, *(f"mp_{i:02d}" for i in range(33))):
        assert name in kp.points and name in kp.confidence
    np.testing.assert_array_equal(kp.points["left_toe"], kp.points["mp_31"])
    c = np.concatenate([kp.confidence[n] for n in CONTRACT_POINTS])
    assert np.all((c >= 0) & (c <= 1))
    hips = _hips(kp)
    assert np.isfinite(hips).all(axis=1).mean() >= 0.98
    # the runner stands mid-picture, hips in the lower middle, feet below the hips
    assert 150 < np.nanmedian(hips[:, 0]) < 500 and 700 < np.nanmedian(hips[:, 1]) < 1100
    ankles_y = (kp.points["left_ankle"][:, 1] + kp.points["right_ankle"][:, 1]) / 2
    assert np.nanmean(ankles_y > hips[:, 1]) > 0.95
    print(f"median hip visibility {np.median(kp.confidence['left_hip']):.2f}")


def test_two_chunks_stitch_without_a_seam(full_run: Result) -> None:
    """Two processes give the same keypoints as one, and nothing jumps at the seam (t = 6 s)."""
    kp2, _ = full_run
    kp1, _ = video_to_keypoints(vc.GAITLAB, workers=1)
    np.testing.assert_array_equal(kp1.time_s, kp2.time_s)
    h1, h2 = _hips(kp1), _hips(kp2)
    diff = np.linalg.norm(h1 - h2, axis=1)
    seam = int(np.searchsorted(kp2.time_s, 6.0))
    print(f"one vs two workers: median hip difference {np.nanmedian(diff):.2f} px, max {np.nanmax(diff):.1f}")
    assert np.nanmedian(diff[:seam]) < 0.5  # same process history up to the seam
    assert np.nanmedian(diff[seam:]) < 4.0  # a freshly started tracker, same person
    steps = np.linalg.norm(np.diff(h2, axis=0), axis=1)
    assert steps[seam - 1] <= np.nanpercentile(steps, 99)


def test_rotated_clip_gives_the_same_keypoints(tmp_path: Path, full_run: Result, first_frames: list) -> None:
    stored = [np.ascontiguousarray(np.rot90(f, 1)) for f in first_frames]  # landscape + metadata
    clip = vc.write_clip(tmp_path / "phone.mp4", stored, rotation_ccw=-90, crf=12)
    kp, _ = video_to_keypoints(clip, workers=1)
    ref, _ = full_run
    assert (kp.width_px, kp.height_px, kp.source.rotation_deg) == (720, 1280, 90)
    np.testing.assert_allclose(kp.time_s, ref.time_s[:N_CUT], atol=1e-9)
    d = _median_dist(_hips(kp), _hips(ref)[:N_CUT])
    print(f"rotated vs original: median hip difference {d:.2f} px")
    assert d < 6.0


def test_mirrored_clip(tmp_path: Path, full_run: Result, first_frames: list) -> None:
    clip = vc.write_clip(tmp_path / "mirror.mp4", [np.fliplr(f) for f in first_frames], crf=12)
    kp, _ = video_to_keypoints(clip, workers=1)
    ref, _ = full_run
    mirrored = _hips(ref)[:N_CUT] * [-1, 1] + [720, 0]
    d = _median_dist(_hips(kp), mirrored)
    print(f"mirrored vs original (x -> 720 - x): median hip difference {d:.2f} px")
    assert d < 8.0


def test_variable_frame_rate_clip_keeps_its_timestamps(tmp_path: Path, first_frames: list) -> None:
    rng = np.random.default_rng(3)
    steps = rng.uniform(0.6, 1.4, N_CUT - 1) / 30
    written = np.concatenate(([0.0], np.cumsum(steps)))
    written = np.round(written / float(vc.TIME_BASE)) * float(vc.TIME_BASE)
    clip = vc.write_clip(tmp_path / "vfr.mp4", first_frames, times_s=written.tolist(), crf=12)
    kp, _ = video_to_keypoints(clip, workers=1)
    assert kp.meta["variable_frame_rate"] == "true"
    np.testing.assert_allclose(kp.time_s, written, atol=1e-9)
    assert np.isfinite(_hips(kp)).all(axis=1).mean() > 0.95


def test_skipped_frames_are_warned_about_once(tmp_path: Path, first_frames: list) -> None:
    """A phone that skips frames (dim light): the times stay the file's, one warning says so, and it
    is not repeated when the keypoints come back from the cache."""
    keep = [i for i in range(N_CUT) if i not in {20, 21, 22, 40, 41, 60}]
    clip = vc.write_clip(
        tmp_path / "skips.mp4", [first_frames[i] for i in keep], times_s=[i / 30 for i in keep], crf=12
    )
    options = InputOptions(keypoints_cache=tmp_path / "skips.keypoints.csv")
    for attempt in ("pose", "cache"):
        kp = load_video(clip, options, None)
        np.testing.assert_allclose(kp.time_s, np.array(keep) / 30, atol=1e-4)
        codes = [code for code, _ in kp.import_warnings]
        assert codes.count("dropped_frames") == 1, (attempt, codes)
        assert len(codes) == len(set(codes)), (attempt, codes)
    message = dict(kp.import_warnings)["dropped_frames"]
    assert message.startswith("the phone skipped frames: 3 gaps of up to 133 ms (frames usually 33 ms apart)")


def test_steady_clip_has_no_skipped_frames_warning(full_run: Result) -> None:
    assert "dropped_frames" not in dict(full_run[1])


def test_slow_motion_clip_is_put_back_in_real_time(tmp_path: Path) -> None:
    frames = vc.gaitlab_frames(200)
    clip = vc.write_clip(tmp_path / "slomo.mp4", frames, tags={"com.android.capture.fps": "240"}, crf=20)
    kp, warnings = video_to_keypoints(clip, workers=1)
    np.testing.assert_allclose(kp.time_s, np.arange(200) / 240, atol=1e-9)
    assert kp.source.fps == pytest.approx(240.0)
    assert kp.meta["time_scale"] == "8"
    codes = dict(warnings)
    assert codes["slow_motion"] == (
        "slow-motion clip (tag com.android.capture.fps=240 but the file plays at 30 fps: slowed down 8x); "
        "times were divided by 8 to give real time"
    )


def test_one_second_cut_is_analysed(tmp_path: Path, first_frames: list) -> None:
    clip = vc.write_clip(tmp_path / "one_second.mp4", first_frames[:30], crf=12)
    kp, _ = video_to_keypoints(clip, workers=1)
    assert kp.n_frames == 30
    assert np.isfinite(_hips(kp)).all(axis=1).mean() > 0.9


def test_frame_stride_runs_pose_on_every_other_frame(
    tmp_path: Path, full_run: Result, first_frames: list
) -> None:
    clip = vc.write_clip(tmp_path / "cut.mp4", first_frames, crf=12)
    kp, _ = video_to_keypoints(clip, workers=1, frame_stride=2)
    np.testing.assert_allclose(kp.time_s, np.arange(0, N_CUT, 2) / 30, atol=1e-9)
    assert kp.meta["frame_stride"] == "2"


def test_mirrored_whole_clip_gives_the_same_contacts(tmp_path: Path, full_run: Result) -> None:
    """End to end on a variant a user could make (mirrored, re-encoded): the same 33 stances, the
    legs' labels swapped with the facing, the initial contacts where the original's are. The clip's
    landing delay is measured again on the variant (a median over its strides: it moves by ~5 ms), the
    turns of the feet stay put. (Before the foot's turn was read as the median of its points, one
    contact moved by 0.9 frames.)"""
    frames = vc.gaitlab_frames(360)
    clip = vc.write_clip(tmp_path / "mirrored.mp4", [np.fliplr(f) for f in frames], crf=16)
    kp, _ = video_to_keypoints(clip, workers=2)
    original, mirrored = analyze(full_run[0]), analyze(kp)
    assert (original.runner.facing, mirrored.runner.facing) == ("left", "right")
    assert len(mirrored.stances) == len(original.stances) == 33
    other = {"left": "right", "right": "left"}
    moved = []
    for a, b in zip(original.stances, mirrored.stances, strict=True):
        assert other[a.side] == b.side
        moved.append((b.ic_s - a.ic_s) * 30)
    print(
        f"mirrored clip: contacts moved mean {np.mean(moved):+.2f}, largest {np.max(np.abs(moved)):.2f} frames"
    )
    assert abs(np.mean(moved)) < 0.3
    assert np.max(np.abs(np.array(moved) - np.mean(moved))) < 0.5
