"""How well the video analysis places initial contacts on the real clip, against our own reading.

The clip's careful human labels are held out, so we read the contacts ourselves, several ways:

* **Blind frame-by-frame readings** of all 33 contacts by three annotators who saw neither the
  analysis nor its code, each asked for the first frame in which the foot touches the belt:
  ``BLIND_A`` (first frame where the heel sits on its shadow, no lit belt between, by eye),
  ``BLIND_B`` (first frame where the shoe's lowest pixel reaches the level it rests at in
  mid-stance, within ~5 px) and ``BLIND_C`` (the sole within ~7 px of the level it keeps in the next
  frames). B and C come about a frame after A on most contacts; the analysis reports the instant
  of contact, which a frame that shows it comes up to a frame after.

* **Near (left) foot, from the pixels**: on a treadmill a foot that is on the ground is carried
  backwards by the belt. The heel patch is followed from frame to frame by normalised
  cross-correlation on the grey image (the pose model only says where to start looking), and
  read where its backward displacement crosses half the belt's. A retracting foot already moves
  back before it lands, so this reading comes before contact (by ~0.8 frames here).
* **Far (right) foot, by eye**: the far foot is hidden behind the console and the near leg too
  often for tracking; its contacts are read frame by frame, two ways: ``FAR_READING``, the first
  frame where the heel looks down on the belt (averaged with an earlier kymograph reading where
  there is one), and ``FAR_RESTING``, the first frame where the shoe rests on the belt (sits on
  its shadow, at the level it keeps). The foot lands between the two; their middle is printed too.

The analysis runs on the clip's cached pose keypoints (``tests/report/data``), as the tests do.
Prints each contact and the agreement: median |difference|, share within ±1 and ±2 frames.

    .venv/bin/python benchmarks/video_ic_agreement.py
"""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np

from midstance.core.analysis import analyze
from midstance.io import read_keypoint_csv
from midstance.settings import AnalysisSettings

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "samples" / "gaitlab_male_side.mp4"
KEYPOINTS = ROOT / "tests" / "report" / "data" / "gaitlab_male_side.keypoints.csv"
FPS = 30.0
# frame numbers (sub-frame where the heel looked down between two frames)
FAR_READING = [
    6.75, 27.75, 49.75, 70.5, 93.0, 111.75, 133.5, 154.5, 176.25, 197.5, 218.75,
    240.25, 261.0, 282.5, 303.75, 326.75, 347.0,
]  # fmt: skip
#: our first, quick reading of both feet: the first frame where the heel looks down (about a frame
#: early: the heel skims the belt before it is carried)
QUICK_LEFT = [15, 36, 58, 79, 100, 122, 143, 165, 186, 207, 229, 250, 271, 292, 313, 334]
QUICK_RIGHT = [7, 28, 50, 70, 93, 111, 133, 154, 176, 197, 218, 240, 260, 282, 303, 327, 347]
BLIND_A = {
    "left": [16, 38, 59, 81, 102, 123, 145, 166, 188, 209, 230, 252, 273, 294, 315, 336],
    "right": [6, 27, 49, 71, 92, 113, 134, 156, 178, 199, 220, 241, 262, 284, 305, 326, 348],
}
BLIND_B = {
    "left": [17, 39, 60, 82, 103, 124, 145, 167, 189, 210, 231, 253, 274, 295, 316, 338],
    "right": [7, 28, 50, 71, 93, 113, 135, 156, 178, 200, 221, 242, 263, 284, 306, 327, 348],
}
#: a third blind annotator, asked only for "the first frame in which the foot is touching the belt":
#: picked by eye first (16, 38, 59 on the near foot, as A), then settled on the first frame where the
#: sole is within ~7 px of the level it keeps in the next frames (so, like B, the foot settled)
BLIND_C = {
    "left": [17, 39, 60, 82, 103, 124, 145, 167, 189, 210, 231, 253, 273, 295, 316, 338],
    "right": [7, 28, 50, 71, 92, 113, 134, 156, 179, 200, 221, 242, 263, 285, 306, 327, 348],
}
#: its toe-offs: the first frame where the toe rises ≥ 13 px and a gap opens to its shadow
BLIND_C_TO = {
    "left": [25, 47, 69, 90, 111, 132, 154, 175, 197, 218, 240, 261, 282, 303, 324, 346],
    "right": [14, 36, 57, 79, 100, 121, 143, 164, 186, 208, 229, 250, 271, 292, 313, 335, 356],
}
FAR_RESTING = [
    7.5, 28.5, 50.5, 70.5, 93.5, 112.5, 134.5, 155.5, 177.5, 199.5, 220.5,
    241.5, 262.5, 283.5, 305.5, 327.75, 348.25,
]  # fmt: skip


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    d = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / d) if d > 0 else -1.0


def _shift(
    f0: np.ndarray, f1: np.ndarray, cx: float, cy: float, w: int = 70, h: int = 44
) -> tuple[int, float]:
    """Horizontal displacement (px) of the patch around (cx, cy) from frame f0 to f1, and its NCC."""
    y0, x0 = int(cy - h / 2), int(cx - w / 2)
    tmpl = f0[y0 : y0 + h, x0 : x0 + w]
    best = (-2.0, 0)
    for dy in range(-24, 25, 2):
        for dx in range(-70, 71, 2):
            yy, xx = y0 + dy, x0 + dx
            if yy < 0 or xx < 0 or yy + h > f1.shape[0] or xx + w > f1.shape[1]:
                continue
            s = _ncc(tmpl, f1[yy : yy + h, xx : xx + w])
            if s > best[0]:
                best = (s, dx)
    return best[1], best[0]


def near_foot_reading(frames: list[np.ndarray], kp, around: list[float]) -> list[float | None]:
    """Sub-frame time (in frames) where the near heel is taken along by the belt, near each of ``around``."""
    heel, ankle = kp.points["left_heel"], kp.points["left_ankle"]
    out: list[float | None] = []
    for a in around:
        k = round(a)
        pairs = []
        for i in range(k - 4, k + 4):
            cx = float(np.nanmean([heel[i, 0], ankle[i, 0]]))
            dx, score = _shift(frames[i], frames[i + 1], cx, float(heel[i, 1]) - 12)
            pairs.append((i, dx, score))
        belt = float(np.median([d for _, d, _ in pairs[-3:]]))
        hit = None
        for (i0, d0, _), (_, d1, s1) in itertools.pairwise(pairs):
            # a jump beyond the belt's speed is the patch slipping to the other foot, not a landing
            if d0 < 0.5 * belt <= d1 <= 1.5 * belt and s1 > 0.5:
                hit = i0 + 0.5 + (0.5 * belt - d0) / (d1 - d0)
                break
        # a tracking slip (the patch jumping to the other foot) gives a reading far from the analysis
        out.append(hit if hit is not None and abs(hit - a) <= 2.5 else None)
    return out


def near_toe_release(frames: list[np.ndarray], kp, around: list[float]) -> list[float | None]:
    """Sub-frame time (in frames) where the near toe stops being carried back at the belt's speed
    (its backward displacement falls below 70 % of the belt's), near each toe-off in ``around``."""
    toe = kp.points["left_toe"]
    out: list[float | None] = []
    for a in around:
        k = round(a)
        pairs = []
        for i in range(k - 4, k + 3):
            dx, score = _shift(frames[i], frames[i + 1], float(toe[i, 0]), float(toe[i, 1]) - 10, w=60, h=40)
            pairs.append((i, dx, score))
        belt = float(np.median([d for _, d, _ in pairs[:4]]))
        hit = None
        for (i0, d0, s0), (_, d1, s1) in itertools.pairwise(pairs):
            if belt > 0 and d0 >= 0.7 * belt > d1 and min(s0, s1) > 0.5:
                hit = i0 + 0.5 + (d0 - 0.7 * belt) / (d0 - d1)
                break
        out.append(hit)
    return out


def main() -> None:
    kp = read_keypoint_csv(KEYPOINTS)
    res = analyze(kp, AnalysisSettings(height_cm=178))
    frames = [
        np.asarray(f.to_ndarray(format="gray"), dtype=np.float32) for f in av.open(str(CLIP)).decode(video=0)
    ]
    ours = {s: np.array([st.ic_s * FPS for st in res.stances if st.side == s]) for s in ("left", "right")}
    reading = {"left": near_foot_reading(frames, kp, list(ours["left"])), "right": list(FAR_READING)}
    diffs = []
    print(f"{'side':5} {'reading':>8} {'analysis':>9} {'diff':>6}  (frames at {FPS:g} fps)")
    for side in ("left", "right"):
        for r in reading[side]:
            if r is None:
                print(f"{side:5} {'(lost)':>8}")
                continue
            a = float(ours[side][np.argmin(np.abs(ours[side] - r))])
            diffs.append(a - r)
            print(f"{side:5} {r:8.2f} {a:9.2f} {a - r:+6.2f}")
    d = np.abs(np.array(diffs))
    n_read = sum(len(v) for v in reading.values())
    print(
        f"\n{len(d)} of {n_read} contacts read; analysis found {len(res.stances)} stances. "
        f"Median |diff| {np.median(d):.2f} frames; mean diff {np.mean(diffs):+.2f}; "
        f"within ±1 frame {np.mean(d <= 1.0):.0%}; within ±2 frames {np.mean(d <= 2.0):.0%}"
    )
    near = [
        (r, float(ours["left"][np.argmin(np.abs(ours["left"] - r))]))
        for r in reading["left"]
        if r is not None
    ]
    for label, far in (
        ("far foot 'looks down'", FAR_READING),
        ("far foot 'rests on the belt'", FAR_RESTING),
        ("far foot, middle of the two", [(a + b) / 2 for a, b in zip(FAR_READING, FAR_RESTING, strict=True)]),
    ):
        pairs = near + [(r, float(ours["right"][np.argmin(np.abs(ours["right"] - r))])) for r in far]
        dd = np.array([a - r for r, a in pairs])
        print(
            f"near foot from the pixels + {label}: mean diff {dd.mean():+.2f} frames, "
            f"within ±1 frame {np.mean(np.abs(dd) <= 1.0):.0%} ({int(np.sum(np.abs(dd) <= 1.0))}/{dd.size})"
        )
    nearest = {s: [st.ic_frame for st in res.stances if st.side == s] for s in ("left", "right")}
    for label, ref in (
        ("blind reading A (heel on its shadow)", BLIND_A),
        ("blind reading B (shoe at its resting level)", BLIND_B),
        ("blind reading C (sole within ~7 px of its level)", BLIND_C),
        ("both feet 'heel looks down' (our quick reading)", {"left": QUICK_LEFT, "right": QUICK_RIGHT}),
    ):
        pairs = [(r, float(ours[sd][np.argmin(np.abs(ours[sd] - r))])) for sd, rr in ref.items() for r in rr]
        dd = np.array([a - r for r, a in pairs])
        fd = np.array(
            [min(nearest[sd], key=lambda f, r=r: abs(f - r)) - r for sd, rr in ref.items() for r in rr]
        )
        print(
            f"{label}: mean diff {dd.mean():+.2f} frames, within ±1 frame {np.mean(np.abs(dd) <= 1.0):.0%} "
            f"({int(np.sum(np.abs(dd) <= 1.0))}/{dd.size}), largest {np.abs(dd).max():.2f}; "
            f"nearest frames (ic_frame) within ±1: {np.mean(np.abs(fd) <= 1):.0%}"
        )
    tos_all = {s: np.array([st.to_s * FPS for st in res.stances if st.side == s]) for s in ("left", "right")}
    dto = np.array(
        [tos_all[sd][np.argmin(np.abs(tos_all[sd] - r))] - r for sd, rr in BLIND_C_TO.items() for r in rr]
    )
    print(
        f"toe-offs against blind reading C: mean diff {dto.mean():+.2f} frames, within ±1 frame "
        f"{np.mean(np.abs(dto) <= 1.0):.0%} ({int(np.sum(np.abs(dto) <= 1.0))}/{dto.size}), largest {np.abs(dto).max():.2f}"
    )
    # toe-off: the near toe's release from the belt comes just after the toe leaves it
    tos = np.array([st.to_s * FPS for st in res.stances if st.side == "left"])
    rel = near_toe_release(frames, kp, list(tos))
    dt = np.array([t - r for t, r in zip(tos, rel, strict=True) if r is not None])
    print(
        f"near-foot toe-offs: {dt.size} of {tos.size} releases read; toe-off minus release median "
        f"{np.median(dt):+.2f} frames (range {dt.min():+.2f} to {dt.max():+.2f})"
    )


if __name__ == "__main__":
    main()
