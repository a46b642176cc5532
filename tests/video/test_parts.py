"""Small parts with known answers: orientation, slow-motion tags, chunking, frame selection."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from midstance.pose.landmarks import Landmarks
from midstance.pose.runner import plan_chunks
from midstance.pose.stride import FrameSelector
from midstance.video import orientation, slowmo
from midstance.video.decode import VideoInfo


def _matrix(a: int, b: int, c: int, d: int) -> bytes:
    one = 1 << 16
    return struct.pack("<9i", a * one, b * one, 0, c * one, d * one, 0, 0, 0, 1 << 30)


@pytest.mark.parametrize(
    ("m", "turns", "mirror", "cw"),
    [
        ((1, 0, 0, 1), 0, False, 0),
        ((0, -1, 1, 0), 1, False, 270),  # what set_display_rotation(90) writes: 90° counter-clockwise
        ((0, 1, -1, 0), 3, False, 90),  # an iPhone portrait clip: 90° clockwise
        ((-1, 0, 0, -1), 2, False, 180),
        ((-1, 0, 0, 1), 0, True, 0),
    ],
)
def test_display_matrix(m: tuple[int, int, int, int], turns: int, mirror: bool, cw: int) -> None:
    o = orientation.from_display_matrix(_matrix(*m))
    assert (o.quarter_turns_ccw, o.mirror, o.rotation_deg) == (turns, mirror, cw)


def test_orientation_apply_matches_numpy() -> None:
    img = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(orientation.Orientation(1).apply(img), np.rot90(img))
    np.testing.assert_array_equal(orientation.Orientation(0, True).apply(img), np.fliplr(img))
    assert orientation.Orientation(1).displayed_size(1920, 1080) == (1080, 1920)


def test_slow_motion_rules() -> None:
    assert slowmo.detect({"com.android.capture.fps": "240.000000"}, 30.0).factor == pytest.approx(8.0)
    assert not slowmo.detect({"com.android.capture.fps": "30.0"}, 30.0).likely
    assert not slowmo.detect({"com.android.capture.fps": "120"}, 120.0).likely  # high speed, real time
    apple = slowmo.detect({"com.apple.quicktime.full-frame-rate-playback-intent": "0"}, 30.0)
    assert apple.likely and apple.factor is None
    assert not slowmo.detect({"com.apple.quicktime.make": "Apple"}, 240.0).likely
    assert not slowmo.detect({"com.android.capture.fps": "n/a"}, 30.0).likely


def _info(n: int, fps: float = 30.0) -> VideoInfo:
    times = tuple(i / fps for i in range(n))
    return VideoInfo(
        path="x",
        container="mp4",
        codec="h264",
        width_px=720,
        height_px=1280,
        coded_width_px=720,
        coded_height_px=1280,
        rotation_deg=0,
        mirrored=False,
        fps=fps,
        frame_count=n,
        duration_s=n / fps,
        time_base=__import__("fractions").Fraction(1, 15360),
        is_variable_frame_rate=False,
        frame_interval_spread=0.0,
        likely_slow_motion=False,
        slow_motion_reason=None,
        capture_fps=None,
        slow_motion_factor=None,
        truncated=False,
        header_frame_count=n,
        frame_times_s=times,
    )


def test_chunks_split_frames_evenly_with_overlap() -> None:
    chunks = plan_chunks(_info(360), 2, 1.0)
    assert len(chunks) == 2
    assert chunks[0].start_s is None and chunks[0].end_s == pytest.approx(6.5)
    assert chunks[1].start_s == pytest.approx(5.5) and chunks[1].end_s is None
    assert chunks[0].keep_to_s == chunks[1].keep_from_s == pytest.approx(6.0)


def test_short_clip_is_one_chunk() -> None:
    assert len(plan_chunks(_info(60), 2, 1.0)) == 1


def test_uniform_stride() -> None:
    sel = FrameSelector(3)
    assert [sel.want(i) for i in range(7)] == [True, False, False, True, False, False, True]


def _lm(foot_y: float, hip_y: float = 500.0) -> Landmarks:
    xy = np.zeros((33, 2))
    xy[:, 1] = hip_y
    xy[[27, 29, 31], 1] = foot_y  # left foot
    xy[[28, 30, 32], 1] = 1000.0  # right foot planted
    return Landmarks(xy, np.ones(33))


def test_contact_aware_stride_goes_dense_when_a_foot_lands() -> None:
    sel = FrameSelector(2, dense_near_contacts=True)
    t = 0.0
    for y in (1000.0, 1000.0, 1000.0, 1000.0, 1000.0):  # both feet planted, still
        sel.observe(t, _lm(y))
        t += 1 / 30
    assert not sel.want(1)  # nothing moving near the ground: skip odd frames
    for y in (700.0, 800.0, 900.0):  # left foot coming down fast (leg = 500 px)
        sel.observe(t, _lm(y))
        t += 1 / 30
    assert sel.want(1)
    sel.observe(t, None)
    assert sel.want(5)  # runner lost: look at every frame
