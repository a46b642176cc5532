"""What kind of input a path is, decided from its content (the name only breaks ties and explains).

Users rename files, and exports get the wrong extension; content decides, so a C3D saved as
``.txt`` is still read as C3D. A text file named ``.c3d`` (or ``.mp4``) is rejected, though: that
name promises a binary format the content does not have, which usually means the wrong file."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Literal

from midstance.core.series import CONTRACT_POINTS
from midstance.errors import InputError
from midstance.io.c3d import C3D_KEY, hex_head, looks_like_text
from midstance.io.openpose import openpose_files
from midstance.io.table import force_table_error, is_force_table, parse_layout
from midstance.io.text import decode_text, detect_delimiter, parse_comment_header, split_line

log = logging.getLogger(__name__)

Kind = Literal["c3d", "trc", "rbds", "marker_table", "keypoint_csv", "openpose", "video", "image"]
MOCAP_KINDS: tuple[Kind, ...] = ("c3d", "trc", "rbds", "marker_table")
KEYPOINT_KINDS: tuple[Kind, ...] = ("keypoint_csv", "openpose")

_PROBE = 8192
#: text read to classify a table: enough for the header row of a file with hundreds of markers
_TEXT_PROBE = 262144
_WHAT_WE_READ = "pass a video, a C3D, TRC or marker-table file, a keypoint CSV or an OpenPose JSON folder"
#: extensions that promise binary content (a text file with one of them is the wrong file)
_BINARY_SUFFIXES = {
    ".c3d": "C3D",
    ".mp4": "video",
    ".mov": "video",
    ".m4v": "video",
    ".avi": "video",
    ".mkv": "video",
    ".webm": "video",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
}
#: ISO-BMFF brands of still images (HEIF/AVIF photos share the MP4 container)
_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_RBDS_NAME = re.compile(r"^RBDS\d+", re.IGNORECASE)
_KEYPOINT_SUFFIX = re.compile(r"_(x|y|z|conf)$", re.IGNORECASE)


def _binary_kind(head: bytes) -> Kind | None:
    """Videos and images by magic bytes (the decoder decides later what exactly they hold)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return "image"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image"
    if head[:2] == b"BM" and head[6:10] == b"\0\0\0\0":  # BMP: reserved words are zero
        return "image"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    # ISO-BMFF / QuickTime: a big-endian box size (so a leading zero byte), then the box type.
    if head[0] == 0 and head[4:8] == b"ftyp":
        return "image" if head[8:12] in _IMAGE_BRANDS else "video"
    if head[0] == 0 and head[4:8] in _QUICKTIME_ATOMS:
        return "video"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska / WebM
        return "video"
    if head[:4] == b"RIFF" and head[8:11] == b"AVI":
        return "video"
    if head[:3] == b"FLV" or head[:4] == b"OggS":
        return "video"
    if head[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"):  # ASF / WMV
        return "video"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):  # MPEG program stream / video
        return "video"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:  # MPEG transport stream
        return "video"
    return None


def _text_kind(path: Path, text: str) -> Kind:
    name = path.name
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.startswith("PathFileType"):
        return "trc"
    if any(line.strip().lower() == "endheader" for line in lines[:40]):
        raise InputError(
            f"{name} is an OpenSim .mot/.sto file (forces or angles), not markers; pass the .trc "
            "(a .mot with the same name beside it is read with it)"
        )
    comments = parse_comment_header(lines)
    if comments.first_table_line >= len(lines):
        raise InputError(f"{name} holds only comments or blank lines; {_WHAT_WE_READ}")
    header = lines[comments.first_table_line]
    columns = split_line(header, detect_delimiter(header))
    lower = [c.lower() for c in columns]
    named_points = {_KEYPOINT_SUFFIX.sub("", c) for c in lower if _KEYPOINT_SUFFIX.search(c)}
    if named_points & set(CONTRACT_POINTS) or any(c.endswith("_conf") for c in lower):
        return "keypoint_csv"
    # "# units=mm" may head a marker table too; only the keypoint CSV's own keys decide here.
    keys = comments.values
    if {"fps", "width", "height", "up"} & keys.keys() or keys.get("units", "").strip().lower() == "px":
        return "keypoint_csv"
    if is_force_table(columns):
        raise force_table_error(name)
    layout = parse_layout(columns)
    if layout.markers:
        rbds_names = sum(m.startswith(("R.", "L.")) for m, _ in layout.markers)
        if columns[0] == "Time" and (_RBDS_NAME.match(name) or rbds_names >= len(layout.markers) / 2):
            return "rbds"
        return "marker_table"
    if "time_s" in lower and named_points:
        return "keypoint_csv"
    shown = ", ".join(c for c in columns[:5] if c)
    raise InputError(
        f"{name} is text but not a format midstance reads (header: {shown[:80]}); {_WHAT_WE_READ} "
        "(formats: docs/formats.md)"
    )


def _sniff_folder(folder: Path) -> Kind:
    files = openpose_files(folder)
    for f in sorted(files)[:3]:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(doc, dict) and "people" in doc:
            return "openpose"
    raise InputError(f"folder {folder.name} holds no OpenPose *_keypoints.json files; {_WHAT_WE_READ}")


def sniff(path: str | Path) -> Kind:
    """The kind of input at ``path``, from its content; an InputError (one line) when unusable."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p} does not exist; check the path")
    if p.is_dir():
        return _sniff_folder(p)
    try:
        with p.open("rb") as fh:
            head = fh.read(_PROBE)
    except OSError as exc:
        raise InputError(f"{p.name} cannot be read ({exc.strerror}); check that it is readable") from exc
    if not head:
        raise InputError(f"{p.name} is empty (0 bytes); {_WHAT_WE_READ}")
    if looks_like_text(head):
        return _sniff_text(p, head)
    kind = _binary_kind(head)
    if kind is not None:
        return kind
    # byte 0 is the parameter block number: a small integer (2 in practice), never a printable character
    # (a PDF starts "%P", which shares the 0x50)
    if len(head) >= 2 and head[1] == C3D_KEY and 0 < head[0] < 0x20:
        return "c3d"
    raise InputError(
        f"{p.name} is not a file midstance can read: unknown binary content (starts {hex_head(head)}); "
        f"{_WHAT_WE_READ}"
    )


def _sniff_text(p: Path, head: bytes) -> Kind:
    promised = _BINARY_SUFFIXES.get(p.suffix.lower())
    if promised is not None:
        raise InputError(
            f"{p.name} is not a {promised} file: it looks like text; pass the original file, or give "
            "this one the extension of its real format (.trc, .txt, .csv)"
        )
    if p.suffix.lower() == ".json":
        if _looks_like_openpose(head):
            raise InputError(
                f"{p.name} is a single OpenPose frame; "
                "pass the folder that holds all the *_keypoints.json files"
            )
        raise InputError(f"{p.name} is a JSON file midstance does not read; {_WHAT_WE_READ}")
    with p.open("rb") as fh:
        raw = fh.read(_TEXT_PROBE)
    text = decode_text(raw, p, "text")
    if len(raw) == _TEXT_PROBE:
        text = text[: text.rfind("\n") + 1]  # drop the partial last line of the probe
    return _text_kind(p, text)


def _looks_like_openpose(head: bytes) -> bool:
    return b'"people"' in head
