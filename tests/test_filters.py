"""Filters, each against a signal whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from midstance.core.filters import (
    crossings,
    despike,
    fill_gaps,
    interp_at,
    is_uneven,
    lowpass,
    nan_runs,
    parabola_vertex,
)
from midstance.core.video_events import _turn_time


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


def _dropped_frames(n: int = 600, rate: float = 30.0, seed: int = 2) -> np.ndarray:
    """Frame times of a 30 fps clip from which a phone dropped ~10 % of the frames, some in a row."""
    rng = np.random.default_rng(seed)
    keep = np.r_[True, rng.random(n - 2) > 0.1, True]
    keep[300:303] = False
    return np.arange(n)[keep] / rate


def test_lowpass_on_dropped_frames_filters_in_time_not_in_samples() -> None:
    t = _dropped_frames()
    assert is_uneven(t) and not is_uneven(np.arange(100) / 30.0)
    slow = np.sin(2 * np.pi * 1.4 * t)  # a stride-rate wave, well below the cut-off
    rng = np.random.default_rng(0)
    noisy = slow + 0.05 * rng.standard_normal(t.size)
    core = slice(40, -40)
    timed = lowpass(noisy, 30.0, 4.0, t=t)
    by_sample = lowpass(noisy, 30.0, 4.0)
    err_timed = float(np.sqrt(np.mean((timed[core] - slow[core]) ** 2)))
    err_by_sample = float(np.sqrt(np.mean((by_sample[core] - slow[core]) ** 2)))
    print(f"dropped frames: rms error {err_timed:.4f} filtered in time, {err_by_sample:.4f} by sample")
    assert err_timed < 0.03 < err_by_sample
    # evenly sampled: the same as without times
    even = np.arange(300) / 30.0
    x = np.sin(2 * np.pi * 1.4 * even)
    np.testing.assert_array_equal(lowpass(x, 30.0, 4.0, t=even), lowpass(x, 30.0, 4.0))


def test_lowpass_on_uneven_times_keeps_gaps() -> None:
    t = _dropped_frames(200)
    x = np.cos(t)
    x[50:60] = np.nan
    y = lowpass(x, 30.0, 4.0, t=t)
    assert np.isnan(y[50:60]).all() and np.isfinite(y[:50]).all() and np.isfinite(y[60:]).all()


def test_parabola_vertex_with_uneven_spacing() -> None:
    def parabola(t: np.ndarray) -> np.ndarray:
        return 3.0 * (t - 0.437) ** 2 + 1.0

    for t3 in (np.array([0.4, 0.433, 0.5]), np.array([0.3, 0.433, 0.467]), np.array([0.40, 0.43, 0.46])):
        assert parabola_vertex(t3, parabola(t3)) == pytest.approx(0.437, abs=1e-9)
    assert parabola_vertex(np.array([0.0, 0.1, 0.2]), np.array([1.0, 0.0, 1.0]) * -1) is None  # a maximum


def test_turn_time_is_the_median_of_the_foot_points() -> None:
    """Heel, toe and ankle turn together; one point's glitch must not move the foot's turn."""
    t = np.arange(40) / 30.0
    turn = 0.62

    def swing(shift: float) -> np.ndarray:
        return -((t - turn - shift) ** 2)

    heel, ankle, toe = swing(0.0), swing(0.004), swing(0.0)
    toe[19:22] += 0.01  # the toe point jumps forwards for three frames just after the turn
    got = _turn_time(t, [heel, toe, ankle], int(turn * 30), +1)
    assert got == pytest.approx(turn, abs=0.005)
    assert abs(_turn_time(t, [toe], int(turn * 30), +1) - turn) > 0.01  # the glitch alone moves it


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
