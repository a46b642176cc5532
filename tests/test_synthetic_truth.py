"""Synthetic runners with exact truth: events, midstance and offsets recovered within one sample,
also with noise, gaps, outliers, other frame rates, overground running and either facing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from midstance.core.analysis import analyze
from midstance.core.synthetic import SyntheticRunner, SyntheticTrial
from midstance.settings import AnalysisSettings

from matching import match


def _score(trial: SyntheticTrial, settings: AnalysisSettings | None = None):
    result = analyze(trial.keypoints, settings)
    truth = [vars(s) for s in trial.complete_truth()]
    pred = []
    for s in result.stances:
        d = s.to_dict()
        if d["hip_ankle_offset_m"] is None:
            d["hip_ankle_offset_m"] = d["hip_ankle_offset_pct_leg"] / 100 * trial.leg_length_m
        pred.append(d)
    return match(truth, pred), result


@pytest.mark.parametrize("rate", [100.0, 150.0, 200.0])
def test_clean_3d_recovers_events_within_one_sample(rate: float) -> None:
    trial = SyntheticRunner(rate_hz=rate).world()
    sc, result = _score(trial)
    print("\n" + sc.line(f"synthetic 3D {rate:.0f} Hz"))
    dt = 1.0 / rate
    runner = SyntheticRunner(rate_hz=rate)
    assert sc.matched == sc.n_truth > 20
    assert max(abs(e) for e in sc.errors["ic"]) <= dt
    # toe-off is read where the foot has risen 13 mm (the level that matches force plates for real
    # metatarsal markers); the synthetic toe leaves at liftoff_mps, so TO carries that known lag
    lag = 0.013 / runner.liftoff_mps
    assert max(abs(e - lag) for e in sc.errors["to"]) <= dt
    assert max(abs(e) for e in sc.errors["ms"]) <= dt / 2
    assert max(abs(e) for e in sc.errors["off"]) <= 0.002
    assert max(abs(e) for e in sc.errors["knee"]) <= 1.0
    assert len(result.stances) == sc.n_truth


def test_known_offsets_per_stance_and_sign() -> None:
    """Per-stance offsets vary (±1 cm wobble); a hip behind the ankle gives a negative offset."""
    trial = SyntheticRunner(offset_m=(-0.04, 0.10), offset_wobble_m=0.015).world()
    sc, result = _score(trial)
    assert sc.matched == sc.n_truth
    assert max(abs(e) for e in sc.errors["off"]) <= 0.002
    med = result.summary.metrics["hip_ankle_offset_m"]
    assert med.left.median is not None and med.left.median < 0 < (med.right.median or 0)
    assert result.findings[0].code == "hip_behind_ankle"
    assert "left" in result.findings[0].title


@pytest.mark.parametrize(
    "kw",
    [
        {"noise": 0.001},
        {"noise": 0.002, "dropout_frac": 0.03},
        {"dropout_frac": 0.05, "gap_len": 8},
        {"outlier_frac": 0.005},
    ],
    ids=["noise1mm", "noise2mm+gaps", "long-gaps", "outliers"],
)
def test_noise_and_gaps_keep_working(kw: dict) -> None:
    trial = SyntheticRunner(rate_hz=150.0, **kw).world()
    sc, _ = _score(trial)
    print("\n" + sc.line(f"synthetic {kw}"))
    assert sc.match_rate >= 0.95
    assert sc.median_abs("ic") <= 1 / 150
    assert sc.median_abs("to") <= 2 / 150
    assert sc.median_abs("off") <= 0.005
    assert sc.median_abs("knee") <= 2.0


@pytest.mark.parametrize("setting", ["treadmill", "overground"])
def test_setting_detected(setting: str) -> None:
    trial = SyntheticRunner(setting=setting).world()
    _, result = _score(trial)
    assert result.runner.setting == setting


@pytest.mark.parametrize("facing", ["left", "right"])
@pytest.mark.parametrize("rate", [30.0, 60.0])
def test_image_keypoints_either_facing(facing: str, rate: float) -> None:
    trial = SyntheticRunner(rate_hz=rate).image(facing=facing)
    height_cm = trial.leg_length_m / 0.491 * 100
    sc, result = _score(trial, AnalysisSettings(height_cm=height_cm))
    print("\n" + sc.line(f"synthetic image {rate:.0f} fps facing {facing}"))
    assert result.runner.facing == facing
    assert sc.matched == sc.n_truth
    assert sc.median_abs("ic") <= 1 / rate
    assert sc.median_abs("ms") <= 0.5 / rate
    assert sc.median_abs("off") <= 0.01
    # without a height only % of leg length is reported, with a warning
    res2 = analyze(trial.keypoints)
    assert res2.stances[0].get("hip_ankle_offset_m") is None
    assert res2.stances[0].get("hip_ankle_offset_pct_leg") is not None
    assert "no_scale" in res2.warning_codes()


def test_rolled_camera_ground_line() -> None:
    """A camera rolled by 3° tilts the ground in the image; contacts are still found."""
    trial = SyntheticRunner(rate_hz=60.0).image(roll_deg=3.0)
    sc, _ = _score(trial, AnalysisSettings(height_cm=183))
    assert sc.matched == sc.n_truth
    assert sc.median_abs("ic") <= 1 / 60


def test_offset_uncertainty_reported() -> None:
    trial = SyntheticRunner(rate_hz=30.0, noise=2.0).image()
    result = analyze(trial.keypoints, AnalysisSettings(height_cm=183))
    sds = [s.get("hip_ankle_offset_sd_m") for s in result.stances]
    assert all(v is not None and 0 < v < 0.05 for v in sds)
    assert math.isfinite(float(np.median([v for v in sds if v is not None])))
