"""Accuracy against the force-plate truth in ../shared/data (issue: gait engine acceptance).

Tolerances: ≥ 98 % of true stances matched one-to-one; median |IC| ≤ 8 ms, |TO| ≤ 12 ms; hip–ankle
offset at midstance within 1 cm and knee flexion at midstance within 2° (median absolute error).
The measured figures are printed (run with -s to see them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from midstance.core.analysis import analyze
from midstance.core.series import WorldKeypoints
from midstance.pipeline import InputOptions, load_mocap

from matching import match, read_truth

TRIALS = ["RBDS001runT25markers.txt", "RBDS002runT45markers.txt", "Running_0002.c3d"]


def _truth_for(mocap_dir: Path, trial: str) -> list[dict[str, str]]:
    stem = trial.removesuffix("markers.txt").removesuffix(".c3d")
    return read_truth(mocap_dir / f"{stem}.truth.csv")


@pytest.fixture(scope="module")
def loaded(mocap_dir: Path) -> dict[str, WorldKeypoints]:
    return {t: load_mocap(mocap_dir / t, InputOptions()) for t in TRIALS}


@pytest.mark.parametrize("trial", TRIALS)
def test_events_offset_knee_match_force_plate_truth(trial: str, loaded: dict, mocap_dir: Path) -> None:
    truth = _truth_for(mocap_dir, trial)
    result = analyze(loaded[trial])
    sc = match(truth, [s.to_dict() for s in result.stances])
    print("\n" + sc.line(trial))
    assert sc.match_rate >= 0.98
    assert sc.median_abs("ic") <= 0.008
    assert sc.median_abs("to") <= 0.012
    assert sc.median_abs("off") <= 0.01
    assert sc.median_abs("knee") <= 2.0
    # no spurious stances: every predicted stance is a true one
    assert len(result.stances) <= len(truth) + 1


@pytest.mark.parametrize("trial", TRIALS[:2])
@pytest.mark.parametrize("step", [2, 5])
def test_video_rates_keep_midstance_and_offset(trial: str, step: int, loaded: dict, mocap_dir: Path) -> None:
    """The same trials subsampled to 75 and 30 Hz (video rates): events within one frame, midstance
    and offset still close to the 150 Hz truth."""
    kp = loaded[trial]
    idx = np.arange(0, kp.n_frames, step)
    sub = WorldKeypoints(
        time_s=kp.time_s[idx],
        points={k: v[idx] for k, v in kp.points.items()},
        source=kp.source,
        meta=kp.meta,
        standing=kp.standing,
        up_axis=kp.up_axis,
        forward_axis=kp.forward_axis,
    )
    truth = _truth_for(mocap_dir, trial)
    sc = match(truth, [s.to_dict() for s in analyze(sub).stances])
    frame = step / 150.0
    print("\n" + sc.line(f"{trial} at {150 / step:.0f} Hz"))
    assert sc.match_rate >= 0.98
    assert sc.median_abs("ic") <= frame
    assert sc.median_abs("to") <= frame
    assert sc.median_abs("ms") <= 0.002
    assert sc.median_abs("off") <= 0.005
    assert sc.median_abs("knee") <= 1.0


def test_score_matches_truth_through_cli(mocap_dir: Path, tmp_path: Path, run_cli) -> None:
    """The command line writes the same stances the library returns (what score-mocap reads)."""
    import json

    out = tmp_path / "r.json"
    code, _, err = run_cli("analyze", mocap_dir / "Running_0002.c3d", "--json", out, "-q")
    assert code == 0, err
    d = json.loads(out.read_text())
    sc = match(_truth_for(mocap_dir, "Running_0002.c3d"), d["stances"])
    assert sc.matched == 1
    assert d["runner"]["setting"] == "overground"
    assert d["stances"][0]["side"] == "right"
