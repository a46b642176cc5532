"""``midstance.video.decode.read_frames``: the public way to fetch a few frames of a clip by index
(used by the report's key frames). Each frame of the test clip is painted with its own index, and
the clip has a variable frame rate, so a frame matched by counting instead of by timestamp shows."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from midstance.errors import InputError
from midstance.video.decode import DecodeStats, probe, read_frames

W, H, N = 320, 240, 40
#: frame intervals in ms: a phone's variable frame rate (mostly 33 ms, some 17 and 50)
INTERVALS_MS = [33, 33, 50, 17, 33, 34, 50, 33, 17, 33]


def _grey(i: int) -> int:
    return 20 + 5 * i


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("read-frames") / "numbered.mp4"
    pts = np.concatenate([[0], np.cumsum([INTERVALS_MS[i % len(INTERVALS_MS)] for i in range(N - 1)])])
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        # keep the written PTS exactly: the codec in the same time base, no B-frame reordering
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.codec_context.max_b_frames = 0
        stream.options = {"preset": "ultrafast", "crf": "10"}
        for i in range(N):
            img = np.full((H, W, 3), _grey(i), dtype=np.uint8)
            img[:, : W // 4] = 0  # a dark band on the left: tells an upright frame from a turned one
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = int(pts[i]), Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _index_painted(rgb: np.ndarray) -> int:
    right = rgb[:, rgb.shape[1] // 2 :].astype(float).mean()
    return round((right - 20) / 5)


def test_yields_exactly_the_wanted_frames_in_order(clip: Path) -> None:
    info = probe(clip)
    assert info.frame_count == N and info.is_variable_frame_rate
    wanted = [17, 0, 5, 39, 6, 5]
    got = list(read_frames(clip, wanted, info=info))
    assert [j for j, _, _ in got] == [0, 5, 6, 17, 39]
    for j, t, rgb in got:
        assert t == pytest.approx(info.frame_times_s[j], abs=1e-9)
        assert rgb.shape == (H, W, 3) and rgb.dtype == np.uint8
        assert _index_painted(rgb) == j, "the frame yielded is the one painted with its index"
        assert rgb[:, : W // 8].mean() < 15 < rgb[:, -W // 8 :].mean()


def test_shrinks_to_max_side_and_probes_when_not_given_info(clip: Path) -> None:
    got = list(read_frames(clip, {3, 30}, max_side=160))
    assert [j for j, _, _ in got] == [3, 30]
    for j, _, rgb in got:
        assert rgb.shape == (120, 160, 3)
        assert _index_painted(rgb) == j


def test_nothing_wanted_or_out_of_range(clip: Path) -> None:
    stats = DecodeStats()
    assert list(read_frames(clip, [], stats=stats)) == []
    assert stats.frames == 0, "nothing wanted: the file is not even decoded"
    assert [j for j, _, _ in read_frames(clip, [2, N + 5])] == [2]


def test_stops_after_the_last_wanted_frame(clip: Path) -> None:
    stats = DecodeStats()
    assert [j for j, _, _ in read_frames(clip, [4], stats=stats)] == [4]
    assert stats.frames < N // 2, f"decoded {stats.frames} frames to reach frame 4"


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_frames(tmp_path / "nope.mp4", [0]))
