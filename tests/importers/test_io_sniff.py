"""sniff(): the kind of input from content, for every kind and for real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from midstance.errors import InputError
from midstance.io import sniff

_MAGIC = {
    "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64,
    "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 64,
    "old_mov": b"\x00\x00\x00\x08wide\x00\x10\x00\x00mdat" + b"\x00" * 64,
    "webm": bytes.fromhex("1a45dfa3") + b"\x9f\x42\x86\x81\x01" + b"\x00" * 64,
    "avi": b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 64,
    "ts": (b"\x47" + b"\x00" * 187) * 3,
}
_IMAGES = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64,
    "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
}


@pytest.mark.parametrize("name", sorted(_MAGIC))
def test_video_magic(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"clip.{name}"
    path.write_bytes(_MAGIC[name])
    assert sniff(path) == "video"


@pytest.mark.parametrize("name", sorted(_IMAGES))
def test_image_magic_beats_the_c3d_key(tmp_path: Path, name: str) -> None:
    # A PNG's second byte is 0x50, the C3D key: the image test must come first.
    path = tmp_path / f"still.{name}"
    path.write_bytes(_IMAGES[name])
    assert sniff(path) == "image"


def test_video_named_txt_is_still_video(tmp_path: Path) -> None:
    path = tmp_path / "clip.txt"
    path.write_bytes(_MAGIC["mp4"])
    assert sniff(path) == "video"


def test_real_videos(shared_data: Path) -> None:
    assert sniff(shared_data / "video" / "gaitlab_male_side.mp4") == "video"
    assert sniff(shared_data / "video" / "sports2d_demo.mp4") == "video"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("PathFileType\t4\t(X/Y/Z)\tx.trc\n", "trc"),
        ("Time\tR.ASISX\tR.ASISY\tR.ASISZ\tL.ASISX\tL.ASISY\tL.ASISZ\n0\t1\t2\t3\t4\t5\t6\n", "rbds"),
        ("time,LASI_x,LASI_y,LASI_z\n0,1,2,3\n", "marker_table"),
        ("# units=mm\nFrame LASIX LASIY LASIZ\n1 1 2 3\n", "marker_table"),
        ("time_s,left_hip_x,left_hip_y\n0,1,2\n", "keypoint_csv"),
        ("# fps=30\nnose_x,nose_y\n1,2\n", "keypoint_csv"),
        ("# units=m\ntime_s,left_hip_x,left_hip_y,left_hip_z\n0,1,2,3\n", "keypoint_csv"),
        ("time_s,left_eye_x,left_eye_y\n0,1,2\n", "keypoint_csv"),
        ("time,neck_x,neck_y,neck_conf\n0,1,2,1\n", "keypoint_csv"),
    ],
)
def test_text_kinds(tmp_path: Path, text: str, kind: str) -> None:
    path = tmp_path / "input.dat"
    path.write_text(text)
    assert sniff(path) == kind


def test_rbds_by_name_without_dotted_markers(tmp_path: Path) -> None:
    path = tmp_path / "RBDS099runT30markers.txt"
    path.write_text("Time\tASISX\tASISY\tASISZ\n0\t1\t2\t3\n")
    assert sniff(path) == "rbds"
    generic = tmp_path / "other.txt"
    generic.write_text("Time\tASISX\tASISY\tASISZ\n0\t1\t2\t3\n")
    assert sniff(generic) == "marker_table"


def test_text_that_happens_to_match_a_magic_is_text(tmp_path: Path) -> None:
    # 'G' at bytes 0 and 188 is MPEG-TS sync for a binary file, but this is a note, not a video.
    path = tmp_path / "notes.txt"
    path.write_text("G" + "o" * 187 + "G" + " on with the run\n")
    with pytest.raises(InputError, match=r"^notes\.txt is text but not a format midstance reads"):
        sniff(path)
