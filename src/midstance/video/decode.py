"""Decode a video with PyAV: :func:`probe` describes it, :func:`iter_frames` yields upright RGB frames.

Timestamps always come from the container's presentation timestamps (PTS), relative to the first
decoded frame (t = 0). Phones record variable frame rate, so ``i / fps`` would drift (DESIGN.md §1).
Every failure a user can cause is raised as :class:`~midstance.errors.InputError` with one line
saying what is wrong and what to do; PyAV's own exceptions never escape.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.container
import av.error
import av.stream
import av.video.frame
import av.video.stream
import numpy as np

from midstance.errors import InputError
from midstance.video import orientation as orient
from midstance.video import slowmo
from midstance.video.prefetch import Prefetcher

log = logging.getLogger(__name__)

#: relative spread of frame intervals (1st to 99th percentile over the median) above which a clip
#: counts as variable frame rate; CFR files with millisecond time bases stay well below it (1/33)
VFR_SPREAD = 0.10

_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` found. Sizes are of the *displayed* (upright) picture unless named coded."""

    path: str
    container: str
    codec: str
    width_px: int
    height_px: int
    coded_width_px: int
    coded_height_px: int
    #: clockwise rotation applied for display (0/90/180/270; legacy ``rotate`` tag convention)
    rotation_deg: int
    #: the display matrix also mirrors the picture (rare: some front-camera recordings)
    mirrored: bool
    #: frames per second over the clip: (frames − 1) / (last − first timestamp)
    fps: float
    #: video packets demuxed (the header's own count is ignored: containers often lie about it)
    frame_count: int
    #: last timestamp plus one frame interval, so 360 frames at 30 fps last 12.0 s
    duration_s: float
    time_base: Fraction
    is_variable_frame_rate: bool
    #: (99th − 1st percentile) / median of the frame intervals
    frame_interval_spread: float
    likely_slow_motion: bool
    slow_motion_reason: str | None
    #: the capture rate stated by the tags, when they state one
    capture_fps: float | None
    #: capture / playback rate when a slowed clip states both (real time = timestamp / factor)
    slow_motion_factor: float | None
    #: demuxing stopped early on a read error, or found fewer packets than the index lists
    #: (the end of the file is damaged or missing)
    truncated: bool
    #: the frame count the container header states (0 when it states none)
    header_frame_count: int
    #: container and stream tags, for diagnostics
    tags: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: timestamps of the frames (seconds from the first frame), from the demuxed packets
    frame_times_s: tuple[float, ...] = field(default=(), repr=False, compare=False)
    #: PTS of the first decoded frame, in ``time_base`` units (the t = 0 of every timestamp)
    start_pts: int = 0
    orientation: orient.Orientation = field(default_factory=orient.Orientation)


# ---------------------------------------------------------------------------------------------
# opening a file, with errors a user can act on


def _check_path(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise InputError(f"{p} is a folder, not a video file; give the path of a video file")
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        reason = exc.strerror or exc
        raise InputError(f"{p} cannot be read ({reason}); check the file's permissions") from None
    if size == 0:
        raise InputError(f"{p} is empty (0 bytes); copy or export the video again")
    return p


def _mp4_top_level_boxes(p: Path) -> list[bytes]:
    """Types of the top-level ISO-BMFF boxes (ftyp, moov, mdat, ...), reading only their headers."""
    boxes: list[bytes] = []
    size_total = p.stat().st_size
    with p.open("rb") as fh:
        pos = 0
        while pos + 8 <= size_total and len(boxes) < 1000:
            fh.seek(pos)
            head = fh.read(16)
            size = int.from_bytes(head[:4], "big")
            boxes.append(head[4:8])
            if size == 1 and len(head) >= 16:
                size = int.from_bytes(head[8:16], "big")
            elif size == 0:  # box runs to the end of the file
                break
            if size < 8:
                break
            pos += size
    return boxes


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * len(text)


def _open_failure(p: Path, exc: Exception) -> InputError:
    with p.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head[4:8] == b"ftyp":
        boxes = _mp4_top_level_boxes(p)
        if b"moov" not in boxes:
            return InputError(
                f"{p} is an incomplete MP4/MOV: its index (moov box) is missing, so the recording was "
                "probably cut off; copy or export the video again"
            )
        return InputError(f"{p} is a damaged MP4/MOV that FFmpeg cannot open; copy or export the video again")
    if _looks_like_text(head):
        return InputError(f"{p} is a text file, not a video; give a video file (MP4, MOV or WebM)")
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return InputError(f"{p} is not a video FFmpeg can read ({reason}); give an MP4, MOV or WebM video")


def _open(p: Path) -> av.container.InputContainer:
    try:
        return av.open(str(p), mode="r", metadata_errors="replace")
    except av.error.FFmpegError as exc:
        raise _open_failure(p, exc) from None


def _is_still_image_format(container: av.container.InputContainer) -> bool:
    names = set(container.format.name.split(","))
    return "image2" in names or any(n.endswith("_pipe") for n in names)


def _video_stream(container: av.container.InputContainer, p: Path) -> av.video.stream.VideoStream:
    if _is_still_image_format(container):
        codec = container.streams.video[0].codec_context.name if container.streams.video else "image"
        raise InputError(
            f"{p} is a still image ({codec}), not a video; give a video of the runner lasting several seconds"
        )
    videos = [s for s in container.streams.video if not (s.disposition & av.stream.Disposition.attached_pic)]
    if not videos:
        if container.streams.audio:
            raise InputError(f"{p} has sound but no picture (audio only); give a video file")
        raise InputError(f"{p} has no video stream; give a video file")
    stream = videos[0]
    if stream.codec_context is None:
        raise InputError(f"{p} uses a video codec this FFmpeg build cannot decode; convert it to H.264 MP4")
    return stream


# ---------------------------------------------------------------------------------------------
# decoding that survives damaged packets


@dataclass
class DecodeStats:
    """What went wrong while decoding (filled in as frames are read)."""

    bad_packets: int = 0
    read_error: str | None = None
    frames: int = 0
    missing_timestamps: int = 0


def _decode(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, stats: DecodeStats
) -> Iterator[av.video.frame.VideoFrame]:
    """Frames in presentation order; a packet that fails to decode is skipped, a read error ends
    the stream (after flushing what the decoder holds)."""
    demux = container.demux(stream)
    while True:
        try:
            packet = next(demux)
        except StopIteration:
            return
        except (av.error.FFmpegError, OSError) as exc:
            stats.read_error = str(exc)
            break
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            stats.bad_packets += 1
            continue
        for frame in frames:
            stats.frames += 1
            yield frame
    try:
        for frame in stream.codec_context.decode(None):
            stats.frames += 1
            yield frame
    except av.error.FFmpegError:
        stats.bad_packets += 1


def _frame_pts(frame: av.video.frame.VideoFrame) -> int | None:
    if frame.pts is not None:
        return int(frame.pts)
    return int(frame.dts) if frame.dts is not None else None


def _frame_orientation(frame: av.video.frame.VideoFrame) -> orient.Orientation:
    # PyAV's stubs type side_data as a TypedDict; at run time it is a container of SideData buffers
    entries: Any = frame.side_data
    for entry in entries:
        if str(getattr(entry, "type", "")).endswith("DISPLAYMATRIX"):
            return orient.from_display_matrix(bytes(entry))
    return orient.from_rotation(frame.rotation) if frame.rotation else orient.Orientation()


# ---------------------------------------------------------------------------------------------
# probe


def _tags(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> dict[str, str]:
    tags = {str(k): str(v) for k, v in container.metadata.items()}
    tags.update({str(k): str(v) for k, v in stream.metadata.items()})
    return tags


def _packet_pts(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> tuple[list[int], bool]:
    pts: list[int] = []
    truncated = False
    demux = container.demux(stream)
    while True:
        try:
            packet = next(demux)
        except StopIteration:
            break
        except (av.error.FFmpegError, OSError):
            truncated = True
            break
        if packet.size == 0:
            continue  # the flush packet PyAV appends
        if packet.pts is not None:
            pts.append(int(packet.pts))
        elif packet.dts is not None:
            pts.append(int(packet.dts))
    return pts, truncated


def probe(path: str | Path) -> VideoInfo:
    """Describe a video: displayed size, rotation, timing, slow motion. Reads the packets of the whole
    file but decodes only the first frame."""
    p = _check_path(path)
    with _open(p) as container:
        stream = _video_stream(container, p)
        stats = DecodeStats()
        first = next(_decode(container, stream, stats), None)
        if first is None:
            raise InputError(
                f"{p}: no video frame could be decoded (the file is damaged or cut off); "
                "copy or export the video again"
            )
        orientation = _frame_orientation(first)
        start_pts = _frame_pts(first)
        codec = stream.codec_context.name
        coded_w, coded_h = int(first.width), int(first.height)
        time_base = stream.time_base or Fraction(1, 1)
        tags = _tags(container, stream)
        header_rate = float(stream.average_rate) if stream.average_rate else 0.0
        header_frames = int(stream.frames or 0)
        fmt = container.format.name
    with _open(p) as container:
        stream = _video_stream(container, p)
        pts, truncated = _packet_pts(container, stream)

    if start_pts is None or not pts:
        # no timestamps at all (e.g. a raw H.264 stream): fall back to the nominal rate
        n = max(len(pts), 1)
        rate = header_rate or 30.0
        times = np.arange(n) / rate
        start_pts = 0
    else:
        arr = np.unique(np.asarray(pts, dtype=np.int64))
        arr = arr[arr >= start_pts]  # pre-roll packets before the first shown frame are not frames
        times = (arr - start_pts).astype(float) * float(time_base)
        if times.size == 0:
            times = np.zeros(1)
    n = int(times.size)
    if n <= 1:
        raise InputError(
            f"{p} holds a single picture ({codec}), not a moving video; give a video lasting several seconds"
        )
    dt = np.diff(times)
    dt = dt[dt > 0]
    median_dt = float(np.median(dt)) if dt.size else (1.0 / header_rate if header_rate else 1 / 30)
    spread = float((np.percentile(dt, 99) - np.percentile(dt, 1)) / median_dt) if dt.size >= 2 else 0.0
    span = float(times[-1] - times[0])
    fps = (n - 1) / span if span > 0 else header_rate
    slow = slowmo.detect(tags, fps)
    width, height = orientation.displayed_size(coded_w, coded_h)
    info = VideoInfo(
        path=str(p),
        container=fmt,
        codec=codec,
        width_px=width,
        height_px=height,
        coded_width_px=coded_w,
        coded_height_px=coded_h,
        rotation_deg=orientation.rotation_deg,
        mirrored=orientation.mirror,
        fps=float(fps),
        frame_count=n,
        duration_s=span + median_dt,
        time_base=Fraction(time_base),
        is_variable_frame_rate=bool(spread > VFR_SPREAD),
        frame_interval_spread=spread,
        likely_slow_motion=slow.likely,
        slow_motion_reason=slow.reason,
        capture_fps=slow.capture_fps,
        slow_motion_factor=slow.factor,
        truncated=truncated or len(pts) < header_frames,
        header_frame_count=header_frames,
        tags=tags,
        frame_times_s=tuple(float(t) for t in times),
        start_pts=int(start_pts),
        orientation=orientation,
    )
    log.debug("probed %s: %s", p, info)
    return info


# ---------------------------------------------------------------------------------------------
# frames


def scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) shrunk so the longer side is at most ``max_side`` (never enlarged)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    s = max_side / max(width, height)
    # even sizes keep the 4:2:0 chroma planes whole when FFmpeg scales before converting to RGB
    return max(2, 2 * round(width * s / 2)), max(2, 2 * round(height * s / 2))


class FrameReader:
    """Upright RGB frames of one video with their timestamps, decoded in a background thread.

    ``max_side`` shrinks frames once, in FFmpeg's scaler, while converting to RGB. ``start_s`` /
    ``end_s`` select frames with ``start_s <= t < end_s`` (seeking to the keyframe before
    ``start_s``). :attr:`stats` tells what was damaged once iteration ends."""

    def __init__(
        self,
        path: str | Path,
        max_side: int | None = None,
        start_s: float | None = None,
        end_s: float | None = None,
        *,
        info: VideoInfo | None = None,
        prefetch: int = 4,
    ) -> None:
        self.info = info if info is not None else probe(path)
        self.path = Path(path)
        self.max_side = max_side
        self.start_s = start_s
        self.end_s = end_s
        self.prefetch = prefetch
        self.stats = DecodeStats()

    @property
    def output_size(self) -> tuple[int, int]:
        """(width, height) of the frames yielded (displayed orientation)."""
        return scaled_size(self.info.width_px, self.info.height_px, self.max_side)

    def __iter__(self) -> Iterator[tuple[float, np.ndarray]]:
        feeder: Prefetcher[tuple[float, np.ndarray]] = Prefetcher(
            self._frames, depth=self.prefetch, name="midstance-decode"
        )
        try:
            yield from feeder
        finally:
            feeder.close()

    # everything below runs in the decoding thread

    def _frames(self) -> Iterator[tuple[float, np.ndarray]]:
        start = self.start_s if self.start_s is not None and self.start_s > 0 else None
        if start is not None:
            restarted = False
            for item in self._decode_from(start):
                if item is None:
                    restarted = True  # seek landed after start_s: decode from the top instead
                    break
                yield item
            if not restarted:
                return
            self.stats = DecodeStats()
        for item in self._decode_from(None):
            if item is not None:
                yield item

    def _decode_from(self, seek_s: float | None) -> Iterator[tuple[float, np.ndarray] | None]:
        info = self.info
        tb = float(info.time_base)
        lo = -1e-9 if self.start_s is None else self.start_s - 1e-6
        hi = self.end_s
        expected_first = next((t for t in info.frame_times_s if t >= lo), None)
        with _open(self.path) as container:
            stream = _video_stream(container, self.path)
            if seek_s is not None:
                target = int(info.start_pts + seek_s / tb)
                try:
                    container.seek(target, stream=stream, backward=True, any_frame=False)
                except av.error.FFmpegError:
                    yield None
                    return
            coded_w, coded_h = info.coded_width_px, info.coded_height_px
            out_w, out_h = scaled_size(coded_w, coded_h, self.max_side)
            resize = (out_w, out_h) != (coded_w, coded_h)
            first = True
            index = 0
            for frame in _decode(container, stream, self.stats):
                pts = _frame_pts(frame)
                if pts is None:
                    self.stats.missing_timestamps += 1
                    t = index / info.fps if info.fps > 0 else float(index)
                else:
                    t = (pts - info.start_pts) * tb
                index += 1
                if t < lo:
                    continue
                if hi is not None and t >= hi:
                    break
                if first and seek_s is not None and expected_first is not None and t > expected_first + 1e-6:
                    yield None
                    return
                first = False
                if resize:
                    # scaling the YUV picture first, then converting, is ~30% cheaper than
                    # converting and scaling in one step (measured with PyAV 18 on 1768x994 VP9)
                    small = frame.reformat(width=out_w, height=out_h, interpolation="AREA")
                    rgb = small.to_ndarray(format="rgb24")
                else:
                    rgb = frame.to_ndarray(format="rgb24")
                yield t, info.orientation.apply(rgb)
        if self.stats.bad_packets or self.stats.read_error:
            log.warning(
                "%s: %d damaged packet(s)%s; using the %d frames that decoded",
                self.path,
                self.stats.bad_packets,
                f", read error: {self.stats.read_error}" if self.stats.read_error else "",
                self.stats.frames,
            )


def iter_frames(
    path: str | Path,
    max_side: int | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    *,
    info: VideoInfo | None = None,
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(t_s, rgb)`` for each frame: ``t_s`` from the container PTS with the first decoded frame
    at 0, ``rgb`` an upright ``(H, W, 3)`` uint8 array whose longer side is at most ``max_side``."""
    yield from FrameReader(path, max_side, start_s, end_s, info=info)


def read_frames(
    path: str | Path,
    wanted: Iterable[int],
    *,
    info: VideoInfo | None = None,
    max_side: int | None = None,
    stats: DecodeStats | None = None,
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield ``(index, t_s, rgb)`` for the wanted frames only, in order, from one decode front to back
    that stops after the last wanted frame.

    ``index`` counts frames from 0 as :func:`probe` lists them (``info.frame_times_s[index]`` is
    ``t_s``); frames are matched by their container timestamp, so a damaged packet that drops a frame
    does not shift the others, and a wanted frame that does not decode is simply not yielded.
    ``rgb`` is upright, ``(H, W, 3)`` uint8, its longer side at most ``max_side``. Unwanted frames are
    decoded but never converted to RGB, which costs more than decoding (e.g. for a report's few
    key frames out of a long clip). ``stats``, when given, is filled in as frames are read."""
    want = {int(i) for i in wanted}
    if not want:
        return
    p = _check_path(path)
    info = info if info is not None else probe(p)
    stats = stats if stats is not None else DecodeStats()
    ft = np.asarray(info.frame_times_s, dtype=float)
    if ft.size == 0:
        return
    tol = 0.5 * float(np.median(np.diff(ft))) if ft.size > 1 else 1e-3
    tb = float(info.time_base)
    last = max(want)
    out_w, out_h = scaled_size(info.coded_width_px, info.coded_height_px, max_side)
    resize = (out_w, out_h) != (info.coded_width_px, info.coded_height_px)
    with _open(p) as container:
        stream = _video_stream(container, p)
        for frame in _decode(container, stream, stats):
            pts = _frame_pts(frame)
            if pts is None:
                stats.missing_timestamps += 1
                continue
            t = (pts - info.start_pts) * tb
            j = int(np.clip(np.searchsorted(ft, t), 0, ft.size - 1))
            if j > 0 and abs(ft[j - 1] - t) < abs(ft[j] - t):
                j -= 1
            if abs(ft[j] - t) <= tol and j in want:
                if resize:
                    rgb = frame.to_ndarray(
                        width=out_w, height=out_h, format="rgb24", interpolation="BILINEAR"
                    )
                else:
                    rgb = frame.to_ndarray(format="rgb24")
                yield j, float(t), info.orientation.apply(rgb)
            if j >= last:
                break
    if stats.bad_packets or stats.read_error:
        log.warning(
            "%s: %d damaged packet(s)%s while reading frames",
            p,
            stats.bad_packets,
            f", read error: {stats.read_error}" if stats.read_error else "",
        )
