"""The 2D (video) path validated without video: the 3D motion-capture trials projected into a
virtual side camera (perspective, 30/60 fps, pixel noise, dropouts, a worse-seen far leg), run
through the same image-keypoint analysis and compared with the force-plate / marker truth.

Initial contact on video is the foot's forward turn plus a landing delay. The turn, the projection,
noise and frame rate are checked tightly with the delay from the stance speed (the rule measured on
these same force plates: ``speed_rule``). The delay a clip measures itself (touch-down of the foot's
lowest point) is checked loosely here: projected *markers* sit on the shoe above the sole, unlike a
pose model's heel and toe points, so their touch-down is read 6–21 ms off the plates
(``test_clip_landing_delay_on_markers``)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import midstance.core.analysis as analysis_module
from midstance.core.analysis import analyze
from midstance.core.camera import VirtualCamera
from midstance.core.series import CONTRACT_POINTS
from midstance.core.video_events import StrideContactDetector
from midstance.pipeline import InputOptions, load_mocap
from midstance.settings import AnalysisSettings

from matching import match, read_truth

TRIALS = {"RBDS001runT25markers.txt": 181.0, "RBDS002runT45markers.txt": 183.0}


@pytest.fixture
def speed_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Landing delay from the stance speed (the force plates' rule), not from the clip's touch-downs."""
    monkeypatch.setattr(
        analysis_module, "StrideContactDetector", partial(StrideContactDetector, touch_level=None)
    )


@pytest.fixture(scope="module")
def trials(mocap_dir: Path):
    out = {}
    for name, height in TRIALS.items():
        kp = load_mocap(mocap_dir / name, InputOptions())
        kp = replace(kp, points={k: v for k, v in kp.points.items() if k in CONTRACT_POINTS})
        truth = read_truth(mocap_dir / (name.removesuffix("markers.txt") + ".truth.csv"))
        out[name] = (kp, truth, analyze(kp).runner.leg_length_m, height)
    return out


@pytest.mark.parametrize("name", sorted(TRIALS))
@pytest.mark.parametrize(("view", "fps", "noise"), [("left", 30, 0.0), ("right", 60, 2.0), ("left", 30, 2.0)])
def test_side_camera_matches_truth(
    trials, speed_rule, name: str, view: str, fps: float, noise: float
) -> None:
    kp, truth, leg3, height = trials[name]
    cam = VirtualCamera(view=view, fps=fps, noise_px=noise, dropout_frac=0.01 if noise else 0.0)  # type: ignore[arg-type]
    res = analyze(cam.project(kp), AnalysisSettings(height_cm=height))
    assert res.runner.facing == view  # a camera on the runner's left sees them face image-left
    pred = []
    for s in res.stances:
        d = s.to_dict()
        d["hip_ankle_offset_m"] = d["hip_ankle_offset_pct_leg"] / 100 * leg3  # compare in % of leg
        pred.append(d)
    sc = match(truth, pred)
    off = np.array(sc.errors["off"])
    print(
        "\n"
        + sc.line(f"{name} virtual {view} camera {fps:.0f} fps noise {noise:.0f} px")
        + f"; offset bias {np.median(off) * 100:+.2f} cm; IC mean {np.mean(sc.errors['ic']) * fps:+.2f} frames, "
        f"TO mean {np.mean(sc.errors['to']) * 1000:+.1f} ms"
    )
    assert sc.match_rate >= 0.97
    assert len(res.stances) <= len(truth) + 2
    assert sc.median_abs("ic") <= min(2.5 / fps, 0.010)
    # no lag either way: within 0.3 frames or 6 ms (IC = forward turn + landing delay, the delay
    # measured on these trials' force plates; with the foot's height it was up to +1.4 frames)
    assert abs(np.mean(sc.errors["ic"])) <= max(0.3 / fps, 0.006)
    # per step within ~2 % of leg length; the per-side median (what the headline says) within 1.2 cm
    assert sc.median_abs("off") <= (0.005 if noise == 0 else 0.025)
    assert abs(float(np.median(off))) <= 0.012
    assert sc.median_abs("knee") <= 2.0
    # the metric scale comes from the height: within 3 % of the true leg length
    assert res.runner.leg_length_m == pytest.approx(0.491 * height / 100, rel=1e-6)
    assert abs(res.runner.leg_length_m - leg3) / leg3 < 0.03


@pytest.mark.parametrize("name", sorted(TRIALS))
@pytest.mark.parametrize("fps", [120, 240])
def test_high_frame_rate_contacts(trials, speed_rule, name: str, fps: float) -> None:
    """Slow-motion phone rates with 2 px of noise per frame: frame-to-frame foot speeds would be
    mostly noise, so contacts must not drift early or late (speeds are read over ~1/30 s)."""
    kp, truth, _leg3, height = trials[name]
    cam = VirtualCamera(view="left", fps=fps, noise_px=2.0, dropout_frac=0.01)
    res = analyze(cam.project(kp), AnalysisSettings(height_cm=height))
    sc = match(truth, [s.to_dict() for s in res.stances])
    bias_ms = float(np.mean(sc.errors["ic"])) * 1000
    print("\n" + sc.line(f"{name} virtual camera {fps} fps noise 2 px") + f"; IC mean {bias_ms:+.1f} ms")
    assert sc.match_rate >= 0.97
    assert sc.median_abs("ic") <= 0.010
    assert abs(bias_ms) <= 6.0


@pytest.mark.parametrize("name", sorted(TRIALS))
@pytest.mark.parametrize(("fps", "noise"), [(30, 0.0), (60, 2.0)])
def test_clip_landing_delay_on_markers(trials, name: str, fps: float, noise: float) -> None:
    """The default path: the landing delay measured from the clip's own touch-downs."""
    kp, truth, _leg3, height = trials[name]
    cam = VirtualCamera(view="left", fps=fps, noise_px=noise, dropout_frac=0.01 if noise else 0.0)
    res = analyze(cam.project(kp), AnalysisSettings(height_cm=height))
    sc = match(truth, [s.to_dict() for s in res.stances])
    bias_ms = float(np.mean(sc.errors["ic"])) * 1000
    print(
        "\n"
        + sc.line(f"{name} virtual camera {fps} fps noise {noise:.0f} px, delay from the clip")
        + f"; IC mean {bias_ms:+.1f} ms; delay {res.analysis['landing_delay_ms']} ms"
    )
    assert res.analysis["landing_delay_ms"].endswith("(from the clip)")
    assert sc.match_rate >= 0.97
    assert abs(bias_ms) <= 25.0
    assert sc.median_abs("ic") <= 0.025
