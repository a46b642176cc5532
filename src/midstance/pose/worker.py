"""Pose on one time chunk of a video: what each worker process runs (one Pose per process).

Decoding runs in a background thread of the worker (:class:`~midstance.video.decode.FrameReader`),
so each process keeps one core busy with pose while FFmpeg decodes the next frames.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from midstance.errors import AnalysisError, InputError, MidstanceError
from midstance.pose.backend import PersonDetection, PersonDetector, PoseBackend
from midstance.pose.landmarks import N_LANDMARKS
from midstance.pose.people import CropPlan, Detection, Sample
from midstance.pose.settings import PoseSettings
from midstance.pose.stride import FrameSelector
from midstance.video.decode import FrameReader, VideoInfo

log = logging.getLogger(__name__)

#: frames between progress messages from a worker
_PROGRESS_EVERY = 10
#: leg-motion picture is the frame subsampled by this factor (cheap, and enough for a ratio)
_MOTION_SUBSAMPLE = 4


@dataclass(frozen=True)
class ChunkJob:
    path: str
    info: VideoInfo
    index: int
    #: frames with start_s <= t < end_s (None: from the first / to the last frame)
    start_s: float | None
    end_s: float | None
    settings: PoseSettings
    #: follow this person on crops (None: the whole picture, MediaPipe picks the person)
    plan: CropPlan | None = None
    #: also sample all people every ``settings.detect_every_s``
    detect: bool = True
    #: run pose (False: only sample people)
    pose: bool = True


@dataclass
class ChunkResult:
    index: int
    #: timestamps of the frames pose ran on
    times: np.ndarray
    #: (n, 33, 3) x, y, visibility in displayed full-resolution pixels; NaN where nobody was found
    landmarks: np.ndarray
    samples: list[Sample] = field(default_factory=list)
    frames_decoded: int = 0
    bad_packets: int = 0
    read_error: str | None = None


def _frame_index(frame_times: np.ndarray, t: float) -> int:
    """Global index of the decoded frame at ``t`` (nearest listed timestamp)."""
    if frame_times.size == 0:
        return 0
    i = int(np.searchsorted(frame_times, t))
    if i > 0 and (i == frame_times.size or t - frame_times[i - 1] < frame_times[i] - t):
        i -= 1
    return i


def _small_gray(rgb: np.ndarray) -> np.ndarray:
    return rgb[::_MOTION_SUBSAMPLE, ::_MOTION_SUBSAMPLE].mean(axis=2, dtype=np.float32)


def _leg_motion(diff: np.ndarray, d: PersonDetection) -> float:
    """Mean frame difference in the leg region (below the mid-hip) over the whole picture's mean."""
    s = _MOTION_SUBSAMPLE
    x0, x1 = int((d.cx - 0.5 * d.radius) / s), int((d.cx + 0.5 * d.radius) / s) + 1
    y0, y1 = int(d.cy / s), int((d.cy + d.radius) / s) + 1
    h, w = diff.shape
    x0, x1, y0, y1 = max(0, x0), min(w, x1), max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return float("nan")
    return float(diff[y0:y1, x0:x1].mean() / (diff.mean() + 1e-3))


def run_chunk(
    job: ChunkJob,
    pose: PoseBackend | None,
    detector: PersonDetector | None,
    report: Callable[[int], None] | None = None,
) -> ChunkResult:
    """Run pose (and person sampling) over one chunk with the given backends."""
    st = job.settings
    info = job.info
    reader = FrameReader(job.path, st.max_side, job.start_s, job.end_s, info=info)
    out_w, out_h = reader.output_size
    sx, sy = info.width_px / out_w, info.height_px / out_h
    frame_times = np.asarray(info.frame_times_s)
    dt = 1.0 / info.fps if info.fps > 0 else 1 / 30
    selector = FrameSelector(st.frame_stride, st.dense_near_contacts, dt)
    next_detect = -np.inf
    prev_gray: np.ndarray | None = None
    times: list[float] = []
    rows: list[np.ndarray] = []
    samples: list[Sample] = []
    n = 0
    empty = np.full((N_LANDMARKS, 3), np.nan, dtype=np.float32)
    for t, rgb in reader:
        n += 1
        if report is not None and n % _PROGRESS_EVERY == 0:
            report(_PROGRESS_EVERY)
        detect_now = detector is not None and job.detect and t >= next_detect
        if detector is not None and job.detect and (detect_now or t + 1.5 * dt >= next_detect):
            gray = _small_gray(rgb)
            if detect_now:
                found = detector.detect(rgb)
                same_shape = prev_gray is not None and prev_gray.shape == gray.shape
                diff = np.abs(gray - prev_gray) if same_shape else None
                dets = tuple(
                    Detection(
                        d.cx * sx,
                        d.cy * sy,
                        d.radius * max(sx, sy),
                        d.score,
                        _leg_motion(diff, d) if diff is not None else float("nan"),
                    )
                    for d in found
                )
                samples.append(Sample(t, dets))
                next_detect = t + st.detect_every_s - 0.5 * dt
            prev_gray = gray
        if pose is None or not selector.want(_frame_index(frame_times, t)):
            continue
        if job.plan is not None:
            box = job.plan.crop_box(t, out_w, out_h, scale=1.0 / sx, size_radii=st.crop_radii)
            if box is None:
                selector.observe(t, None)
                times.append(t)
                rows.append(empty)
                continue
            x0, y0, x1, y1 = box
            lm = pose.process(rgb[y0:y1, x0:x1], t)
            if lm is not None:
                lm = lm.mapped(1.0, 1.0, x0, y0)
        else:
            lm = pose.process(rgb, t)
        selector.observe(t, lm)
        times.append(t)
        rows.append(empty if lm is None else lm.mapped(sx, sy).as_array())
    if report is not None and n % _PROGRESS_EVERY:
        report(n % _PROGRESS_EVERY)
    return ChunkResult(
        index=job.index,
        times=np.asarray(times, dtype=float),
        landmarks=np.stack(rows) if rows else np.zeros((0, N_LANDMARKS, 3), dtype=np.float32),
        samples=samples,
        frames_decoded=reader.stats.frames,
        bad_packets=reader.stats.bad_packets,
        read_error=reader.stats.read_error,
    )


def make_backends(job: ChunkJob) -> tuple[PoseBackend | None, PersonDetector | None]:
    """The backends a job needs: Pose unless it only samples people, the detector when it samples."""
    from midstance.pose.mediapipe_backend import MediaPipePersonDetector, MediaPipePose

    st = job.settings
    pose = (
        MediaPipePose(
            smooth_landmarks=st.smooth_landmarks,
            min_detection_confidence=st.min_detection_confidence,
            min_tracking_confidence=st.min_tracking_confidence,
        )
        if job.pose
        else None
    )
    detector = MediaPipePersonDetector() if job.detect and job.plan is None else None
    return pose, detector


def _send(stream: Any, message: tuple[str, int, Any]) -> None:
    blob = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(blob)))
    stream.write(blob)
    stream.flush()


def receive(stream: Any) -> tuple[str, int, Any] | None:
    """Next message from a worker's output stream; None at its end."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack("<Q", head)
    blob = stream.read(size)
    if len(blob) < size:
        return None
    message: tuple[str, int, Any] = pickle.loads(blob)
    return message


def main() -> None:
    """Worker process: read one pickled :class:`ChunkJob` from stdin, send progress and the result
    (or the error) as length-prefixed pickles on the original stdout.

    The worker is started with ``python -m midstance.pose.worker`` rather than ``multiprocessing``
    so that it never re-imports the caller's ``__main__`` (scripts without a main guard, notebooks)."""
    from midstance.pose.quiet import silence_native_stderr_for_good

    channel = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stray prints must not corrupt the message stream
    os.close(devnull)
    job: ChunkJob = pickle.load(sys.stdin.buffer)
    silence_native_stderr_for_good()
    pose: PoseBackend | None = None
    detector: PersonDetector | None = None

    def report(k: int) -> None:
        _send(channel, ("progress", job.index, k))

    try:
        pose, detector = make_backends(job)
        result = run_chunk(job, pose, detector, report)
        _send(channel, ("done", job.index, result))
    except MidstanceError as exc:
        kind = "other"
        if isinstance(exc, InputError):
            kind = "input"
        elif isinstance(exc, AnalysisError):
            kind = "analysis"
        _send(channel, ("error", job.index, (kind, exc.message)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it as a bug
        import traceback

        _send(
            channel, ("error", job.index, ("bug", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
        )
    finally:
        for backend in (pose, detector):
            if backend is not None:
                backend.close()
        channel.close()


if __name__ == "__main__":
    # run main() of the module imported under its real name, so that the classes in the pickled
    # messages are midstance.pose.worker.ChunkResult, not __main__.ChunkResult
    from midstance.pose import worker as _imported

    _imported.main()
