"""Keypoint cache: the pose output saved as the project's keypoint CSV (DESIGN.md §2), so a re-run
with other analysis settings skips pose (the slow part).

The header carries what makes the cache valid: a fingerprint of the video file and the pose settings.
A cache whose fingerprint or settings differ is ignored. The file is an ordinary keypoint CSV that
the keypoint importer reads as well (extra ``# key=value`` lines are comments to it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from midstance.core.series import ImageKeypoints, SourceInfo
from midstance.errors import InputError
from midstance.io.keypoints import keypoint_csv_text, read_keypoint_csv

log = logging.getLogger(__name__)

FORMAT_VERSION = "1"
_EDGE_BYTES = 1 << 20


def video_fingerprint(path: str | Path) -> str:
    """Size plus SHA-256 of the first and last MiB: cheap on a 4 GB clip, and any re-export,
    trim or re-encode changes it."""
    p = Path(path)
    size = p.stat().st_size
    h = hashlib.sha256(size.to_bytes(8, "little"))
    with p.open("rb") as fh:
        h.update(fh.read(_EDGE_BYTES))
        if size > _EDGE_BYTES:
            fh.seek(max(_EDGE_BYTES, size - _EDGE_BYTES))
            h.update(fh.read(_EDGE_BYTES))
    return f"{size}-{h.hexdigest()[:32]}"


def settings_text(settings: Mapping[str, Any]) -> str:
    return json.dumps(dict(settings), sort_keys=True, separators=(",", ":"))


def _num(v: float, digits: int) -> str:
    return "" if not math.isfinite(v) else f"{v:.{digits}f}".rstrip("0").rstrip(".") or "0"


def save_keypoints(
    kp: ImageKeypoints,
    path: str | Path,
    *,
    video_path: str | Path | None = None,
    settings: Mapping[str, Any] | None = None,
    warnings: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write ``kp`` as a keypoint CSV with a cache header; returns the path written."""
    out = Path(path)
    src = kp.source
    header: list[tuple[str, str]] = [("midstance_keypoints", FORMAT_VERSION), ("source", src.kind)]
    if video_path is not None:
        header += [("video", Path(video_path).name), ("video_fingerprint", video_fingerprint(video_path))]
    if settings is not None:
        header.append(("pose_settings", settings_text(settings)))
    for key, number in (
        ("rotation_deg", src.rotation_deg),
        ("frame_count", src.frame_count),
        ("duration_s", src.duration_s),
    ):
        if number is not None:
            header.append((key, f"{number:.10g}" if isinstance(number, float) else str(number)))
    header += [(f"meta.{k}", str(v)) for k, v in kp.meta.items()]
    header += [("warning", f"{code}|{msg}") for code, msg in warnings]
    # the table (and fps/width/height/units) is the project's keypoint CSV, written by its one writer
    text = "".join(f"# {key}={' '.join(str(value).split())}\n" for key, value in header) + keypoint_csv_text(
        kp
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out


def read_header(path: str | Path) -> dict[str, list[str]]:
    """All ``# key=value`` lines at the top of a keypoint CSV (a key may repeat, e.g. ``warning``)."""
    found: dict[str, list[str]] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            body = line[1:].strip()
            if "=" in body:
                key, value = body.split("=", 1)
                found.setdefault(key.strip(), []).append(value.strip())
    return found


def load_keypoints(
    path: str | Path, video_path: str | Path | None = None
) -> tuple[ImageKeypoints, list[tuple[str, str]]]:
    """Read a keypoint CSV written by :func:`save_keypoints` (pixels), with its stored warnings."""
    p = Path(path)
    header = read_header(p)

    def one(key: str) -> str | None:
        v = header.get(key)
        return v[-1] if v else None

    table = read_keypoint_csv(p)
    if not isinstance(table, ImageKeypoints):
        raise InputError(
            f"{p} holds world keypoints, not a video's pose keypoints; delete it to run pose again"
        )

    def num(key: str) -> float | None:
        v = one(key)
        return float(v) if v not in (None, "") else None

    width, height = num("width"), num("height")
    frame_count = num("frame_count")
    source = SourceInfo(
        path=str(video_path) if video_path is not None else str(one("video") or p),
        kind="video" if one("source") == "video" else "keypoints",
        fps=num("fps"),
        duration_s=num("duration_s"),
        frame_count=int(frame_count) if frame_count is not None else None,
        width_px=int(width) if width is not None else None,
        height_px=int(height) if height is not None else None,
        rotation_deg=int(num("rotation_deg") or 0),
    )
    warnings = [tuple(w.split("|", 1)) for w in header.get("warning", []) if "|" in w]
    meta = {k[5:]: v[-1] for k, v in header.items() if k.startswith("meta.")}
    kp = ImageKeypoints(
        time_s=table.time_s,
        points=table.points,
        confidence=table.confidence,
        source=source,
        meta=meta,
        import_warnings=tuple((a, b) for a, b in warnings),
        width_px=source.width_px,
        height_px=source.height_px,
    )
    return kp, [(a, b) for a, b in warnings]


def load_if_valid(
    cache_path: str | Path, video_path: str | Path, settings: Mapping[str, Any]
) -> tuple[ImageKeypoints, list[tuple[str, str]]] | None:
    """The cached keypoints when the cache belongs to this video and these pose settings, else None."""
    p = Path(cache_path)
    if not p.is_file():
        return None
    try:
        header = read_header(p)
        if header.get("midstance_keypoints", [""])[-1] != FORMAT_VERSION:
            return None
        if header.get("video_fingerprint", [""])[-1] != video_fingerprint(video_path):
            log.info("keypoint cache %s is for another video file; running pose", p)
            return None
        if header.get("pose_settings", [""])[-1] != settings_text(settings):
            log.info("keypoint cache %s used other pose settings; running pose", p)
            return None
        return load_keypoints(p, video_path)
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        log.warning("ignoring unreadable keypoint cache %s (%s)", p, exc)
        return None
