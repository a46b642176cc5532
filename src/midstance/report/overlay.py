"""The overlay video: the original clip with the skeleton, the events (initial contact, toe-off,
midstance) flashed on their frames, the two plumb lines held around each midstance, and a running
readout of the last offset per side. A rear or front view (no hip–ankle offset) gets the pelvis
line against a horizontal at each midstance and a readout of the pelvic drop instead.
H.264 in MP4 (yuv420p, index at the front) so a browser plays it.

Every source frame is written once, with its own timestamp stretched by ``slowdown``: the frame
count stays the same and the duration becomes the source duration × ``slowdown``."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np
from PIL import Image, ImageDraw

from midstance.core.analysis import Traces
from midstance.core.result import Result, Stance
from midstance.errors import InputError
from midstance.report import drawing as dr
from midstance.report.folder import check_output_file, temp_path_beside
from midstance.report.frames import nearest_frames, open_video, time_scale
from midstance.report.frontal import DROP, drop_label, is_frontal, swing_hip
from midstance.report.keyframes import offset_label
from midstance.report.verdict import OFFSET
from midstance.video.decode import FrameReader, VideoInfo

log = logging.getLogger(__name__)

#: overlays are for watching, not measuring: frames larger than this are shrunk while decoding
MAX_SIDE = 1920
MAX_SLOWDOWN = 16.0
#: seconds (of the source) the plumb lines stay up before and after each midstance, and the
#: event labels after IC / TO
HOLD_S = 0.07
FLASH_S = 0.1
TIME_BASE = Fraction(1, 90000)
X264 = {"preset": "superfast", "crf": "20"}

Progress = Callable[[str, float], None]


@dataclass
class FrameMarks:
    """What to draw on one frame besides the skeleton."""

    flashes: list[tuple[Stance, str]] = field(default_factory=list)  # (stance, "ic" | "to")
    midstance: list[tuple[Stance, bool]] = field(default_factory=list)  # (stance, is the exact frame)


def plan_marks(
    result: Result, info: VideoInfo, scale: float
) -> tuple[dict[int, FrameMarks], list[tuple[int, Stance]]]:
    """Per frame index, the events to draw; and (midstance frame, stance) in time order for the readout."""
    stances = list(result.stances)
    marks: dict[int, FrameMarks] = {}
    if not stances:
        return marks, []
    fps = info.fps if info.fps > 0 else 30.0
    hold = max(2, round(HOLD_S * fps))
    flash = max(2, round(FLASH_S * fps))
    n = info.frame_count
    ic = nearest_frames(info, [s.ic_s for s in stances], scale)
    to = nearest_frames(info, [s.to_s for s in stances], scale)
    ms = nearest_frames(info, [s.midstance_s for s in stances], scale)
    for k, s in enumerate(stances):
        for start, kind in ((int(ic[k]), "ic"), (int(to[k]), "to")):
            for j in range(start, min(n, start + flash)):
                marks.setdefault(j, FrameMarks()).flashes.append((s, kind))
        m = int(ms[k])
        for j in range(max(0, m - hold), min(n, m + hold + 1)):
            marks.setdefault(j, FrameMarks()).midstance.append((s, j == m))
    readout = sorted(((int(ms[k]), s) for k, s in enumerate(stances)), key=lambda x: x[0])
    return marks, readout


def _traced(traces: Traces | None, frame_t: np.ndarray) -> dict[str, np.ndarray]:
    """Every traced point at every frame time: name → (frames, 2), NaN outside the traces."""
    if traces is None or traces.time_s.size < 2:
        return {}
    t = traces.time_s
    inside = (frame_t >= t[0]) & (frame_t <= t[-1])
    out = {}
    for name, arr in traces.points.items():
        xy = np.column_stack([np.interp(frame_t, t, arr[:, 0]), np.interp(frame_t, t, arr[:, 1])])
        xy[~inside] = np.nan
        out[name] = xy
    return out


class _Painter:
    def __init__(self, result: Result, width: int, height: int, shrink: float, slowdown: float) -> None:
        self.result = result
        self.view = dr.View(0.0, 0.0, shrink)
        self.w, self.h = width, height
        self.lw = max(2, round(height / 300))
        # plumb lines wider than the skeleton: H.264 keeps colour at half resolution (yuv420p)
        self.plumb_w = max(4, round(height / 200))
        self.size = max(12, round(height / 42))
        self.slowdown = slowdown
        self.frontal = is_frontal(result)
        self.last: dict[str, float | None] = {"left": None, "right": None}

    def paint(
        self, img: Image.Image, pose: dict[str, dr.Point], marks: FrameMarks | None, t_s: float
    ) -> None:
        draw = ImageDraw.Draw(img)
        if pose:
            dr.draw_skeleton(draw, self.view, pose, None, self.lw)
        if marks is not None:
            for s, exact in marks.midstance:
                if self.frontal:
                    self._pelvis(draw, s, exact, pose)
                else:
                    self._midstance(draw, s, exact)
            for k, (s, kind) in enumerate(marks.flashes):
                self._flash(draw, s, kind, pose, k)
        self._readout(draw)
        speed = f"  1/{self.slowdown:g} speed" if self.slowdown != 1 else ""
        dr.text_box(draw, (self.w - 6, self.h - 6), f"{t_s:6.2f} s{speed}", self.size, anchor="rd")

    def _midstance(self, draw: ImageDraw.ImageDraw, s: Stance, exact: bool) -> None:
        pts = s.points.get("midstance", {})
        hip, ankle = pts.get("mid_hip"), pts.get("ankle")
        if hip is None or ankle is None:
            return
        hx, ax = self.view.x(hip[0]), self.view.x(ankle[0])
        dr.plumb_line(draw, ax, 0, self.h - 1, dr.ANKLE_LINE, self.plumb_w)
        dr.plumb_line(draw, hx, 0, self.h - 1, dr.HIP_LINE, self.plumb_w)
        label, band = offset_label(s, "midstance")
        y = (self.view.px(hip)[1] + self.view.px(ankle)[1]) / 2
        dr.arrow(draw, (ax, y), (hx, y), dr.BAND_COLOUR[band], self.lw)
        self._banner(draw, s, exact, label, dr.BAND_COLOUR[band])

    def _banner(self, draw: ImageDraw.ImageDraw, s: Stance, exact: bool, label: str, colour: dr.RGB) -> None:
        """The midstance label across the top (capitals on the exact frame)."""
        side = s.side.upper()
        text = f"{side} MIDSTANCE: {label}" if exact else f"{side} midstance: {label}"
        dr.text_box(
            draw, (self.w / 2, self.size * 3.4), text, self.size, bg=colour, anchor="mt", clamp_width=self.w
        )

    def _pelvis(self, draw: ImageDraw.ImageDraw, s: Stance, exact: bool, pose: dict[str, dr.Point]) -> None:
        """Rear/front view: the hip line, drawn well beyond both hips, against a horizontal through
        the stance hip (the hips sit close together in the picture)."""
        other = "right" if s.side == "left" else "left"
        hip, sw = pose.get(f"{s.side}_hip"), pose.get(f"{other}_hip")
        if hip is None or sw is None:
            hip, sw = s.points.get("midstance", {}).get("hip"), swing_hip(s)
        if hip is None or sw is None:
            return
        hs, hw = self.view.px(hip), self.view.px(sw)
        dx, dy = hw[0] - hs[0], hw[1] - hs[1]
        toward = 1.0 if dx >= 0 else -1.0
        span = max(abs(dx), 4.0)
        dr.dashed(
            draw,
            (hs[0] - toward * 0.9 * span, hs[1]),
            (hw[0] + toward * 1.05 * span, hs[1]),
            dr.REFERENCE_LINE,
            self.lw,
            dash=max(4.0, self.h / 90),
        )
        dr.line(
            draw,
            (hs[0] - 0.9 * dx, hs[1] - 0.9 * dy),
            (hw[0] + 0.9 * dx, hw[1] + 0.9 * dy),
            dr.PELVIS_LINE,
            self.plumb_w,
        )
        self._banner(draw, s, exact, drop_label(s), dr.PELVIS_LINE)

    def _flash(
        self, draw: ImageDraw.ImageDraw, s: Stance, kind: str, pose: dict[str, dr.Point], k: int
    ) -> None:
        colour = dr.SIDE_COLOUR[s.side]
        foot = pose.get(f"{s.side}_ankle")
        if foot is None:
            foot = s.points.get("ic", {}).get("ankle") if kind == "ic" else None
        if foot is not None:
            x, y = self.view.px(foot)
            r = self.size * 1.6
            for width, c in ((self.lw + 4, dr.OUTLINE), (self.lw + 2, colour)):
                draw.ellipse([x - r, y - r, x + r, y + r], outline=c, width=width)
        word = "CONTACT" if kind == "ic" else "TOE-OFF"
        dr.text_box(
            draw,
            (self.w / 2, self.size * (5.6 + 1.8 * k)),
            f"{s.side.upper()} {word}",
            self.size,
            bg=colour,
            anchor="mt",
            clamp_width=self.w,
        )

    def _readout(self, draw: ImageDraw.ImageDraw) -> None:
        parts = []
        for side in ("left", "right"):
            v = self.last[side]
            unit = "" if self.frontal else " %"
            parts.append(f"{side[0].upper()} {v:+.1f}{unit}" if v is not None else f"{side[0].upper()}  --")
        if self.frontal:
            text = "pelvic drop, last midstance:  " + "   ".join(parts) + " deg"
        else:
            text = "hip vs ankle at last midstance:  " + "   ".join(parts)
        dr.text_box(draw, (6, 6), text, self.size, anchor="la", clamp_width=self.w)

    def update(self, s: Stance) -> None:
        v = s.get(DROP if self.frontal else OFFSET)
        if v is not None:
            self.last[s.side] = v


def write_overlay(
    result: Result,
    traces: Traces | None,
    video: Path | str,
    out_path: Path | str,
    *,
    slowdown: float = 1.0,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Write the annotated clip to ``out_path`` (MP4) and return it. ``slowdown`` = 2 plays at half
    speed (same frames, timestamps stretched)."""
    if (
        not isinstance(slowdown, int | float)
        or not math.isfinite(slowdown)
        or not 0 < slowdown <= MAX_SLOWDOWN
    ):
        raise InputError(
            f"the overlay slow-down must be between 0 and {MAX_SLOWDOWN:g} (2 = half speed), got {slowdown}"
        )
    if result.runner.units != "px":
        raise InputError(
            "an overlay needs a video result; motion capture and world keypoints have no frames to draw on"
        )
    out = check_output_file(Path(out_path), force, "overlay video", (".mp4", ".m4v", ".mov"))
    video_path = Path(video)
    info = open_video(video_path, result)
    scale = time_scale(result)
    say = progress or (lambda stage, frac: None)
    marks, readout = plan_marks(result, info, scale)
    frame_t = np.asarray(info.frame_times_s, dtype=float) / scale
    traced = _traced(traces, frame_t)
    reader = FrameReader(video_path, max_side=MAX_SIDE, info=info)
    w, h = reader.output_size
    shrink = w / info.width_px
    even_w, even_h = w - w % 2, h - h % 2  # yuv420p needs even sizes
    painter = _Painter(result, even_w, even_h, shrink, float(slowdown))
    ft = np.asarray(info.frame_times_s, dtype=float)
    rate = Fraction(round(info.fps * 1000), 1000) if info.fps > 0 else Fraction(30)
    tmp = temp_path_beside(out)
    fmt = "mov" if out.suffix.lower() == ".mov" else "mp4"
    written = 0
    next_readout = 0
    try:
        with av.open(str(tmp), "w", format=fmt, options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=rate / Fraction(slowdown).limit_denominator(1000))
            stream.width, stream.height = even_w, even_h
            stream.pix_fmt = "yuv420p"
            stream.options = dict(X264)
            stream.codec_context.time_base = TIME_BASE
            stream.time_base = TIME_BASE
            last_pts = -1
            for t, rgb in reader:
                j = int(np.clip(np.searchsorted(ft, t), 0, len(ft) - 1))
                if j > 0 and abs(ft[j - 1] - t) < abs(ft[j] - t):
                    j -= 1
                while next_readout < len(readout) and readout[next_readout][0] <= j:
                    painter.update(readout[next_readout][1])
                    next_readout += 1
                pose = {
                    name: (float(xy[j, 0]), float(xy[j, 1]))
                    for name, xy in traced.items()
                    if np.isfinite(xy[j]).all()
                }
                img = Image.fromarray(rgb[:even_h, :even_w])
                painter.paint(img, dr.with_midpoints(pose), marks.get(j), t / scale)
                frame = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
                pts = max(last_pts + 1, round(t * slowdown / TIME_BASE))
                frame.pts, frame.time_base = pts, TIME_BASE
                last_pts = pts
                for packet in stream.encode(frame):
                    container.mux(packet)
                written += 1
                if written % 30 == 0:
                    say("overlay", written / max(1, info.frame_count))
            for packet in stream.encode():
                container.mux(packet)
        if written == 0:
            raise InputError(f"no frame of {video_path} could be decoded; the overlay was not written")
        tmp.replace(out)
    except av.error.FFmpegError as exc:
        raise InputError(
            f"could not write the overlay video {out} ({exc}); check the disk space and folder"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    say("overlay", 1.0)
    log.info("overlay written to %s (%d frames, slow-down %g)", out, written, slowdown)
    return out
