"""Report speed: how long the HTML report (and the overlay video) take next to the analysis itself.

Prints figures (no assertions). Target (report issue): writing the report takes at most 20 % of the
analysis time of the sample clip (samples/gaitlab_male_side.mp4: pose + gait core). Also timed:
the overlay video, and the report for motion capture (Running_0002, the RBDS trials when
../shared/data is there) and for a synthetic video when pose is not available.
Run: .venv/bin/python benchmarks/report_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "gaitlab_male_side.mp4"
C3D = REPO / "samples" / "Running_0002.c3d"
SHARED = REPO.parent / "shared" / "data" / "mocap"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def best(fn: Callable[[], Any], repeat: int) -> float:
    return min(timed(fn)[0] for _ in range(repeat))


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def video_case(tmp: Path, repeat: int) -> bool:
    from midstance.core.analysis import analyze_with_traces
    from midstance.errors import MidstanceError
    from midstance.pipeline import InputOptions, load_input
    from midstance.report import write_overlay, write_report

    try:
        t_pose, kp = timed(lambda: load_input(SAMPLE, InputOptions()))
    except (ImportError, MidstanceError) as exc:
        print(f"sample clip: pose not available ({exc}); falling back to a synthetic video")
        return False
    t_core, (result, traces) = timed(lambda: analyze_with_traces(kp))
    analysis = t_pose + t_core
    report = best(lambda: write_report(result, fresh(tmp / "report"), traces=traces, video=SAMPLE), repeat)
    overlay = best(lambda: write_overlay(result, traces, SAMPLE, tmp / "overlay.mp4", force=True), 1)
    size = (tmp / "report" / "index.html").stat().st_size
    print(
        f"sample clip {SAMPLE.name} ({kp.n_frames} frames, {len(result.stances)} stances): "
        f"analysis {analysis:.2f} s (pose {t_pose:.2f} s + core {t_core * 1000:.0f} ms)"
    )
    print(
        f"  report {report:.2f} s = {100 * report / analysis:.0f} % of the analysis (target <= 20 %), "
        f"index.html {size / 1e6:.1f} MB"
    )
    print(f"  overlay {overlay:.2f} s = {100 * overlay / analysis:.0f} % of the analysis")
    return True


def synthetic_case(tmp: Path, repeat: int) -> None:
    """No pose: a synthetic runner filmed at 30 fps, 12 s like the sample clip."""
    from fractions import Fraction

    import av
    import numpy as np
    from PIL import Image, ImageDraw

    from midstance.core.analysis import analyze_with_traces
    from midstance.core.synthetic import SyntheticRunner
    from midstance.report import write_overlay, write_report

    trial = SyntheticRunner(rate_hz=30, duration_s=12.0).image(
        facing="left", px_per_m=500, width=720, height=1280
    )
    kp = trial.keypoints
    video = tmp / "synthetic.mp4"
    with av.open(str(video), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 720, 1280, "yuv420p"
        for i in range(kp.n_frames):
            img = Image.new("RGB", (720, 1280), (70, 80, 90))
            draw = ImageDraw.Draw(img)
            for a, b in (("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("right_hip", "right_knee")):
                draw.line([tuple(kp.points[a][i]), tuple(kp.points[b][i])], fill=(230, 220, 200), width=14)
            frame = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    t_core, (result, traces) = timed(lambda: analyze_with_traces(kp))
    report = best(lambda: write_report(result, fresh(tmp / "syn"), traces=traces, video=video), repeat)
    overlay = best(lambda: write_overlay(result, traces, video, tmp / "syn.mp4", force=True), 1)
    print(
        f"synthetic 12 s video ({kp.n_frames} frames, {len(result.stances)} stances): core {t_core * 1000:.0f} ms, "
        f"report {report:.2f} s, overlay {overlay:.2f} s (no pose time to compare with)"
    )


def mocap_cases(tmp: Path, repeat: int) -> None:
    from midstance.core.analysis import analyze_with_traces
    from midstance.pipeline import InputOptions, load_input
    from midstance.report import write_report

    trials = [C3D]
    if SHARED.is_dir():
        trials += [SHARED / "RBDS001runT25markers.txt", SHARED / "RBDS002runT45markers.txt"]
    for path in trials:
        t_load, kp = timed(lambda path=path: load_input(path, InputOptions()))
        t_core, (result, traces) = timed(lambda kp=kp: analyze_with_traces(kp))
        report = best(lambda r=result, tr=traces: write_report(r, fresh(tmp / "mocap"), traces=tr), repeat)
        print(
            f"{path.name} ({len(result.stances)} stances): analysis {t_load + t_core:.2f} s, "
            f"report {report:.2f} s (stick figures)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="report timings are the best of N runs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="midstance-report-bench-") as d:
        tmp = Path(d)
        if not video_case(tmp, args.repeat):
            synthetic_case(tmp, args.repeat)
        mocap_cases(tmp, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
