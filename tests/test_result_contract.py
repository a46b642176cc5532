"""The result contract of DESIGN.md §2 on every kind of core input (one contract test, many inputs)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from midstance.core.analysis import analyze
from midstance.core.catalog import METRIC_NAMES
from midstance.core.result import SCHEMA_VERSION, result_from_dict
from midstance.core.summary import asymmetry_pct
from midstance.core.synthetic import SyntheticRunner
from midstance.errors import InputError
from midstance.settings import AnalysisSettings

INPUTS = {
    "world3d": lambda: SyntheticRunner().world().keypoints,
    "world2d": lambda: SyntheticRunner().world(three_d=False).keypoints,
    "image_left": lambda: SyntheticRunner(rate_hz=30).image("left").keypoints,
    "image_right_noisy": lambda: SyntheticRunner(rate_hz=60, noise=1.5).image("right").keypoints,
}


@pytest.fixture(params=sorted(INPUTS), scope="module")
def result(request):
    return analyze(INPUTS[request.param](), AnalysisSettings(height_cm=180))


def test_json_has_every_contract_field(result) -> None:
    d = json.loads(result.to_json())
    assert d["schema_version"] == SCHEMA_VERSION
    assert set(d) >= {"schema_version", "source", "runner", "stances", "summary", "findings", "warnings"}
    assert set(d["source"]) >= {
        "path",
        "kind",
        "fps",
        "duration_s",
        "frame_count",
        "width_px",
        "height_px",
        "rotation_deg",
    }
    assert set(d["runner"]) >= {"height_cm", "view", "facing", "setting", "leg_length_m"}
    assert d["runner"]["view"] == "side"
    for st in d["stances"]:
        assert set(st) >= {
            "side",
            "ic_s",
            "to_s",
            "midstance_s",
            "ic_frame",
            "to_frame",
            "midstance_frame",
            "quality",
            "foot_strike",
            *METRIC_NAMES,
        }
        assert st["ic_s"] < st["midstance_s"] < st["to_s"]
        assert st["ic_frame"] <= st["midstance_frame"] <= st["to_frame"]
        assert 0.0 <= st["quality"] <= 1.0
        assert st["side"] in ("left", "right")
    ics = [s["ic_s"] for s in d["stances"]]
    assert ics == sorted(ics)
    for name, m in d["summary"]["metrics"].items():
        assert name in METRIC_NAMES
        for side in ("left", "right"):
            assert set(m[side]) == {"median", "iqr", "n"}
    for f in d["findings"]:
        assert f["severity"] in ("info", "notice", "warning")
        assert isinstance(f["evidence"], dict) and f["cue"]
    for w in d["warnings"]:
        assert w["code"] and w["message"] and "\n" not in w["message"]


def test_frames_are_nearest_decoded_frames(result) -> None:
    fps = result.source.fps
    for st in result.stances:
        assert abs(st.ic_frame - st.ic_s * fps) <= 0.5 + 1e-6
        assert abs(st.midstance_frame - st.midstance_s * fps) <= 0.5 + 1e-6


def test_csv_one_row_per_stance(result) -> None:
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert len(rows) == len(result.stances)
    assert rows[0]["side"] == result.stances[0].side
    assert float(rows[0]["ic_s"]) == pytest.approx(result.stances[0].ic_s, abs=1e-6)


def test_round_trip(result) -> None:
    again = result_from_dict(json.loads(result.to_json()))
    assert again.to_json() == result.to_json()


def test_newer_schema_is_refused(result) -> None:
    d = json.loads(result.to_json())
    d["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(InputError, match="newer than this midstance understands"):
        result_from_dict(d)


def test_asymmetry_definition() -> None:
    assert asymmetry_pct(10.0, 8.0) == pytest.approx(100 * 2 / 9)
    assert asymmetry_pct(-2.0, 2.0) == pytest.approx(-200.0)
    assert asymmetry_pct(None, 1.0) is None


def test_summary_medians_match_stances(result) -> None:
    m = result.summary.metrics["hip_ankle_offset_pct_leg"]
    left = [s.get("hip_ankle_offset_pct_leg") for s in result.stances if s.side == "left"]
    assert m.left.median == pytest.approx(float(np.median(left)), abs=1e-5)
    assert m.left.n == len(left)
    cad = result.summary.cadence_spm
    assert cad == pytest.approx(170.0, rel=0.01)


def test_image_stance_quality_reflects_tracking() -> None:
    """Image keypoints (2D in a 3-column body frame) get real quality values, lower with gaps."""
    clean = analyze(SyntheticRunner(rate_hz=30).image().keypoints)
    gappy = analyze(SyntheticRunner(rate_hz=30, dropout_frac=0.15, gap_len=2).image().keypoints)
    q_clean = float(np.median([s.quality for s in clean.stances]))
    q_gappy = float(np.median([s.quality for s in gappy.stances]))
    assert q_clean > 0.8
    assert 0.2 < q_gappy < q_clean
