"""Left/right leg swaps injected into clean side-view keypoints are found and repaired."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from midstance.core.analysis import analyze
from midstance.core.swaps import repair_swaps
from midstance.core.synthetic import SyntheticRunner
from midstance.settings import AnalysisSettings

SWAPS = ((20, 24), (50, 51), (100, 160), (200, 203))


def _wrong_frames(fixed, clean) -> int:
    d = np.linalg.norm(fixed.points["left_ankle"] - clean.points["left_ankle"], axis=1)
    return int((d > 20).sum())


@pytest.mark.parametrize("facing", ["left", "right"])
@pytest.mark.parametrize("rate", [30.0, 60.0])
def test_injected_swaps_are_repaired(facing: str, rate: float) -> None:
    runner = SyntheticRunner(rate_hz=rate, noise=1.5)
    clean = runner.image(facing=facing).keypoints
    bad = runner.image(facing=facing, swap_frames=SWAPS).keypoints
    assert _wrong_frames(bad, clean) > 50
    fixed, report = repair_swaps(bad, facing)  # type: ignore[arg-type]
    assert _wrong_frames(fixed, clean) == 0
    assert report.swapped_frames == sum(b - a for a, b in SWAPS)


@pytest.mark.parametrize("facing", ["left", "right"])
def test_whole_clip_with_inverted_labels(facing: str) -> None:
    """A model that names the legs the wrong way round for the whole clip: the near leg (seen
    better) is the side facing the camera."""
    runner = SyntheticRunner(rate_hz=30.0, noise=1.0)
    clean = runner.image(facing=facing).keypoints
    bad = runner.image(facing=facing, swap_frames=((0, 10**6),)).keypoints
    fixed, report = repair_swaps(bad, facing)  # type: ignore[arg-type]
    assert report.swapped_frames == bad.n_frames
    assert _wrong_frames(fixed, clean) == 0


def test_analysis_with_swaps_matches_clean_analysis() -> None:
    runner = SyntheticRunner(rate_hz=30.0, noise=1.0, offset_m=(0.02, 0.09))
    settings = AnalysisSettings(height_cm=183)
    clean = analyze(runner.image().keypoints, settings)
    swapped = analyze(runner.image(swap_frames=SWAPS).keypoints, settings)
    assert [s.side for s in swapped.stances] == [s.side for s in clean.stances]
    assert "legs_relabelled" in swapped.warning_codes()
    for side in ("left", "right"):
        a = clean.summary.metrics["hip_ankle_offset_pct_leg"]
        b = swapped.summary.metrics["hip_ankle_offset_pct_leg"]
        assert getattr(b, side).median == pytest.approx(getattr(a, side).median, abs=0.3)


def test_hidden_far_foot_contacts_are_placed_from_the_near_foot() -> None:
    """The far (right, for a runner facing left) foot hidden in two strides: its contacts are placed
    half-way between the near foot's, flagged, with no position measures."""
    runner = SyntheticRunner(rate_hz=30.0, noise=1.0)
    trial = runner.image(facing="left")
    kp = trial.keypoints
    pts = dict(kp.points)
    conf = dict(kp.confidence)
    truth_right = [s for s in trial.complete_truth() if s.side == "right"]
    hidden = truth_right[3:5]
    for s in hidden:
        m = (kp.time_s > s.ic_s - 0.15) & (kp.time_s < s.to_s + 0.15)
        for part in ("knee", "ankle", "heel", "toe"):
            a = pts[f"right_{part}"].copy()
            a[m] = np.nan
            pts[f"right_{part}"] = a
    from dataclasses import replace

    res = analyze(replace(kp, points=pts, confidence=conf), AnalysisSettings(height_cm=183))
    sides = [s.side for s in res.stances]
    assert all(a != b for a, b in itertools.pairwise(sides))
    assert "far_leg_inferred" in res.warning_codes()
    for s in hidden:
        st = min(res.stances, key=lambda x: abs(x.ic_s - s.ic_s))
        assert st.side == "right" and abs(st.ic_s - s.ic_s) < 0.06
        assert st.get("hip_ankle_offset_pct_leg") is None and st.quality <= 0.2
