"""Midstance key frames taken from a session's HTML report, for the before/after page.

The report embeds, per side, the typical step's midstance frame as a data: image inside
``<figure … id="keyframe-<side>">`` (``<img class="ms" …>``). This reads it back out, so the
comparison shows the very picture of the report. When a report has no such frame (older reports,
or none at all) the pages fall back to a stick figure drawn from the result's stance points."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from pathlib import Path

_FIGURE = re.compile(r'id="keyframe-(left|right)"')
_MS_IMG = re.compile(r'<img class="ms" src="data:image/(png|jpeg);base64,([A-Za-z0-9+/=]+)"')
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}


def midstance_frame(report_html: Path, side: str) -> tuple[str, bytes] | None:
    """(media type, image bytes) of ``side``'s midstance key frame in the report, or None."""
    try:
        stat = report_html.stat()
    except OSError:
        return None
    return _frames(str(report_html), stat.st_mtime_ns, stat.st_size).get(side)


@lru_cache(maxsize=32)
def _frames(path: str, _mtime_ns: int, _size: int) -> dict[str, tuple[str, bytes]]:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    out: dict[str, tuple[str, bytes]] = {}
    for fig in _FIGURE.finditer(text):
        side = fig.group(1)
        # the image must sit inside this figure: before the next figure starts
        end = text.find("</figure>", fig.end())
        img = _MS_IMG.search(text, fig.end(), end if end > 0 else len(text))
        if img is None or side in out:
            continue
        try:
            out[side] = (MEDIA_TYPES[img.group(1)], base64.b64decode(img.group(2), validate=True))
        except (binascii.Error, ValueError):
            continue
    return out
