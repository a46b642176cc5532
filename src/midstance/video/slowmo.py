"""Is a clip slowed down? Read from the container tags phones write.

A phone's slow-motion export plays a 120–240 fps capture at 30 fps, so its timestamps are playback
time, not real time: cadence and contact times read from them would be 4–8× too slow. The only
reliable hint is metadata:

* Android writes ``com.android.capture.fps`` (the sensor rate) next to a lower playback rate.
* Apple writes ``com.apple.quicktime.full-frame-rate-playback-intent = 0`` on slow-motion clips
  (1 means "play at the full frame rate").
* Some tools write other ``*capture.fps`` / ``*capture_fps`` keys; any of them counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

#: capture rate must exceed playback by this factor before a clip counts as slowed down
_MIN_RATIO = 1.5

_APPLE_INTENT = "com.apple.quicktime.full-frame-rate-playback-intent"


@dataclass(frozen=True)
class SlowMotion:
    likely: bool = False
    reason: str | None = None
    #: the capture rate the tags state, when they state one
    capture_fps: float | None = None
    #: capture fps / playback fps when both are known (real time = playback time / factor)
    factor: float | None = None


def _capture_fps(tags: Mapping[str, str]) -> tuple[str, float] | None:
    for key, value in tags.items():
        k = key.lower()
        if k.endswith(("capture.fps", "capture_fps", "capture-fps", "capturefps")):
            try:
                fps = float(str(value).strip())
            except ValueError:
                continue
            if math.isfinite(fps) and fps > 0:
                return key, fps
    return None


def detect(tags: Mapping[str, str], playback_fps: float) -> SlowMotion:
    """Slow-motion verdict from container + stream tags and the clip's own (playback) frame rate."""
    found = _capture_fps(tags)
    if found is not None:
        key, capture = found
        if playback_fps > 0 and capture >= _MIN_RATIO * playback_fps:
            factor = capture / playback_fps
            return SlowMotion(
                True,
                f"tag {key}={capture:g} but the file plays at {playback_fps:.3g} fps: "
                f"slowed down {factor:.3g}x",
                capture,
                factor,
            )
        return SlowMotion(False, None, capture, None)
    intent = {k.lower(): v for k, v in tags.items()}.get(_APPLE_INTENT)
    if intent is not None and str(intent).strip() == "0":
        return SlowMotion(True, f"tag {_APPLE_INTENT}=0 (an iPhone slow-motion clip)", None, None)
    return SlowMotion()
