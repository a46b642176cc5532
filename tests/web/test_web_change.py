"""The rule that calls a change between sessions real, on synthetic per-step values whose answer is
known: no change, a change far beyond the noise, a change inside it, and too few steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from midstance.web.change import MIN_STEPS, compare_steps, describe, mdc95, median_estimate


def steps(center: float, sd: float, n: int, seed: int) -> list[float]:
    return list(np.random.default_rng(seed).normal(center, sd, n))


def test_same_runner_twice_is_within_noise() -> None:
    # two sessions drawn from the same distribution: any difference is noise
    verdicts = [
        compare_steps(steps(8.0, 2.0, 15, s), steps(8.0, 2.0, 15, s + 100), seed=s).verdict for s in range(20)
    ]
    # a 95 % rule may flag about 1 in 20 by chance; requiring both conditions keeps it at or below that
    assert verdicts.count("real") <= 2
    assert verdicts.count("noise") >= 18


def test_large_shift_is_real_and_signed() -> None:
    before = steps(-3.0, 2.0, 15, 1)  # hip behind the ankle
    after = steps(7.0, 2.0, 15, 2)  # ahead: 5 standard deviations later
    ch = compare_steps(before, after)
    assert ch.verdict == "real"
    assert ch.is_real
    assert ch.difference is not None and 8.0 < ch.difference < 12.0
    assert ch.ci_low is not None and ch.ci_low > 0
    assert ch.mdc95 is not None and abs(ch.difference) > ch.mdc95
    assert "real change" in describe(ch, "% leg")
    down = compare_steps(after, before)
    assert down.verdict == "real" and down.difference is not None and down.difference < 0
    assert down.ci_high is not None and down.ci_high < 0


def test_shift_smaller_than_the_noise_is_not_real() -> None:
    # 0.3 SD with 12 steps each: the SEM of each median is ≈ 1.25·2/√12 ≈ 0.72, MDC95 ≈ 2.0
    ch = compare_steps(steps(8.0, 2.0, 12, 3), steps(8.6, 2.0, 12, 4))
    assert ch.verdict == "noise"
    assert ch.mdc95 is not None and 1.2 < ch.mdc95 < 3.2
    assert "within measurement noise" in describe(ch, "% leg")


def test_mdc_formula_and_median_standard_error() -> None:
    assert mdc95(1.0, 1.0) == pytest.approx(1.96 * math.sqrt(2))
    assert mdc95(0.0, 2.0) == pytest.approx(1.96 * math.sqrt(2) * math.sqrt(2.0))
    # the bootstrap SEM of a median of n normal values ≈ 1.2533·σ/√n (asymptotic result)
    est = median_estimate(steps(0.0, 1.0, 400, 5), n_boot=3000)
    assert est is not None
    assert est.sem == pytest.approx(1.2533 / math.sqrt(400), rel=0.2)
    assert est.ci_low < est.median < est.ci_high


def test_noisier_sessions_need_a_bigger_change() -> None:
    quiet = compare_steps(steps(5.0, 0.5, 15, 6), steps(6.5, 0.5, 15, 7))
    noisy = compare_steps(steps(5.0, 4.0, 15, 6), steps(6.5, 4.0, 15, 7))
    assert quiet.verdict == "real"
    assert noisy.verdict == "noise"
    assert noisy.mdc95 is not None and quiet.mdc95 is not None and noisy.mdc95 > 4 * quiet.mdc95


def test_one_noisy_session_is_enough_to_withhold_the_verdict() -> None:
    # the noise of *both* sessions counts: a quiet "before" does not rescue a noisy "after"
    ch = compare_steps(steps(5.0, 0.3, 15, 8), steps(7.0, 6.0, 15, 9))
    assert ch.verdict == "noise"
    assert ch.sem_after is not None and ch.sem_before is not None and ch.sem_after > 5 * ch.sem_before


def test_too_few_steps_gives_no_verdict() -> None:
    ch = compare_steps(steps(0.0, 1.0, MIN_STEPS - 1, 10), steps(20.0, 1.0, 30, 11))
    assert ch.verdict == "too_few"
    assert ch.mdc95 is None and ch.ci_low is None
    assert ch.difference is not None and ch.difference > 15  # the medians are still reported
    assert "too few steps" in describe(ch, "% leg")


def test_missing_values_are_ignored() -> None:
    base = steps(3.0, 1.0, 10, 12)
    ch = compare_steps([*base, None, float("nan")], steps(3.0, 1.0, 10, 13))
    assert ch.n_before == 10


def test_result_is_reproducible() -> None:
    a, b = steps(1.0, 1.0, 10, 14), steps(2.0, 1.0, 10, 15)
    assert compare_steps(a, b) == compare_steps(a, b)
