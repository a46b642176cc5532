"""The real side-view treadmill clip (samples/gaitlab_male_side.mp4), from its pose keypoints
(tests/report/data/gaitlab_male_side.keypoints.csv, the pose output of the clip; regenerate with the
command in tests/report/conftest.py): every stance found, no side swapped, cadence as counted by hand,
initial contacts where we read them.

Reference (ours; the held-out labels are the project's own check): 33 initial contacts between frames
~6.75 and ~347, alternating — 32 steps in 11.34 s = 169 steps/min. The near (left) foot's contacts are
read from the pixels, where the belt starts carrying the heel patch back (block matching, independent
of the pose model); the far (right) foot's by eye, frame by frame. ``benchmarks/video_ic_agreement.py``
makes the near-foot reading and prints the agreement."""

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
# our reading of the contacts (frame numbers at 30 fps; see the module docstring)
REF_IC = {
    "left": [16.1, 37.5, 59.0, 80.4, 101.5, 122.9, 144.4, 165.8, 187.5, 208.9, 230.3, 251.2, 272.5, 293.6, 315.0, 336.3],
    "right": [6.75, 27.75, 49.75, 70.5, 93.0, 111.75, 133.5, 154.5, 176.25, 197.5, 218.75, 240.25, 261.0, 282.5, 303.75,
              326.75, 347.0],
}  # fmt: skip


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
    first, last = min(REF_IC["right"][0], REF_IC["left"][0]), max(REF_IC["right"][-1], REF_IC["left"][-1])
    assert result.summary.cadence_spm == pytest.approx(60 * 32 / ((last - first) / 30), abs=1.0)


def test_near_foot_is_left_and_contacts_match_our_reading(result) -> None:
    errs = []
    for side, frames in REF_IC.items():
        ics = np.array([s.ic_s * 30 for s in result.stances if s.side == side])
        assert len(ics) == len(frames)
        for f in frames:
            errs.append(float(ics[np.argmin(np.abs(ics - f))] - f))
    errs_a = np.abs(errs)
    print(
        f"\nIC vs our reading: median |err| {np.median(errs_a):.2f} frames, mean {np.mean(errs):+.2f}, "
        f"within 1 frame {np.mean(errs_a <= 1):.0%}, within 2 frames {np.mean(errs_a <= 2):.0%}"
    )
    assert np.median(errs_a) <= 0.5
    assert abs(np.mean(errs)) <= 0.3  # no lag either way
    assert np.mean(errs_a <= 1.0) >= 0.85
    assert np.all(errs_a <= 2.0)


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
