"""Speed and memory of the video front end: decoding, pose, end to end.

Prints, for the two shared clips and a generated 60 s 1080p60 H.264 clip of the real runner:
decode-only fps, single-process pose fps, end-to-end fps with two workers, real-time factor
(processing time / clip duration) and peak memory of the whole process tree; and for the 1080p60
clip the effect of ``frame_stride`` on speed and on foot-contact timing.

    .venv/bin/python benchmarks/video_speed.py [--quick] [--workdir DIR]

Figures are measured, never asserted (DESIGN.md §5).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from midstance.core.series import ImageKeypoints
from midstance.pose import PoseSettings, load_keypoints, save_keypoints, video_to_keypoints
from midstance.video import iter_frames, probe

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "video"
CLIPS = [SHARED / "gaitlab_male_side.mp4", SHARED / "sports2d_demo.mp4"]

log = logging.getLogger("video_speed")


# --- memory of the process tree -----------------------------------------------------------------


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").glob("*"))
    except OSError:  # the process ended while we looked
        return kids
    for task in tasks:
        try:
            kids += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(root: int) -> float:
    """Resident memory of process ``root`` and all its descendants now (MiB)."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kib(pid)
        todo += _children(pid)
    return total / 1024


class PeakMemory:
    """Samples a process tree's RSS every 50 ms in a thread; ``peak_mib`` after the block."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, tree_rss_mib(self.root))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the generated 1080p60 clip -----------------------------------------------------------------


def _runner_frames() -> list[np.ndarray]:
    with av.open(str(CLIPS[0])) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _landscape(frame: np.ndarray, width: int = 1920, height: int = 1080) -> np.ndarray:
    """The portrait runner frame scaled to full height, centred on a plain backdrop."""
    import cv2

    h, w = frame.shape[:2]
    scaled = cv2.resize(frame, (round(w * height / h), height), interpolation=cv2.INTER_AREA)
    out = np.empty((height, width, 3), np.uint8)
    out[:] = scaled[:, :1].mean(axis=(0, 1)).astype(np.uint8)  # backdrop: the frame edge's colour
    x0 = (width - scaled.shape[1]) // 2
    out[:, x0 : x0 + scaled.shape[1]] = scaled
    return out


def make_1080p60(path: Path, seconds: float = 60.0) -> Path:
    """60 fps from the 30 fps runner: every other frame is the blend of its neighbours (so the
    encoder sees real change, as in a true 60 fps clip); the 12 s clip loops to the length."""
    if path.exists():
        return path
    src = [_landscape(f) for f in _runner_frames()]
    n = round(seconds * 60)
    tmp = path.with_suffix(".part.mp4")
    out = av.open(str(tmp), "w")
    stream = out.add_stream("libx264", rate=60)
    stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
    stream.options = {"crf": "20", "preset": "veryfast"}
    for i in range(n):
        k = (i // 2) % len(src)
        rgb = src[k]
        if i % 2:
            rgb = ((rgb.astype(np.uint16) + src[(k + 1) % len(src)]) // 2).astype(np.uint8)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = i
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    tmp.replace(path)
    return path


# --- measurements -------------------------------------------------------------------------------


@dataclass
class EndToEnd:
    seconds: float
    #: user + system CPU time of the run and its workers: robust when other work shares the machine
    cpu_seconds: float
    peak_mib: float
    keypoints: ImageKeypoints


def end_to_end(path: Path, stride: int, dense: bool, workdir: Path) -> EndToEnd:
    """``video_to_keypoints`` with two workers in a fresh Python process (so its memory is its
    own), timed from the outside, with the peak RSS of that process and its workers."""
    out = workdir / f"kp_{path.stem}_{stride}_{int(dense)}.csv"
    cmd = [sys.executable, __file__, "--one", str(path), "--stride", str(stride), "--out", str(out)]
    if dense:
        cmd.append("--dense")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd)
    with PeakMemory(child.pid) as mem:
        child.wait()
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if child.returncode:
        raise SystemExit(f"end-to-end run failed: {' '.join(cmd)}")
    kp, _ = load_keypoints(out)
    return EndToEnd(seconds, cpu, mem.peak_mib, kp)


def _one(path: Path, stride: int, dense: bool, out: Path) -> None:
    settings = PoseSettings(frame_stride=stride, dense_near_contacts=dense)
    kp, warnings = video_to_keypoints(path, workers=2, settings=settings)
    save_keypoints(kp, out, warnings=warnings)


def decode_fps(path: Path, max_side: int | None) -> float:
    info = probe(path)
    t0 = time.perf_counter()
    n = sum(1 for _ in iter_frames(path, max_side=max_side, info=info))
    return n / (time.perf_counter() - t0)


def pose_fps(path: Path, n: int = 120, max_side: int = 1920) -> float:
    """One MediaPipe Pose in this process on frames decoded beforehand (pose cost alone)."""
    from midstance.pose.mediapipe_backend import MediaPipePose

    frames: list[tuple[float, np.ndarray]] = []
    for item in iter_frames(path, max_side=max_side):
        frames.append(item)
        if len(frames) >= n:
            break
    pose = MediaPipePose()
    try:
        pose.process(frames[0][1], frames[0][0])
        t0 = time.perf_counter()
        for t, rgb in frames[1:]:
            pose.process(rgb, t)
        return (len(frames) - 1) / (time.perf_counter() - t0)
    finally:
        pose.close()


def contact_times(kp: ImageKeypoints) -> dict[str, np.ndarray]:
    """Foot-contact proxy per side: instants the foot's lowest point comes down through a level
    5 % of leg length above its ground level (linear interpolation between samples), counted
    only after the foot has been 15 % of leg length up (hysteresis against jitter)."""
    out = {}
    hips = (kp.points["left_hip"] + kp.points["right_hip"]) / 2
    for side in ("left", "right"):
        foot = np.fmax(kp.points[f"{side}_heel"][:, 1], kp.points[f"{side}_toe"][:, 1])
        leg = np.nanmedian(np.linalg.norm(hips - kp.points[f"{side}_ankle"], axis=1))
        ground = np.nanpercentile(foot, 95)
        level, up = ground - 0.05 * leg, ground - 0.15 * leg
        ok = np.isfinite(foot)
        f, t = foot[ok], kp.time_s[ok]
        events, armed = [], False
        for i in range(1, f.size):
            armed = armed or f[i - 1] < up
            if armed and f[i - 1] < level <= f[i]:
                events.append(t[i - 1] + (level - f[i - 1]) / (f[i] - f[i - 1]) * (t[i] - t[i - 1]))
                armed = False
        out[side] = np.asarray(events)
    return out


def timing_error_ms(ref: ImageKeypoints, test: ImageKeypoints) -> tuple[float, float, int]:
    """Median and 95th-percentile |Δt| (ms) of matched contact instants, and how many matched."""
    a, b = contact_times(ref), contact_times(test)
    diffs = []
    for side in a:
        for t in a[side]:
            if b[side].size:
                d = np.abs(b[side] - t).min()
                if d < 0.1:
                    diffs.append(d)
    if not diffs:
        return float("nan"), float("nan"), 0
    d = np.array(diffs) * 1000
    return float(np.median(d)), float(np.percentile(d, 95)), int(d.size)


def run_clip(path: Path, stride: int, dense: bool, label: str, workdir: Path) -> ImageKeypoints:
    info = probe(path)
    r = end_to_end(path, stride, dense, workdir)
    cores = os.cpu_count() or 1
    idle = r.cpu_seconds / cores  # the wall time an otherwise idle machine would need, at best
    print(
        f"  {label:<26} wall {r.seconds:5.1f} s ({info.frame_count / r.seconds:5.1f} fps, "
        f"RTF {r.seconds / info.duration_s:4.2f}) | CPU {r.cpu_seconds:5.1f} s = {idle:5.1f} s on "
        f"{cores} idle cores (RTF {idle / info.duration_s:4.2f}) | pose on {r.keypoints.n_frames:4d} "
        f"frames | peak RSS {r.peak_mib:4.0f} MiB"
    )
    return r.keypoints


def iter_sizes(quick: bool, workdir: Path) -> Iterator[Path]:
    yield from CLIPS
    if not quick:
        t0 = time.perf_counter()
        clip = make_1080p60(workdir / "runner_1080p60_60s.mp4")
        print(f"(generated {clip} in {time.perf_counter() - t0:.0f} s)")
        yield clip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="only the two shared clips")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "midstance-bench")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child: one end-to-end run
    parser.add_argument("--stride", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--dense", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.one is not None:
        _one(args.one, args.stride, args.dense, args.out)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {os.cpu_count()} cores; PyAV {av.__version__}; peak RSS = the run's process + its workers"
    )
    print(f"load average at start: {os.getloadavg()[0]:.1f} (wall times are only meaningful near 0)")
    for path in iter_sizes(args.quick, args.workdir):
        info = probe(path)
        print(
            f"\n{path.name}: {info.width_px}x{info.height_px} {info.codec} {info.fps:.0f} fps, "
            f"{info.frame_count} frames, {info.duration_s:.1f} s"
        )
        print(
            f"  decode only (1 thread + prefetch): {decode_fps(path, None):6.1f} fps full size, "
            f"{decode_fps(path, 1280):6.1f} fps scaled to 1280"
        )
        print(f"  pose only, one process:            {pose_fps(path):6.1f} fps")
        ref = run_clip(path, 1, False, "frame_stride=1", args.workdir)
        if path.name.startswith("sports2d"):
            continue  # walking, several people: a speed figure only
        for stride, dense in ((2, False), (2, True)):
            label = f"frame_stride={stride}" + (" + contacts" if dense else "")
            kp = run_clip(path, stride, dense, label, args.workdir)
            med, p95, n = timing_error_ms(ref, kp)
            print(
                f"  {'':<26} foot-contact proxy vs stride 1: median {med:4.1f} ms, "
                f"95th percentile {p95:4.1f} ms ({n} contacts)"
            )


if __name__ == "__main__":
    main()
