"""Do the real clip's foot contacts survive what phones and people do to a video?

Writes variants of ``shared/data/video/gaitlab_male_side.mp4`` (re-encoded, mirrored so the runner
faces right, stored landscape with portrait rotation metadata, cut to start 7 frames later, padded to
a square, half the resolution, and with ~10 % of its frames skipped the way a phone does in dim
light), runs ``midstance analyze`` on each (pose included, as a user would), and prints per variant:
the stances found, how far each initial contact moved from the original clip's (frames), and the
agreement with the blind frame-by-frame readings A, B and C of ``video_ic_agreement.py``. Clips and
pose keypoints left in ``--workdir`` are reused on a rerun.

    .venv/bin/python benchmarks/video_variants.py [--workdir DIR]

About 3 minutes on 2 cores. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "video"))
import videoclips as vc

from video_ic_agreement import BLIND_A, BLIND_B, BLIND_C, FPS

MIDSTANCE = Path(sys.executable).with_name("midstance")
OTHER = {"left": "right", "right": "left"}


def _skipped(n: int) -> list[int]:
    rng = np.random.default_rng(5)
    return [i for i in range(n) if i == 0 or rng.random() > 0.1]


#: name -> (frames -> frames written, write_clip options, frames the variant starts later, sides swapped)
VARIANTS: dict[str, tuple[Callable[[list[np.ndarray]], list[np.ndarray]], dict, int, bool]] = {
    "original": (lambda f: f, {}, 0, False),
    "re-encoded (x264 crf 16)": (lambda f: f, {"write": True}, 0, False),
    "mirrored (faces right)": (lambda f: [np.fliplr(a) for a in f], {"write": True}, 0, True),
    "landscape + rotation tag": (
        lambda f: [np.ascontiguousarray(np.rot90(a, 1)) for a in f],
        {"write": True, "rotation_ccw": -90},
        0,
        False,
    ),
    "starts 7 frames later": (lambda f: f[7:], {"write": True}, 7, False),
    "padded to a square": (
        lambda f: [np.pad(a, ((0, 0), (280, 280), (0, 0))) for a in f],
        {"write": True},
        0,
        False,
    ),
    "half resolution": (lambda f: [a[::2, ::2].copy() for a in f], {"write": True}, 0, False),
    "10 % frames skipped": (
        lambda f: [f[i] for i in _skipped(len(f))],
        {"write": True, "skipped": True},
        0,
        False,
    ),
}


def _analyse(clip: Path, out: Path) -> dict:
    js = out.with_suffix(".json")
    js.unlink(missing_ok=True)  # the keypoints beside it are reused when they belong to this clip
    cmd = [str(MIDSTANCE), "analyze", str(clip), "--json", str(js), "--no-report", "-q"]
    cmd += ["--keypoints", str(out.with_suffix(".keypoints.csv"))]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{clip.name}: analyze failed (exit {r.returncode}): {r.stderr.strip()}")
    return json.loads(js.read_text())


def _ics(result: dict, offset: int, swapped: bool) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {"left": [], "right": []}
    for s in result["stances"]:
        side = OTHER[s["side"]] if swapped else s["side"]
        out[side].append(s["ic_s"] * FPS + offset)
    return {k: np.array(v) for k, v in out.items()}


def _agreement(
    result: dict, ics: dict[str, np.ndarray], reading: dict[str, list[int]], offset: int, swapped: bool
) -> tuple[list[bool], list[bool]]:
    """Per labelled contact: the nearest analysed instant within ±1 frame, and its nearest frame."""
    sub, near = [], []
    for side, labels in reading.items():
        frames_of = [
            round(s["ic_s"] * FPS) + offset
            for s in result["stances"]
            if (OTHER[s["side"]] if swapped else s["side"]) == side
        ]
        for lab in labels:
            if lab <= offset or not len(ics[side]):
                continue
            j = int(np.argmin(np.abs(ics[side] - lab)))
            sub.append(abs(ics[side][j] - lab) <= 1.0)
            near.append(abs(frames_of[j] - lab) <= 1)
    return sub, near


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", type=Path, default=None)
    a = ap.parse_args()
    work = a.workdir or Path(tempfile.mkdtemp(prefix="midstance-variants-"))
    work.mkdir(parents=True, exist_ok=True)
    frames = [f.to_ndarray(format="rgb24") for f in av.open(str(vc.GAITLAB)).decode(video=0)]
    ref: dict[str, np.ndarray] | None = None
    print(f"{'':28s}         contacts moved   within ±1 frame of reading (instants, ic_frame):")
    print(f"{'variant':28s} stances  mean   max     A          B          C")
    for k, (name, (make, opts, offset, swapped)) in enumerate(VARIANTS.items()):
        opts = dict(opts)
        write = opts.pop("write", False)
        if write and (work / f"variant{k}.mp4").exists():
            clip = work / f"variant{k}.mp4"
        elif write:
            clip = work / f"variant{k}.mp4"
            written = make(frames)
            if opts.pop("skipped", False):
                times = [i / FPS for i in _skipped(len(frames))]
                vc.write_clip(clip, written, times_s=times, crf=16)
            else:
                vc.write_clip(clip, written, crf=16, **opts)
        else:
            clip = vc.GAITLAB
        result = _analyse(clip, work / f"variant{k}")
        ics = _ics(result, offset, swapped)
        if ref is None:
            ref = ics
        moved = [
            float(ics[s][np.argmin(np.abs(ics[s] - t))] - t)
            for s in ref
            for t in ref[s]
            if len(ics[s]) and t > offset
        ]
        mv = np.array(moved)
        agree = []
        for reading in (BLIND_A, BLIND_B, BLIND_C):
            sub, near = _agreement(result, ics, reading, offset, swapped)
            agree.append(f"{np.mean(sub):4.0%} {np.mean(near):4.0%}")
        print(
            f"{name:28s} {len(result['stances']):5d}   {mv.mean():+6.2f} {np.abs(mv).max():5.2f}   "
            + "   ".join(agree)
        )
        codes = [w["code"] for w in result["warnings"]]
        print(f"{'':28s} warnings: {', '.join(codes)}; facing {result['runner']['facing']}")


if __name__ == "__main__":
    main()
