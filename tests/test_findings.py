"""Findings speak in the method's spirit: ranked, with evidence, associations not diagnoses."""

from __future__ import annotations

import re

import pytest

from midstance.core.analysis import analyze
from midstance.core.findings import offset_band
from midstance.core.synthetic import SyntheticRunner
from midstance.settings import AnalysisSettings


def _findings(offsets: tuple[float, float], slope: float = 0.0, **kw):
    trial = SyntheticRunner(offset_m=offsets, offset_wobble_m=0.002, **kw).world()
    return analyze(trial.keypoints, AnalysisSettings(slope_pct=slope))


def test_bands() -> None:
    assert offset_band(-0.1) == "behind"
    assert offset_band(2.0) == "barely ahead"
    assert offset_band(7.0) == "ahead"
    assert offset_band(None) is None


def test_hip_behind_is_the_top_warning_with_evidence() -> None:
    res = _findings((-0.05, -0.03))
    top = res.findings[0]
    assert (top.code, top.severity) == ("hip_behind_ankle", "warning")
    assert top.evidence["left_offset_pct_leg"] < 0 and top.evidence["right_offset_pct_leg"] < 0
    assert top.evidence["left_offset_cm"] == pytest.approx(-5.0, abs=0.5)
    assert "pelvis move" in top.cue and "not a diagnosis" in top.cue


def test_ranking_order() -> None:
    res = _findings((0.02, 0.09))  # left barely ahead, right ahead, clear asymmetry
    sev = [f.severity for f in res.findings]
    rank = {"warning": 0, "notice": 1, "info": 2}
    assert [rank[s] for s in sev] == sorted(rank[s] for s in sev)
    codes = [f.code for f in res.findings]
    assert "hip_barely_ahead" in codes and "offset_asymmetry" in codes


def test_downhill_changes_the_guidance() -> None:
    flat = _findings((-0.03, -0.03))
    down = _findings((-0.03, -0.03), slope=-6.0)
    assert "Downhill" not in flat.findings[0].cue
    assert "Downhill, keep the hip over the foot" in down.findings[0].cue
    assert any(f.code == "downhill" for f in down.findings)


def test_cues_never_claim_causation_or_itbs() -> None:
    for off in ((-0.05, -0.05), (0.02, 0.02), (0.1, 0.1)):
        for f in _findings(off, strike_angle_deg=15.0).findings:
            text = (f.cue + " " + f.title).lower()
            assert not re.search(r"\bcauses? (your|the) pain\b", text)
            assert "iliotibial" not in text and "itb" not in text


def test_rearfoot_strike_cue_warns_against_forcing_forefoot() -> None:
    res = _findings((0.08, 0.08), strike_angle_deg=15.0)
    rf = next(f for f in res.findings if f.code == "rearfoot_strike")
    assert "Achilles" in rf.cue and "symptom" in rf.cue
