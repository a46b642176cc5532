"""The headline numbers: median, quartiles and per-step uncertainty per side, and the typical step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from midstance.core.result import Result
from midstance.report.verdict import side_verdicts, signed


def _stances(
    points: dict[str, Any], side: str, offsets: list[float], sds: list[float]
) -> list[dict[str, Any]]:
    return [
        {
            "side": side,
            "ic_s": 1.0 * i,
            "to_s": 1.0 * i + 0.25,
            "midstance_s": 1.0 * i + 0.11,
            "points": {"midstance": points, "ic": points},
            "hip_ankle_offset_pct_leg": off,
            "hip_ankle_offset_sd_pct_leg": sd,
            "quality": 0.5 + 0.05 * i,
        }
        for i, (off, sd) in enumerate(zip(offsets, sds, strict=True))
    ]


def test_typical_step_is_the_median_one_not_the_best(
    result_factory: Callable[..., Result], points_factory: Callable[..., dict]
) -> None:
    pts = points_factory(300.0, 280.0)
    left = _stances(pts, "left", [-2.0, 9.0, 3.0, 12.0, 4.0], [0.5, 0.7, 0.9, 1.1, 1.3])
    right = _stances(pts, "right", [6.0, 6.5], [0.2, 0.4])
    v = side_verdicts(result_factory(left + right))
    lv = v["left"]
    assert lv.median_pct == 4.0 and lv.q1_pct == 3.0 and lv.q3_pct == 9.0
    assert lv.sd_pct == pytest.approx(0.9)
    assert lv.band == "barely ahead" and lv.n == 5 and not lv.reliable
    assert lv.representative is not None and lv.representative.get("hip_ankle_offset_pct_leg") == 4.0
    rv = v["right"]
    assert rv.median_pct == pytest.approx(6.25) and rv.band == "ahead"
    # both are 0.25 from the median: the better-tracked stance is shown
    assert rv.representative is not None and rv.representative.get("hip_ankle_offset_pct_leg") == 6.5


def test_a_side_without_offsets_is_not_measured(
    result_factory: Callable[..., Result], points_factory: Callable[..., dict]
) -> None:
    pts = points_factory(300.0, 280.0)
    only_left = _stances(pts, "left", [5.0], [0.3])
    v = side_verdicts(result_factory(only_left))
    assert v["right"].median_pct is None and v["right"].representative is None and v["right"].band is None


def test_signed_numbers_use_a_real_minus_and_no_negative_zero() -> None:
    assert signed(-3.14) == "−3.1"
    assert signed(2.0, 1, "%") == "+2.0 %"
    assert signed(-0.04) == "+0.0"
    assert signed(None) == "–"
