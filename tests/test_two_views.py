"""Side and rear clips of one run, analysed together: aligned by their step rhythm, one result."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from midstance.core.analysis import analyze
from midstance.core.camera import VirtualCamera
from midstance.core.series import CONTRACT_POINTS, ImageKeypoints
from midstance.core.views import align_by_rhythm, merge_views
from midstance.errors import InputError
from midstance.pipeline import InputOptions, load_mocap
from midstance.settings import AnalysisSettings

SETTINGS = AnalysisSettings(height_cm=181)


def _cut(kp: ImageKeypoints, start_s: float, stop_s: float) -> ImageKeypoints:
    m = (kp.time_s >= start_s) & (kp.time_s < stop_s)
    return replace(
        kp,
        time_s=kp.time_s[m] - kp.time_s[m][0],
        points={k: v[m] for k, v in kp.points.items()},
        confidence={k: v[m] for k, v in kp.confidence.items()},
    )


@pytest.fixture(scope="module")
def views(mocap_dir: Path):
    kp = load_mocap(mocap_dir / "RBDS001runT25markers.txt", InputOptions())
    kp = replace(kp, points={k: v for k, v in kp.points.items() if k in CONTRACT_POINTS})
    side = VirtualCamera(view="left", fps=30).project(kp)
    rear = VirtualCamera(view="rear", fps=60, distance_m=5).project(kp)
    return side, rear, kp


def test_rear_clip_started_later_is_aligned_and_merged(views) -> None:
    side_kp, rear_kp, _ = views
    side = analyze(_cut(side_kp, 0.0, 20.0), SETTINGS)
    rear = analyze(_cut(rear_kp, 4.37, 24.0), SETTINGS)  # the rear phone started 4.37 s later
    al = align_by_rhythm(side.stances, rear.stances)
    # true offset 4.37 s, or 4.37 plus whole strides (the rhythm repeats every stride)
    stride = float(np.median(np.diff([s.ic_s for s in side.stances if s.side == "left"])))
    k = round((al.offset_s - 4.37) / stride)
    assert abs(al.offset_s - 4.37 - k * stride) < 0.03
    merged = merge_views(side, rear)
    assert merged.runner.view == "side"
    with_drop = [s for s in merged.stances if s.get("pelvic_drop_deg") is not None]
    assert len(with_drop) >= 0.6 * len(merged.stances)
    assert all(s.get("hip_ankle_offset_pct_leg") is not None for s in merged.stances)
    assert merged.summary.metrics["pelvis_obliquity_rom_deg"].left.n > 10
    assert merged.analysis["rear_source"].endswith("(virtual rear camera)")
    # the rear view alone warns that its event timing is rough; merged, the side view gives the events
    assert "frontal_events" in rear.warning_codes()
    assert "frontal_events" not in merged.warning_codes()


def test_side_clip_given_as_rear_is_refused(views) -> None:
    side = analyze(views[0], SETTINGS)
    with pytest.raises(InputError, match="looks like a side view"):
        merge_views(side, side)


def test_different_runs_are_refused(views, mocap_dir: Path) -> None:
    side = analyze(views[0], SETTINGS)
    other = load_mocap(mocap_dir / "RBDS002runT45markers.txt", InputOptions())
    other = replace(other, points={k: v for k, v in other.points.items() if k in CONTRACT_POINTS})
    rear_other = analyze(VirtualCamera(view="rear", fps=30).project(other), SETTINGS)
    with pytest.raises(InputError, match="not look like the same run"):
        merge_views(side, rear_other)


def test_tiny_runner_in_rear_clip_is_refused(views) -> None:
    side = analyze(views[0], SETTINGS)
    rear_far = analyze(VirtualCamera(view="rear", fps=30, distance_m=40.0).project(views[2]), SETTINGS)
    with pytest.raises(InputError, match="too small in the rear clip"):
        merge_views(side, rear_far)


def test_cli_side_and_rear_keypoint_files(views, tmp_path: Path, run_cli) -> None:
    import json

    from midstance.io import write_keypoint_csv

    side_csv = write_keypoint_csv(_cut(views[0], 0.0, 15.0), tmp_path / "side.csv")
    rear_csv = write_keypoint_csv(_cut(views[1], 2.0, 17.0), tmp_path / "rear.csv")
    out = tmp_path / "r.json"
    code, _, err = run_cli("analyze", side_csv, "--rear", rear_csv, "--height-cm", "181", "--json", out, "-q")
    assert code == 0, err
    d = json.loads(out.read_text())
    assert d["runner"]["view"] == "side"
    assert any(s["pelvic_drop_deg"] is not None for s in d["stances"])
    assert "rear_offset_s" in d["analysis"]
    code, _, err = run_cli("analyze", side_csv, "--rear", side_csv, "--json", tmp_path / "x.json")
    assert code == 2 and "same file" in err
