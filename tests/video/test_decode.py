"""Decoding: timestamps from the container, upright frames, sizes, ranges, slow-motion tags."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import videoclips as vc

from midstance.video import FrameReader, iter_frames, probe, scaled_size


def _pattern_clip(path: Path, n: int = 20, **kw: object) -> Path:
    return vc.write_clip(path, (vc.pattern(i) for i in range(n)), **kw)  # type: ignore[arg-type]


def test_cfr_timestamps_and_counts(tmp_path: Path) -> None:
    clip = _pattern_clip(tmp_path / "cfr.mp4", 45)
    info = probe(clip)
    assert (info.width_px, info.height_px, info.rotation_deg) == (96, 64, 0)
    assert info.frame_count == 45
    assert info.fps == pytest.approx(30.0)
    assert info.duration_s == pytest.approx(1.5)
    assert not info.is_variable_frame_rate
    assert info.codec == "h264"
    times = [t for t, _ in iter_frames(clip)]
    np.testing.assert_allclose(times, np.arange(45) / 30, atol=1e-9)


def test_variable_frame_rate_times_are_the_written_pts(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    steps = rng.choice([1 / 30, 1 / 24, 1 / 60, 0.05], size=39)
    written = np.concatenate(([0.0], np.cumsum(steps)))
    written = np.round(written / float(vc.TIME_BASE)) * float(vc.TIME_BASE)
    clip = _pattern_clip(tmp_path / "vfr.mp4", 40, times_s=written.tolist())
    info = probe(clip)
    assert info.is_variable_frame_rate
    assert info.frame_count == 40
    times = np.array([t for t, _ in iter_frames(clip)])
    np.testing.assert_allclose(times, written, atol=1e-9)
    # and not what i / fps would have said
    assert np.abs(times - np.arange(40) / info.fps).max() > 0.05


def test_time_zero_is_the_first_decoded_frame(tmp_path: Path) -> None:
    written = (2.5 + np.arange(30) / 30).tolist()  # the container starts at 2.5 s
    clip = _pattern_clip(tmp_path / "offset.mp4", 30, times_s=written)
    times = [t for t, _ in iter_frames(clip)]
    assert times[0] == 0.0
    np.testing.assert_allclose(times, np.arange(30) / 30, atol=1e-9)


def test_frames_come_in_presentation_order(tmp_path: Path) -> None:
    # x264's medium preset uses B-frames: decode order differs from display order
    frames = (vc.pattern(i, 160, 64) for i in range(30))
    clip = vc.write_clip(tmp_path / "order.mp4", frames, crf=10, preset="medium")
    import av

    with av.open(str(clip)) as c:
        assert c.streams.video[0].codec_context.has_b_frames
    xs = []
    for _, rgb in iter_frames(clip):
        white = (rgb.min(axis=2) > 200)[28:36]
        xs.append(np.nonzero(white.any(axis=0))[0].mean())
    assert np.all(np.diff(xs) > 0)


@pytest.mark.parametrize("rotation_ccw", [90, -90, 180])
def test_rotation_metadata_gives_upright_frames(tmp_path: Path, rotation_ccw: int) -> None:
    upright = vc.pattern(0)
    # store the picture turned the other way, with a display matrix that turns it back
    k = rotation_ccw // 90
    stored = np.ascontiguousarray(np.rot90(upright, -k))
    clip = vc.write_clip(tmp_path / f"rot{rotation_ccw}.mp4", [stored] * 5, rotation_ccw=rotation_ccw, crf=5)
    info = probe(clip)
    assert info.rotation_deg == (-rotation_ccw) % 360  # clockwise, as the legacy `rotate` tag
    assert (info.width_px, info.height_px) == (96, 64)
    assert (info.coded_width_px, info.coded_height_px) == stored.shape[1::-1]
    _, rgb = next(iter(iter_frames(clip)))
    assert rgb.shape == upright.shape
    np.testing.assert_allclose(vc.red_centroid(rgb), vc.red_centroid(upright), atol=0.03)


def test_mirrored_display_matrix(tmp_path: Path) -> None:
    upright = vc.pattern(0)
    clip = vc.write_clip(tmp_path / "flip.mp4", [np.fliplr(upright)] * 3, hflip=True, crf=5)
    info = probe(clip)
    assert info.mirrored and info.rotation_deg == 0
    _, rgb = next(iter(iter_frames(clip)))
    np.testing.assert_allclose(vc.red_centroid(rgb), vc.red_centroid(upright), atol=0.03)


def test_portrait_runner_clip_rotated_like_a_phone(tmp_path: Path) -> None:
    """The real portrait clip stored landscape + rotation metadata decodes to the original frames."""
    frames = vc.gaitlab_frames(6)
    stored = [np.ascontiguousarray(np.rot90(f, 1)) for f in frames]  # as a phone sensor stores it
    clip = vc.write_clip(tmp_path / "phone.mp4", stored, rotation_ccw=-90, crf=12)
    info = probe(clip)
    assert (info.width_px, info.height_px, info.rotation_deg) == (720, 1280, 90)
    got = [rgb for _, rgb in iter_frames(clip)]
    assert len(got) == 6
    for a, b in zip(got, frames, strict=True):
        assert a.shape == b.shape
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 4.0  # equal up to re-encoding


def test_max_side_downscales_once_keeping_aspect(tmp_path: Path) -> None:
    clip = _pattern_clip(tmp_path / "big.mp4", 3)
    assert scaled_size(96, 64, 48) == (48, 32)
    assert scaled_size(96, 64, 500) == (96, 64)
    reader = FrameReader(clip, max_side=48)
    assert reader.output_size == (48, 32)
    shapes = {rgb.shape for _, rgb in reader}
    assert shapes == {(32, 48, 3)}


def test_4k_clip(tmp_path: Path) -> None:
    frames = [np.kron(vc.pattern(i, 96, 54), np.ones((40, 40, 1), np.uint8)) for i in range(3)]
    assert frames[0].shape == (2160, 3840, 3)
    clip = vc.write_clip(tmp_path / "uhd.mp4", frames, crf=30)
    info = probe(clip)
    assert (info.width_px, info.height_px, info.frame_count) == (3840, 2160, 3)
    got = [rgb for _, rgb in iter_frames(clip, max_side=1280)]
    assert [g.shape for g in got] == [(720, 1280, 3)] * 3


@pytest.mark.parametrize(("start", "end"), [(0.5, 1.0), (0.0, 0.2), (1.2, None), (0.51, 0.55)])
def test_time_range_matches_a_full_decode(tmp_path: Path, start: float, end: float | None) -> None:
    clip = _pattern_clip(tmp_path / "range.mp4", 45)
    full = list(iter_frames(clip))
    part = list(iter_frames(clip, start_s=start, end_s=end))
    want = [(t, a) for t, a in full if t >= start - 1e-6 and (end is None or t < end)]
    assert [t for t, _ in part] == [t for t, _ in want]
    for (_, a), (_, b) in zip(part, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_stopping_early_ends_the_decoding_thread(tmp_path: Path) -> None:
    import threading

    clip = _pattern_clip(tmp_path / "early.mp4", 60)
    before = threading.active_count()
    for i, _ in enumerate(iter_frames(clip)):
        if i == 2:
            break
    # the generator is closed when the loop drops it; its thread must be gone
    import gc

    gc.collect()
    assert threading.active_count() == before


def test_vp9_clip_from_the_shared_data() -> None:
    info = probe(vc.SPORTS2D)
    assert (info.codec, info.width_px, info.height_px, info.frame_count) == ("vp9", 1768, 994, 230)
    assert info.frame_times_s[-1] == pytest.approx(7.633, abs=1e-3)
    assert info.fps == pytest.approx(30.0)


def test_shared_runner_clip_facts() -> None:
    info = probe(vc.GAITLAB)
    assert (info.width_px, info.height_px, info.rotation_deg, info.frame_count) == (720, 1280, 0, 360)
    assert info.duration_s == pytest.approx(12.0)
    assert not info.likely_slow_motion and not info.truncated


def test_android_slow_motion_tag(tmp_path: Path) -> None:
    clip = _pattern_clip(tmp_path / "slomo.mp4", 10, tags={"com.android.capture.fps": "240.000000"})
    info = probe(clip)
    assert info.likely_slow_motion
    assert info.capture_fps == 240.0
    assert info.slow_motion_factor == pytest.approx(8.0)
    assert info.slow_motion_reason is not None and "com.android.capture.fps=240" in info.slow_motion_reason


def test_capture_tag_equal_to_playback_is_not_slow_motion(tmp_path: Path) -> None:
    clip = _pattern_clip(tmp_path / "normal.mp4", 10, tags={"com.android.capture.fps": "30.000000"})
    info = probe(clip)
    assert not info.likely_slow_motion and info.capture_fps == 30.0
