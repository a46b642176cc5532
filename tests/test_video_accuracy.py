"""The real side-view treadmill clip (samples/gaitlab_male_side.mp4), from its pose keypoints
(tests/report/data/gaitlab_male_side.keypoints.csv, the pose output of the clip; regenerate with the
command in tests/report/conftest.py): every stance found, no side swapped, cadence as counted by hand,
initial contacts where we read them.

References (ours; the held-out labels are the project's own check): three blind frame-by-frame
readings of all 33 initial contacts by annotators who saw neither the analysis nor its code, each
asked for the first frame in which the foot touches the belt. They read it two ways, a frame apart
on most contacts, so the analysis must agree with all three:

* ``BLIND_A``: the first frame where the heel sits on its shadow with no lit belt between (by eye).
  32 steps from frame 6 to 348 = 168.4 steps/min.
* ``BLIND_B``: the first frame where the shoe's lowest pixel reaches the level it rests at (±5 px).
* ``BLIND_C``: the first frame where the sole is within ~7 px of the level it keeps in the next
  frames (picked by eye first, as A, then measured).

The analysis reports the instant of contact, which comes up to a frame before the first frame that
shows it, so it should lead B and C and sit near A; its nearest frames (``ic_frame``) should match
all three within a frame. ``benchmarks/video_ic_agreement.py`` prints every reading we have.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from midstance.core.analysis import analyze
from midstance.core.series import SIDES
from midstance.io import read_keypoint_csv
from midstance.settings import AnalysisSettings

KEYPOINTS = Path(__file__).resolve().parent / "report" / "data" / "gaitlab_male_side.keypoints.csv"
BLIND_A = {
    "left": [16, 38, 59, 81, 102, 123, 145, 166, 188, 209, 230, 252, 273, 294, 315, 336],
    "right": [6, 27, 49, 71, 92, 113, 134, 156, 178, 199, 220, 241, 262, 284, 305, 326, 348],
}
BLIND_B = {
    "left": [17, 39, 60, 82, 103, 124, 145, 167, 189, 210, 231, 253, 274, 295, 316, 338],
    "right": [7, 28, 50, 71, 93, 113, 135, 156, 178, 200, 221, 242, 263, 284, 306, 327, 348],
}
BLIND_C = {
    "left": [17, 39, 60, 82, 103, 124, 145, 167, 189, 210, 231, 253, 273, 295, 316, 338],
    "right": [7, 28, 50, 71, 92, 113, 134, 156, 179, 200, 221, 242, 263, 285, 306, 327, 348],
}


@pytest.fixture(scope="module")
def result():
    return analyze(read_keypoint_csv(KEYPOINTS), AnalysisSettings(height_cm=178))


def test_every_stance_found_alternating(result) -> None:
    sides = [s.side for s in result.stances]
    print(
        f"\n{len(sides)} stances: {sides.count('left')} left, {sides.count('right')} right; "
        f"cadence {result.summary.cadence_spm:.1f} steps/min"
    )
    assert len(result.stances) == 33
    assert all(a != b for a, b in itertools.pairwise(sides))
    assert result.runner.facing == "left" and result.runner.setting == "treadmill"
    assert result.runner.activity == "running" and result.runner.view == "side"


def test_cadence_matches_the_count(result) -> None:
    first = min(BLIND_A["right"][0], BLIND_A["left"][0])
    last = max(BLIND_A["right"][-1], BLIND_A["left"][-1])
    assert result.summary.cadence_spm == pytest.approx(60 * 32 / ((last - first) / 30), abs=1.0)


@pytest.mark.parametrize(
    ("name", "reading", "lead"),
    [("A", BLIND_A, (-0.1, 0.7)), ("B", BLIND_B, (-0.9, -0.1)), ("C", BLIND_C, (-0.9, -0.1))],
)
def test_contacts_match_the_blind_readings(result, name: str, reading: dict, lead: tuple) -> None:
    """The project's own check, on our three blind readings: ≥ 90 % of the contacts within a frame."""
    errs, frame_errs = [], []
    for side, frames in reading.items():
        st = [s for s in result.stances if s.side == side]
        assert len(st) == len(frames)  # the near foot is the left one: no side swapped
        ics = np.array([s.ic_s * 30 for s in st])
        for f in frames:
            k = int(np.argmin(np.abs(ics - f)))
            errs.append(float(ics[k] - f))
            frame_errs.append(st[k].ic_frame - f)
    d, da = np.array(errs), np.abs(errs)
    print(
        f"\nIC vs blind reading {name}: mean {d.mean():+.2f} frames, median |diff| {np.median(da):.2f}, "
        f"within 1 frame {np.mean(da <= 1):.0%}, largest {da.max():.2f}; nearest frames within 1 frame: "
        f"{np.mean(np.abs(frame_errs) <= 1):.0%}"
    )
    assert lead[0] <= d.mean() <= lead[1]
    assert np.mean(da <= 1.0) >= 0.9
    assert np.all(da <= 1.5)
    assert np.mean(np.abs(frame_errs) <= 1) >= 0.97


def test_landing_delay_measured_on_the_clip(result) -> None:
    """The delay from the foot's forward turn to contact comes from the clip's own touch-downs (this
    runner lands 54 ms after the turn, where the force-plate runners' speed rule says 26 ms)."""
    delay, source = result.analysis["landing_delay_ms"].split(" ", 1)
    print(f"\nlanding delay {delay} ms {source}")
    assert source == "(from the clip)"
    assert 40 <= float(delay) <= 70


def test_offsets_plausible_and_uncertain(result) -> None:
    m = result.summary.metrics["hip_ankle_offset_pct_leg"]
    assert 0 < m.left.median < 20 and 0 < m.right.median < 20
    sd = [s.get("hip_ankle_offset_sd_pct_leg") for s in result.stances]
    assert all(v is not None and 0 < v < 10 for v in sd)
    assert all(s.quality > 0.5 for s in result.stances)


def test_feet_cut_by_the_picture_edge_are_not_measured() -> None:
    """The same clip with the picture panning so the runner leaves it on the left from 8.3 s: frames
    where a foot is outside the picture lose that foot's points, and no stance is reported from
    them (a pose model's guesses there once made contacts that never happened)."""
    kp = read_keypoint_csv(KEYPOINTS)
    shift = np.clip(np.arange(len(kp.time_s)) - 250, 0, None) * 6.0
    points = {n: p - np.column_stack([shift, np.zeros_like(shift)]) for n, p in kp.points.items()}
    res = analyze(replace(kp, points=points), AnalysisSettings(height_cm=178))
    t = kp.time_s
    out = {
        s: np.stack([points[f"{s}_{p}"][:, 0] for p in ("ankle", "heel", "toe")]).min(axis=0) < 0
        for s in SIDES
    }
    print(
        f"\nfeet outside the picture from {t[np.argmax(out['left'] | out['right'])]:.2f} s; {len(res.stances)} stances"
    )
    assert int(res.analysis["foot_frames_outside_picture"]) > 0
    for s in res.stances:  # no stance begins, ends or mostly lies where its foot was out of the picture
        during = out[s.side][(t >= s.ic_s) & (t <= s.to_s)]
        assert (
            not out[s.side][np.argmin(np.abs(t - s.ic_s))] and not out[s.side][np.argmin(np.abs(t - s.to_s))]
        )
        assert during.mean() <= 0.25
    assert len(res.stances) >= 24  # those before the runner leaves are all still there
