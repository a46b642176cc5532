"""Filters, each against a signal whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from midstance.core.filters import crossings, despike, fill_gaps, interp_at, lowpass, nan_runs


def test_lowpass_keeps_slow_and_removes_fast_sine() -> None:
    fs = 200.0
    t = np.arange(2000) / fs
    slow = np.sin(2 * np.pi * 2 * t)
    fast = 0.5 * np.sin(2 * np.pi * 40 * t)
    y = lowpass(slow + fast, fs, 10.0)
    core = slice(200, -200)
    assert np.max(np.abs(y[core] - slow[core])) < 0.01  # zero lag: no phase shift of the 2 Hz wave
    # 4th-order zero-lag Butterworth: gain at the cut-off is 1/2 (−6 dB)
    at_cut = lowpass(np.sin(2 * np.pi * 10 * t), fs, 10.0)
    assert np.max(np.abs(at_cut[core])) == pytest.approx(0.5, abs=0.02)


def test_lowpass_filters_around_gaps() -> None:
    x = np.linspace(0, 1, 300)
    x[100:110] = np.nan
    y = lowpass(x, 100.0, 5.0)
    assert np.isnan(y[100:110]).all()
    assert np.isfinite(y[:100]).all() and np.isfinite(y[110:]).all()


def test_fill_gaps_bounded() -> None:
    x = np.arange(20, dtype=float)
    x[3:5] = np.nan  # 2 samples: filled
    x[10:16] = np.nan  # 6 samples: too long
    y = fill_gaps(x, max_gap=3)
    assert y[3] == 3 and y[4] == 4
    assert np.isnan(y[10:16]).all()
    assert fill_gaps(x)[12] == 12  # unbounded


def test_despike_removes_spikes_only() -> None:
    rng = np.random.default_rng(1)
    x = 100 * np.sin(np.linspace(0, 12, 300)) + rng.normal(0, 1.0, 300)  # fast smooth motion + noise
    x[50] += 40
    x[200] -= 25
    y = despike(x, 6.0)
    assert np.isnan(y[50]) and np.isnan(y[200])
    assert np.isfinite(np.delete(y, [50, 200])).sum() >= 296


def test_crossings_interpolated() -> None:
    t = np.array([0.0, 1.0, 2.0, 3.0])
    s = np.array([1.0, -1.0, -1.0, 3.0])
    assert crossings(s, t, 0.0, "down") == pytest.approx([0.5])
    assert crossings(s, t, 0.0, "up") == pytest.approx([2.25])


def test_interp_and_runs() -> None:
    t = np.array([0.0, 0.1, 0.3])
    v = np.array([[0.0], [1.0], [3.0]])
    assert interp_at(v, t, 0.2)[0] == pytest.approx(2.0)
    assert interp_at(v, t, 9.0)[0] == pytest.approx(3.0)
    assert nan_runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
