"""Run pose over a whole clip on all cores: time chunks, one worker process (one Pose) each.

MediaPipe's TFLite step is single-threaded and threads beyond the core count collapse throughput
(DESIGN.md §7), so parallelism is by process. Each chunk after the first starts ``overlap_s / 2``
before its seam and the one before it runs ``overlap_s / 2`` past it: the later chunk's tracker has
found the person and settled by the seam, the seam takes the earlier chunk's frames before it and
the later chunk's from it on, and the frames both processed show whether they followed the same
person.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import queue as queue_mod
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import midstance
from midstance.errors import AnalysisError, InputError
from midstance.pose.landmarks import LEFT_HIP, N_LANDMARKS, RIGHT_HIP
from midstance.pose.people import CropPlan, Sample
from midstance.pose.settings import PoseSettings
from midstance.pose.worker import ChunkJob, ChunkResult, make_backends, receive, run_chunk
from midstance.video.decode import VideoInfo

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: a chunk shorter than this many overlaps is not worth its own process start-up
_MIN_CHUNK_OVERLAPS = 3.0


@dataclass
class PoseRun:
    """Stitched output of all chunks, in time order."""

    times: np.ndarray
    landmarks: np.ndarray  # (n, 33, 3): x, y, visibility; NaN where nobody was found
    samples: list[Sample] = field(default_factory=list)
    frames_decoded: int = 0
    bad_packets: int = 0
    read_error: str | None = None
    #: per seam: median distance between the two chunks' mid-hips on the frames both processed,
    #: in body radii (NaN when they share no frame with a person)
    seam_mismatch: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    start_s: float | None  # processing range
    end_s: float | None
    keep_from_s: float  # output range: keep_from_s <= t < keep_to_s
    keep_to_s: float


def plan_chunks(
    info: VideoInfo,
    n_chunks: int,
    overlap_s: float,
    span: tuple[float, float] = (-np.inf, np.inf),
) -> list[Chunk]:
    """Split the clip (or the part ``span[0] <= t < span[1]`` of it) into ``n_chunks`` pieces
    holding equal numbers of frames (fewer when it is too short for the overlap to pay off)."""
    lo, hi = span
    all_times = np.asarray(info.frame_times_s) if info.frame_times_s else np.array([0.0])
    times = all_times[(all_times >= lo) & (all_times < hi)]
    if times.size == 0:
        return []
    length = float(times[-1] - times[0]) + 1.0 / max(info.fps, 1.0)
    n = max(1, int(n_chunks))
    if overlap_s > 0:
        n = max(1, min(n, int(length / (_MIN_CHUNK_OVERLAPS * overlap_s))))
    seams = [float(times[round(k * times.size / n)]) for k in range(1, n)]
    edges = [lo, *seams, hi]
    half = overlap_s / 2.0
    chunks = []
    for k in range(n):
        a, b = edges[k], edges[k + 1]
        start = a - half if np.isfinite(a) and a - half > 0 else None
        end = b + half if np.isfinite(b) else None
        chunks.append(Chunk(start, end, a, b))
    return chunks


def _expected_frames(info: VideoInfo, chunk: Chunk) -> int:
    t = np.asarray(info.frame_times_s)
    lo = -np.inf if chunk.start_s is None else chunk.start_s
    hi = np.inf if chunk.end_s is None else chunk.end_s
    return int(((t >= lo) & (t < hi)).sum())


def _raise_from_worker(kind: str, message: str) -> None:
    if kind == "input":
        raise InputError(message)
    if kind == "analysis":
        raise AnalysisError(message)
    raise RuntimeError(f"pose worker failed: {message}")


class _Worker:
    """One worker process (``python -m midstance.pose.worker``) and a thread reading its messages."""

    def __init__(self, job: ChunkJob, inbox: queue_mod.Queue[tuple[str, int, Any]]) -> None:
        self.job = job
        self.errors = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in stop()
        env = dict(os.environ)
        # the child must import this very package, wherever it was imported from here
        package_root = str(Path(midstance.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "midstance.pose.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            env=env,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._stdin = self.proc.stdin
        self._stdout = self.proc.stdout
        # the job is written from the thread: a long clip's job exceeds the pipe buffer and the
        # child reads it only after its imports, which must not hold up starting the next worker
        self.reader = threading.Thread(target=self._talk, args=(inbox,), daemon=True)
        self.reader.start()

    def _talk(self, inbox: queue_mod.Queue[tuple[str, int, Any]]) -> None:
        try:
            try:
                self._stdin.write(pickle.dumps(self.job, protocol=pickle.HIGHEST_PROTOCOL))
                self._stdin.close()
            except OSError:
                pass  # the child died first; its missing result is reported on "eof"
            while (message := receive(self._stdout)) is not None:
                inbox.put(message)
        except Exception as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            inbox.put(("error", self.job.index, ("bug", f"reading worker output: {exc!r}")))
        finally:
            inbox.put(("eof", self.job.index, None))

    def last_error_line(self) -> str:
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no output"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=5)
        self._stdout.close()
        self.errors.close()


def _run_in_processes(
    jobs: list[ChunkJob], workers: int, on_frames: Callable[[int], None]
) -> list[ChunkResult]:
    inbox: queue_mod.Queue[tuple[str, int, Any]] = queue_mod.Queue()
    pending = list(jobs)
    running: dict[int, _Worker] = {}
    results: dict[int, ChunkResult] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.pop(0)
                running[job.index] = _Worker(job, inbox)
            kind, index, payload = inbox.get()
            if kind == "progress":
                on_frames(int(payload))
            elif kind == "done":
                results[index] = payload
            elif kind == "error":
                _raise_from_worker(*payload)
            elif kind == "eof":
                worker = running.pop(index)
                code = worker.proc.wait()
                if index not in results:
                    detail = worker.last_error_line()
                    worker.stop()
                    raise RuntimeError(
                        f"pose worker {index} stopped without a result (exit {code}): {detail}"
                    )
                worker.stop()
    finally:
        for worker in running.values():
            worker.stop()
    return [results[j.index] for j in jobs]


def _run_here(jobs: list[ChunkJob], on_frames: Callable[[int], None]) -> list[ChunkResult]:
    out = []
    for job in jobs:
        pose, detector = make_backends(job)
        try:
            out.append(run_chunk(job, pose, detector, on_frames))
        finally:
            for backend in (pose, detector):
                if backend is not None:
                    backend.close()
    return out


def _hips(lms: np.ndarray) -> np.ndarray:
    return (lms[:, LEFT_HIP, :2] + lms[:, RIGHT_HIP, :2]) / 2.0


def _seam_mismatch(a: ChunkResult, b: ChunkResult) -> float:
    """Median mid-hip distance (in body radii ≈ hip-to-nose lengths) over frames both chunks ran."""
    common, ia, ib = np.intersect1d(np.round(a.times, 6), np.round(b.times, 6), return_indices=True)
    if common.size == 0:
        return float("nan")
    ha, hb = _hips(a.landmarks[ia]), _hips(b.landmarks[ib])
    size = np.linalg.norm(a.landmarks[ia, 0, :2] - ha, axis=1)  # nose to mid-hip
    d = np.linalg.norm(ha - hb, axis=1) / np.maximum(size, 1.0)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def run_pose(
    path: str,
    info: VideoInfo,
    settings: PoseSettings,
    *,
    workers: int = 2,
    plan: CropPlan | None = None,
    detect: bool = True,
    pose: bool = True,
    span: tuple[float, float] = (-np.inf, np.inf),
    progress: Progress | None = None,
    progress_offset: int = 0,
    progress_total: int | None = None,
) -> PoseRun:
    """Pose over the clip (or over ``span``) in ``workers`` processes (0: in this process)."""
    chunks = plan_chunks(info, max(1, workers), settings.overlap_s, span)
    jobs = [
        ChunkJob(path, info, k, c.start_s, c.end_s, settings, plan=plan, detect=detect, pose=pose)
        for k, c in enumerate(chunks)
    ]
    total = progress_total if progress_total is not None else sum(_expected_frames(info, c) for c in chunks)
    done = [progress_offset]

    def on_frames(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(min(done[0], total), total)

    results = _run_here(jobs, on_frames) if workers <= 0 else _run_in_processes(jobs, workers, on_frames)

    times: list[np.ndarray] = []
    lms: list[np.ndarray] = []
    samples: list[Sample] = []
    for c, r in zip(chunks, results, strict=True):
        keep = (r.times >= c.keep_from_s) & (r.times < c.keep_to_s)
        times.append(r.times[keep])
        lms.append(r.landmarks[keep])
        samples.extend(s for s in r.samples if c.keep_from_s <= s.t_s < c.keep_to_s)
    run = PoseRun(
        times=np.concatenate(times) if times else np.zeros(0),
        landmarks=np.concatenate(lms) if lms else np.zeros((0, N_LANDMARKS, 3)),
        samples=sorted(samples, key=lambda s: s.t_s),
        frames_decoded=sum(r.frames_decoded for r in results),
        bad_packets=sum(r.bad_packets for r in results),
        read_error=next((r.read_error for r in results if r.read_error), None),
        seam_mismatch=[_seam_mismatch(a, b) for a, b in itertools.pairwise(results)],
    )
    order = np.argsort(run.times, kind="stable")
    run.times, run.landmarks = run.times[order], run.landmarks[order]
    if progress is not None and progress_total is None:
        progress(total, total)
    return run
