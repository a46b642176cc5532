"""Fetch the few video frames a report needs in one sequential decode, cropped on the fly.

A clip is decoded once, front to back; only the wanted frames are kept, and of those only the crops
asked for (a 4K clip with 170 stances would not fit in memory as whole frames). Frames are matched
by their container timestamp, so a damaged packet that drops a frame cannot shift the others."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from midstance.core.result import Result
from midstance.errors import InputError
from midstance.video.decode import VideoInfo, probe, read_frames, scaled_size

log = logging.getLogger(__name__)

#: frames are shrunk while decoding so their longer side is at most this (report images are small)
MAX_SIDE = 1920

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class CropRequest:
    """A crop of the frame nearest ``t_s`` (analysis time, seconds), ``box`` in source-frame pixels
    (x0, y0, x1, y1), resized so its height is at most ``max_height`` (and enlarged towards it by up to
    ``upscale``)."""

    key: str
    t_s: float
    box: Box
    max_height: int
    #: how much a small crop (a runner far away or a small video) may be enlarged towards
    #: ``max_height``; 1 = never
    upscale: float = 1.0


@dataclass(frozen=True)
class Crop:
    image: Image.Image
    frame_index: int
    #: analysis time of the frame (the event itself may lie between frames)
    frame_t_s: float
    #: source-pixel box actually cropped, and output pixels per source pixel
    box: Box
    scale: float


def time_scale(result: Result) -> float:
    """Playback seconds per analysis second (slow-motion clips are analysed in real time)."""
    try:
        scale = float(result.analysis.get("time_scale", 1.0))
    except (TypeError, ValueError):
        return 1.0
    return scale if math.isfinite(scale) and scale > 0 else 1.0


def open_video(video: Path, result: Result) -> VideoInfo:
    """Probe ``video`` and check it is the clip the result was measured on."""
    info = probe(video)
    src = result.source
    if src.width_px and src.height_px and (info.width_px, info.height_px) != (src.width_px, src.height_px):
        raise InputError(
            f"{video} is {info.width_px}×{info.height_px} but the result was measured on a "
            f"{src.width_px}×{src.height_px} picture; pass the video that was analysed"
        )
    if src.frame_count and abs(info.frame_count - src.frame_count) > 1:
        log.warning(
            "%s has %d frames, the result %d: key frames may not match the analysis",
            video,
            info.frame_count,
            src.frame_count,
        )
    return info


def nearest_frames(info: VideoInfo, times_s: Sequence[float], scale: float) -> np.ndarray:
    """Index of the frame nearest each analysis time."""
    ft = np.asarray(info.frame_times_s, dtype=float)
    t = np.asarray(times_s, dtype=float) * scale
    i = np.clip(np.searchsorted(ft, t), 1, len(ft) - 1)
    return np.where(ft[i] - t < t - ft[i - 1], i, i - 1)


def clamp_box(box: Box, width: int, height: int) -> Box:
    """Shift ``box`` inside the frame (keeping its size where the frame allows)."""
    x0, y0, x1, y1 = box
    w, h = min(x1 - x0, width), min(y1 - y0, height)
    x0 = min(max(x0, 0.0), width - w)
    y0 = min(max(y0, 0.0), height - h)
    return (x0, y0, x0 + w, y0 + h)


def grab_crops(
    video: Path, info: VideoInfo, requests: Sequence[CropRequest], scale: float
) -> dict[str, Crop]:
    """Decode ``video`` once and return each request's crop, keyed by ``request.key``."""
    if not requests:
        return {}
    idx = nearest_frames(info, [r.t_s for r in requests], scale)
    wanted: dict[int, list[CropRequest]] = {}
    for i, r in zip(idx.tolist(), requests, strict=True):
        wanted.setdefault(int(i), []).append(r)
    out_w, _ = scaled_size(info.width_px, info.height_px, MAX_SIDE)
    shrink = out_w / info.width_px  # decoded pixels per source pixel
    crops: dict[str, Crop] = {}
    for j, t, rgb in read_frames(video, wanted, info=info, max_side=MAX_SIDE):
        frame = Image.fromarray(rgb)
        for r in wanted.pop(j):
            box = clamp_box(r.box, info.width_px, info.height_px)
            x0, y0, x1, y1 = (round(c * shrink) for c in box)
            piece = frame.crop((x0, y0, x1, y1))
            s = min(max(1.0, r.upscale), r.max_height / max(1, piece.height))
            if s != 1.0:
                size = (max(1, round(piece.width * s)), max(1, round(piece.height * s)))
                piece = piece.resize(size, Image.Resampling.BILINEAR)
            # the box really cropped, in source pixels, and output pixels per source pixel
            actual = (x0 / shrink, y0 / shrink, x1 / shrink, y1 / shrink)
            crops[r.key] = Crop(piece, j, t / scale, actual, piece.width * shrink / max(1, x1 - x0))
    if wanted:
        missing = sum(len(v) for v in wanted.values())
        log.warning("%d key frame(s) could not be decoded from %s; drawn without the picture", missing, video)
    return crops
