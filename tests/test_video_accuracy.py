"""The real side-view treadmill clip (samples/gaitlab_male_side.mp4), from its pose keypoints
(tests/report/data/gaitlab_male_side.keypoints.csv, the pose output of the clip; regenerate with the
command in tests/report/conftest.py): every stance found, no side swapped, cadence as counted by hand,
initial contacts where we read them.

References (ours; the held-out labels are the project's own check):

* ``BLIND_IC``: all 33 initial contacts read frame by frame by a second annotator who did not see the
  analysis or its code: the first frame where the heel sits on its shadow with no lit belt between
  them (the frame after, the belt carries the shoe back). 32 steps from frame 6 to 348 = 168.4
  steps/min. A frame that first shows the foot down comes on average half a frame after the instant
  it touched, so the analysis (which reports that instant) should lead these labels by about half
  a frame, and its nearest frames (``ic_frame``) should match them within a frame.
* ``NEAR_PIXELS``: the near (left) foot's contacts read from the pixels, where the belt has taken the
  heel patch to half its speed (block matching, independent of the pose model), which on the
  force-plate trials is the instant of contact within a few ms at this speed.
  ``benchmarks/video_ic_agreement.py`` makes this reading and prints the agreement with every
  reading we have."""

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
# blind frame-by-frame reading: first frame where the foot touches (see the module docstring)
BLIND_IC = {
    "left": [16, 38, 59, 81, 102, 123, 145, 166, 188, 209, 230, 252, 273, 294, 315, 336],
    "right": [6, 27, 49, 71, 92, 113, 134, 156, 178, 199, 220, 241, 262, 284, 305, 326, 348],
}
# sub-frame instants where the belt has taken the near heel patch to half its speed
NEAR_PIXELS = [16.11, 37.46, 59.0, 80.39, 101.5, 122.88, 144.39, 165.83, 187.5, 208.86, 230.31, 251.17, 272.45,
               293.58, 315.0, 336.27]  # fmt: skip


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
    first = min(BLIND_IC["right"][0], BLIND_IC["left"][0])
    last = max(BLIND_IC["right"][-1], BLIND_IC["left"][-1])
    assert result.summary.cadence_spm == pytest.approx(60 * 32 / ((last - first) / 30), abs=1.0)


def test_contacts_match_the_blind_reading(result) -> None:
    errs, frame_errs = [], []
    for side, frames in BLIND_IC.items():
        st = [s for s in result.stances if s.side == side]
        assert len(st) == len(frames)  # the near foot is the left one: no side swapped
        ics = np.array([s.ic_s * 30 for s in st])
        for f in frames:
            k = int(np.argmin(np.abs(ics - f)))
            errs.append(float(ics[k] - f))
            frame_errs.append(st[k].ic_frame - f)
    d, da = np.array(errs), np.abs(errs)
    print(
        f"\nIC vs the blind reading: mean {d.mean():+.2f} frames, median |diff| {np.median(da):.2f}, "
        f"within 1 frame {np.mean(da <= 1):.0%}, largest {da.max():.2f}; nearest frames within 1 frame: "
        f"{np.mean(np.abs(frame_errs) <= 1):.0%}"
    )
    assert -0.8 <= d.mean() <= -0.2  # the instant leads the first frame that shows it by ~half a frame
    assert np.mean(da <= 1.0) >= 0.8
    assert np.all(da <= 1.5)
    assert np.mean(np.abs(frame_errs) <= 1) >= 0.95


def test_near_foot_contacts_match_the_pixels(result) -> None:
    ics = np.array([s.ic_s * 30 for s in result.stances if s.side == "left"])
    d = np.array([ics[np.argmin(np.abs(ics - f))] - f for f in NEAR_PIXELS])
    print(f"\nnear-foot IC vs the pixels: mean {d.mean():+.2f} frames, largest |diff| {np.abs(d).max():.2f}")
    assert abs(d.mean()) <= 0.3
    assert np.all(np.abs(d) <= 1.0)


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
