"""When is a change between two sessions real? Only when it exceeds the measurement noise of both.

The rule (stated on the pages, tested on synthetic steps with known answers):

* Each session's value is the median of its per-step values. Its noise is the standard error of
  that median (SEM), estimated by the bootstrap: resample the session's steps with replacement
  and take the standard deviation of the resampled medians (Efron & Tibshirani 1993, *An
  Introduction to the Bootstrap*, ch. 6).
* The difference (after − before) has a 95 % bootstrap percentile interval from the same resamples
  (each session resampled on its own; Efron & Tibshirani 1993, ch. 13).
* The minimal detectable change is MDC95 = 1.96 · √2 · SEM (Weir 2005, J Strength Cond Res
  19:231–240), with SEM the root-mean-square of the two sessions' SEMs, so the noise of *both*
  sessions counts.
* A change is **real** when the 95 % interval excludes 0 **and** |difference| > MDC95. With fewer
  than 7 steps on a side in either session (DESIGN.md §6) no verdict is given.

Day-to-day differences in camera set-up are not in this noise; film both sessions the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

MIN_STEPS = 7
N_BOOT = 2000
Z95 = 1.96

Verdict = Literal["real", "noise", "too_few"]

RULE_TEXT = (
    "A change is called real only when it exceeds the measurement noise of both sessions: the 95 % "
    "bootstrap interval of the difference of per-step medians (each session's steps resampled) "
    "excludes 0, and the difference is larger than the minimal detectable change MDC95 = "
    "1.96 × √2 × SEM, with SEM the bootstrap standard error of each session's median (root mean "
    f"square of the two). Each side needs at least {MIN_STEPS} steps in both sessions."
)
RULE_SOURCES = (
    "Weir JP (2005). Quantifying test-retest reliability using the intraclass correlation coefficient "
    "and the SEM. J Strength Cond Res 19(1):231–240.",
    "Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & Hall.",
)


@dataclass(frozen=True)
class MedianEstimate:
    median: float
    sem: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class Change:
    n_before: int
    n_after: int
    before: float | None
    after: float | None
    #: after − before, in the metric's unit
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    sem_before: float | None
    sem_after: float | None
    mdc95: float | None
    verdict: Verdict

    @property
    def is_real(self) -> bool:
        return self.verdict == "real"


def _clean(values: Sequence[float | None]) -> np.ndarray:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    return arr[np.isfinite(arr)]


def bootstrap_medians(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    return np.median(values[idx], axis=1)


def median_estimate(
    values: Sequence[float | None], n_boot: int = N_BOOT, seed: int = 0
) -> MedianEstimate | None:
    """A session's median with its bootstrap SEM and 95 % percentile interval (None without values)."""
    arr = _clean(values)
    if len(arr) == 0:
        return None
    if len(arr) == 1:
        v = float(arr[0])
        return MedianEstimate(v, math.nan, math.nan, math.nan, 1)
    meds = bootstrap_medians(arr, n_boot, np.random.default_rng(seed))
    lo, hi = np.percentile(meds, [2.5, 97.5])
    return MedianEstimate(float(np.median(arr)), float(np.std(meds, ddof=1)), float(lo), float(hi), len(arr))


def mdc95(sem_before: float, sem_after: float) -> float:
    """1.96 · √2 · SEM, with SEM pooled as the root mean square of the two sessions' SEMs."""
    sem = math.sqrt((sem_before**2 + sem_after**2) / 2.0)
    return Z95 * math.sqrt(2.0) * sem


def compare_steps(
    before: Sequence[float | None],
    after: Sequence[float | None],
    n_boot: int = N_BOOT,
    seed: int = 0,
    min_steps: int = MIN_STEPS,
) -> Change:
    """Apply the rule to two sessions' per-step values of one metric and side."""
    a, b = _clean(before), _clean(after)
    med_a = float(np.median(a)) if len(a) else None
    med_b = float(np.median(b)) if len(b) else None
    diff = med_b - med_a if med_a is not None and med_b is not None else None
    if len(a) < min_steps or len(b) < min_steps:
        return Change(len(a), len(b), med_a, med_b, diff, None, None, None, None, None, "too_few")
    rng = np.random.default_rng(seed)
    boot_a = bootstrap_medians(a, n_boot, rng)
    boot_b = bootstrap_medians(b, n_boot, rng)
    lo, hi = np.percentile(boot_b - boot_a, [2.5, 97.5])
    sem_a = float(np.std(boot_a, ddof=1))
    sem_b = float(np.std(boot_b, ddof=1))
    mdc = mdc95(sem_a, sem_b)
    assert diff is not None
    real = (lo > 0 or hi < 0) and abs(diff) > mdc
    return Change(
        len(a),
        len(b),
        med_a,
        med_b,
        diff,
        float(lo),
        float(hi),
        sem_a,
        sem_b,
        mdc,
        "real" if real else "noise",
    )


def describe(change: Change, unit: str, digits: int = 1) -> str:
    """One plain sentence for a change (used beside the numbers on the pages)."""
    if change.verdict == "too_few":
        return f"too few steps to judge (need {MIN_STEPS} per side in both sessions)"
    assert change.difference is not None and change.mdc95 is not None
    amount = f"{change.difference:+.{digits}f} {unit}".strip()
    if change.verdict == "real":
        return f"{amount}: a real change (beyond the noise of both sessions)"
    return f"{amount}: within measurement noise (MDC95 {change.mdc95:.{digits}f} {unit})".strip()
