"""Clip factory for the video tests: synthetic clips and variants of the shared runner clip, written
with PyAV into pytest's tmp_path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "video"
GAITLAB = SHARED / "gaitlab_male_side.mp4"
SPORTS2D = SHARED / "sports2d_demo.mp4"

TIME_BASE = Fraction(1, 15360)


def write_clip(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    times_s: Sequence[float] | None = None,
    fps: int = 30,
    rotation_ccw: int | None = None,
    hflip: bool = False,
    tags: dict[str, str] | None = None,
    codec: str = "libx264",
    crf: int = 16,
    faststart: bool = False,
    preset: str = "ultrafast",
) -> Path:
    """Encode RGB frames. ``times_s`` (default i / fps) become the PTS exactly (in 1/15360 s);
    ``rotation_ccw`` writes a display matrix as PyAV's ``set_display_rotation`` does."""
    options = {}
    if tags:
        options["movflags"] = "use_metadata_tags"
    if faststart:
        options["movflags"] = "+".join(filter(None, [options.get("movflags"), "faststart"]))
    out = av.open(str(path), "w", options=options)
    for k, v in (tags or {}).items():
        out.metadata[k] = v
    stream = out.add_stream(codec, rate=fps)
    stream.time_base = TIME_BASE
    if codec == "libx264":
        stream.options = {"crf": str(crf), "preset": preset}
    if times_s is not None:
        # keep the exact PTS: encode in the fine time base, and without B-frames, whose reordering
        # assumes a constant rate
        stream.codec_context.time_base = TIME_BASE
        stream.codec_context.max_b_frames = 0
    first = True
    for i, rgb in enumerate(frames):
        if first:
            stream.height, stream.width = rgb.shape[:2]
            stream.pix_fmt = "yuv420p"
            if rotation_ccw is not None or hflip:
                stream.set_display_rotation(rotation_ccw or 0, hflip=hflip)
            first = False
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        t = times_s[i] if times_s is not None else i / fps
        frame.pts = round(t / TIME_BASE)
        frame.time_base = TIME_BASE
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path


def pattern(i: int, width: int = 96, height: int = 64) -> np.ndarray:
    """A frame with a red block in the top-left corner, a green block bottom-right and a white
    square that moves right by 2 px per frame: orientation and frame order can be read back."""
    a = np.zeros((height, width, 3), np.uint8)
    a[: height // 4, : width // 4] = (255, 0, 0)
    a[-height // 4 :, -width // 4 :] = (0, 255, 0)
    x = (4 + 2 * i) % (width - 8)
    a[height // 2 - 4 : height // 2 + 4, x : x + 8] = 255
    return a


def red_centroid(rgb: np.ndarray) -> tuple[float, float]:
    """(row, col) of the red block as a fraction of the picture's height and width."""
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 100) & (rgb[..., 2] < 100)
    ys, xs = np.nonzero(red)
    return float(ys.mean() / rgb.shape[0]), float(xs.mean() / rgb.shape[1])


def gaitlab_frames(n: int | None = None, start: int = 0) -> list[np.ndarray]:
    """Frames of the shared runner clip (decoded with plain PyAV, not the code under test)."""
    out = []
    with av.open(str(GAITLAB)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i < start:
                continue
            if n is not None and len(out) >= n:
                break
            out.append(f.to_ndarray(format="rgb24"))
    return out


def audio_only(path: Path, seconds: float = 1.0) -> Path:
    out = av.open(str(path), "w")
    stream = out.add_stream("aac", rate=44100)
    samples = int(44100 * seconds)
    t = np.arange(samples) / 44100
    tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
    frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
    frame.sample_rate = 44100
    frame.pts = 0
    for packet in stream.encode(frame):
        out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path


def still_image(path: Path, codec: str = "png") -> Path:
    """A one-picture file written by FFmpeg's image muxer (PNG or JPEG)."""
    fmt = {"png": "image2", "mjpeg": "image2"}[codec]
    out = av.open(str(path), "w", format=fmt)
    stream = out.add_stream(codec, rate=1)
    stream.width, stream.height = 96, 64
    stream.pix_fmt = "rgb24" if codec == "png" else "yuvj420p"
    frame = av.VideoFrame.from_ndarray(pattern(0), format="rgb24")
    frame = frame.reformat(format=stream.pix_fmt)
    frame.pts = 0
    for packet in stream.encode(frame):
        out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path
