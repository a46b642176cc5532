"""Gait-core speed: how many times faster than real time the core analyses a trial.

Prints figures (no assertions). Target (gait engine issue): a 60-second trial ≥ 1000× faster than
real time, i.e. ≤ 60 ms. Measured: the core alone (keypoints in, result out), on
  * a 60 s synthetic 3D trial at 150 Hz with 5 foot markers per side (the size of an RBDS trial), and
  * the real 30 s RBDS trials from ../shared/data (import and marker model timed separately).
Run: .venv/bin/python benchmarks/core_speed.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from midstance.core.analysis import analyze
from midstance.core.series import WorldKeypoints
from midstance.core.synthetic import SyntheticRunner

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mocap"


def best_of(fn, n: int = 7) -> float:
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def with_foot_markers(kp: WorldKeypoints) -> WorldKeypoints:
    """Add the extra foot markers and pelvis points a lab trial carries (same size as RBDS)."""
    pts = dict(kp.points)
    rng = np.random.default_rng(0)
    for side in ("left", "right"):
        for k in range(5):
            base = pts[f"{side}_heel"] if k < 3 else pts[f"{side}_toe"]
            pts[f"{side}_foot_{k}"] = base + rng.normal(0, 0.0005, base.shape) + np.array([0, 0.01 * k, 0])
        pts[f"{side}_asis"] = pts[f"{side}_hip"] + np.array([0.05, 0.05, 0])
        pts[f"{side}_psis"] = pts[f"{side}_hip"] + np.array([-0.1, 0.07, 0])
    return WorldKeypoints(time_s=kp.time_s, points=pts, source=kp.source, up_axis=1)


def main() -> int:
    kp = with_foot_markers(SyntheticRunner(rate_hz=150.0, duration_s=60.0).world().keypoints)
    t = best_of(lambda: analyze(kp))
    n = len(analyze(kp).stances)
    print(
        f"synthetic 60 s at 150 Hz, {len(kp.points)} points: core {t * 1000:.1f} ms "
        f"-> {60.0 / t:,.0f}x real time ({n} stances)"
    )
    if SHARED.is_dir():
        from midstance.pipeline import InputOptions, load_mocap

        for trial in ("RBDS001runT25markers.txt", "RBDS002runT45markers.txt", "Running_0002.c3d"):
            t0 = time.perf_counter()
            real = load_mocap(SHARED / trial, InputOptions())
            t_load = time.perf_counter() - t0
            t = best_of(lambda real=real: analyze(real))
            dur = real.duration_s
            print(
                f"{trial}: {dur:.1f} s, {len(real.points)} points: import + marker model {t_load * 1000:.0f} ms; "
                f"core {t * 1000:.1f} ms -> {dur / t:,.0f}x real time"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
