"""Every unusable file gets a one-line InputError saying what is wrong and what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import videoclips as vc

from midstance.errors import AnalysisError, InputError
from midstance.pose import video_to_keypoints
from midstance.video import iter_frames, probe


def _message(path: Path) -> str:
    with pytest.raises(InputError) as err:
        probe(path)
    msg = err.value.message
    assert "\n" not in msg
    return msg


def test_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "nope.mp4"
    assert _message(p) == f"{p}: no such file; check the path"


def test_folder(tmp_path: Path) -> None:
    assert _message(tmp_path) == f"{tmp_path} is a folder, not a video file; give the path of a video file"


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    assert _message(p) == f"{p} is empty (0 bytes); copy or export the video again"


def test_text_file_named_mp4(tmp_path: Path) -> None:
    p = tmp_path / "notes.mp4"
    p.write_text("this is not a video\n" * 20)
    assert _message(p) == f"{p} is a text file, not a video; give a video file (MP4, MOV or WebM)"


def test_random_bytes(tmp_path: Path) -> None:
    p = tmp_path / "noise.mp4"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    msg = _message(p)
    assert msg.startswith(f"{p} is not a video FFmpeg can read (")
    assert msg.endswith("); give an MP4, MOV or WebM video")


def test_mp4_cut_off_before_its_index(tmp_path: Path) -> None:
    data = vc.GAITLAB.read_bytes()  # index (moov) at the end, as phones write while recording
    p = tmp_path / "cut.mp4"
    p.write_bytes(data[: len(data) // 2])
    assert _message(p) == (
        f"{p} is an incomplete MP4/MOV: its index (moov box) is missing, so the recording was probably "
        "cut off; copy or export the video again"
    )


def test_mp4_cut_off_in_its_data_decodes_what_is_there(tmp_path: Path) -> None:
    full = vc.write_clip(tmp_path / "fs.mp4", vc.gaitlab_frames(40), faststart=True)
    data = full.read_bytes()
    p = tmp_path / "half.mp4"
    p.write_bytes(data[: len(data) // 2])
    info = probe(p)
    assert info.truncated and info.header_frame_count == 40
    frames = list(iter_frames(p, info=info))
    assert 5 < len(frames) < 40


def test_mp4_with_no_decodable_frame(tmp_path: Path) -> None:
    full = vc.write_clip(tmp_path / "fs.mp4", vc.gaitlab_frames(10), faststart=True)
    data = full.read_bytes()
    p = tmp_path / "head.mp4"
    p.write_bytes(data[: data.find(b"mdat") + 200])
    assert _message(p) == (
        f"{p}: no video frame could be decoded (the file is damaged or cut off); copy or export the video again"
    )


def test_audio_only(tmp_path: Path) -> None:
    p = vc.audio_only(tmp_path / "song.mp4")
    assert _message(p) == f"{p} has sound but no picture (audio only); give a video file"


@pytest.mark.parametrize(("codec", "name"), [("png", "still.png"), ("mjpeg", "still.jpg")])
def test_still_image(tmp_path: Path, codec: str, name: str) -> None:
    p = vc.still_image(tmp_path / name, codec)
    assert _message(p) == (
        f"{p} is a still image ({codec}), not a video; give a video of the runner lasting several seconds"
    )


def test_jpeg_named_mp4(tmp_path: Path) -> None:
    src = vc.still_image(tmp_path / "photo.jpg", "mjpeg")
    p = tmp_path / "photo.mp4"
    shutil.copy(src, p)
    assert _message(p) == (
        f"{p} is a still image (mjpeg), not a video; give a video of the runner lasting several seconds"
    )


def test_single_frame_video(tmp_path: Path) -> None:
    p = vc.write_clip(tmp_path / "one.mp4", [vc.pattern(0)])
    assert _message(p) == (
        f"{p} holds a single picture (h264), not a moving video; give a video lasting several seconds"
    )


def test_clip_too_short_for_a_stride(tmp_path: Path) -> None:
    """Decodable but under MIN_CLIP_S (0.75 s): refused before pose with AnalysisError (exit 3)."""
    p = vc.write_clip(tmp_path / "half_second.mp4", vc.gaitlab_frames(15))
    with pytest.raises(AnalysisError) as err:
        video_to_keypoints(p)
    assert err.value.message == (
        f"{p} lasts 0.50 s, too short to hold a running stride; film at least 5 s of running"
    )
    assert err.value.exit_code == 3


def test_clip_with_nobody_in_it(tmp_path: Path) -> None:
    p = vc.write_clip(tmp_path / "empty_scene.mp4", (vc.pattern(i, 160, 96) for i in range(30)))
    with pytest.raises(AnalysisError) as err:
        video_to_keypoints(p, workers=1)
    assert err.value.message == (
        f"no person found in {p}; film the runner from the side with the whole body in view"
    )
