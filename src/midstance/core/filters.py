"""Signal filters: pure functions on arrays, time along axis 0. NaN marks a missing sample."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import butter, filtfilt, medfilt


@lru_cache(maxsize=64)
def _butter(order: int, wn: float) -> tuple[np.ndarray, np.ndarray]:
    b, a = butter(order, wn)
    return b, a


def nan_runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True in a 1-D boolean array as (start, stop) index pairs, stop exclusive."""
    m = np.asarray(missing, dtype=bool)
    if not m.any():
        return []
    d = np.diff(np.concatenate(([0], m.astype(np.int8), [0])))
    starts = np.nonzero(d == 1)[0]
    stops = np.nonzero(d == -1)[0]
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def fill_gaps(x: np.ndarray, max_gap: int | None = None, t: np.ndarray | None = None) -> np.ndarray:
    """Linear interpolation of interior NaN runs of at most ``max_gap`` samples (all if None).

    Leading and trailing NaNs are held at the nearest value only when ``max_gap`` is None (the
    behaviour of the motion-capture truth); otherwise they stay missing. ``t`` gives sample times for
    uneven sampling."""
    a = np.array(x, dtype=float, copy=True)
    if np.isfinite(a).all():
        return a
    flat = a.reshape(a.shape[0], -1)
    idx = np.arange(flat.shape[0], dtype=float) if t is None else np.asarray(t, dtype=float)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        ok = np.isfinite(col)
        if ok.all() or not ok.any():
            continue
        if max_gap is None:
            col[~ok] = np.interp(idx[~ok], idx[ok], col[ok])
            continue
        first, last = np.nonzero(ok)[0][[0, -1]]
        for s, e in nan_runs(~ok):
            if s < first or e > last + 1 or e - s > max_gap:
                continue
            col[s:e] = np.interp(idx[s:e], idx[ok], col[ok])
    return flat.reshape(a.shape)


def lowpass(x: np.ndarray, rate_hz: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-lag Butterworth low-pass (``order`` run forwards and backwards, so 2 × ``order`` overall).

    NaN runs are left as NaN: each finite stretch is filtered on its own (short stretches that cannot
    be filtered stably are kept as they are)."""
    a = np.asarray(x, dtype=float)
    if cutoff_hz is None or cutoff_hz <= 0 or cutoff_hz >= 0.5 * rate_hz * 0.99:
        return a.copy()
    b, den = _butter(order, round(cutoff_hz / (0.5 * rate_hz), 12))
    out = np.full_like(a, np.nan)
    flat_in = a.reshape(a.shape[0], -1)
    flat_out = out.reshape(out.shape[0], -1)
    ok_rows = np.isfinite(flat_in).all(axis=1)
    full_pad = 3 * max(len(den), len(b))
    for s, e in nan_runs(ok_rows):
        seg = flat_in[s:e]
        if e - s < 2:
            flat_out[s:e] = seg
            continue
        pad = min(full_pad, e - s - 1)
        flat_out[s:e] = filtfilt(b, den, seg, axis=0, padlen=pad)
    # columns with NaN in rows where others are finite: filter them column-wise
    partial = ~ok_rows & np.isfinite(flat_in).any(axis=1)
    if partial.any():
        for j in range(flat_in.shape[1]):
            col_ok = np.isfinite(flat_in[:, j])
            for s, e in nan_runs(col_ok):
                if e - s < 2:
                    flat_out[s:e, j] = flat_in[s:e, j]
                    continue
                pad = min(full_pad, e - s - 1)
                flat_out[s:e, j] = filtfilt(b, den, flat_in[s:e, j], padlen=pad)
    return out


def hampel(x: np.ndarray, window: int, n_sigma: float = 3.0) -> np.ndarray:
    """Outlier rejection: samples further than ``n_sigma`` robust SDs from the running median of
    ``2*window+1`` samples become NaN (to be filled by :func:`fill_gaps`). Works per column."""
    a = np.array(x, dtype=float, copy=True)
    flat = a.reshape(a.shape[0], -1)
    k = 2 * window + 1
    for j in range(flat.shape[1]):
        col = flat[:, j]
        ok = np.isfinite(col)
        if ok.sum() < k:
            continue
        vals = col[ok]
        med = medfilt(vals, k)
        dev = np.abs(vals - med)
        mad = medfilt(dev, k) * 1.4826
        scale = np.maximum(mad, np.median(mad) * 0.5 + 1e-12)
        bad = dev > n_sigma * scale
        # keep the ends (medfilt pads with zeros)
        bad[:window] = False
        bad[-window:] = False
        vals = vals.copy()
        vals[bad] = np.nan
        col[ok] = vals
    return flat.reshape(a.shape)


def derivative(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """First derivative along axis 0 with respect to (possibly uneven) sample times."""
    return np.gradient(np.asarray(x, dtype=float), np.asarray(t, dtype=float), axis=0)


def interp_at(values: np.ndarray, t: np.ndarray, at: float) -> np.ndarray:
    """Linear interpolation of a (n, ...) trajectory at time ``at`` (clipped to the ends)."""
    i, w = sample_weight(t, at)
    return (1 - w) * values[i] + w * values[i + 1]


def sample_weight(t: np.ndarray, at: float) -> tuple[int, float]:
    """Index ``i`` and weight ``w`` with ``at ≈ (1 − w)·t[i] + w·t[i+1]`` (clipped to the ends)."""
    n = len(t)
    i = int(np.searchsorted(t, at)) - 1
    i = 0 if i < 0 else (n - 2 if i > n - 2 else i)
    dt = t[i + 1] - t[i]
    w = 0.0 if dt <= 0 else (at - t[i]) / dt
    w = 0.0 if w < 0 else (1.0 if w > 1 else float(w))
    return i, w


def crossings(signal: np.ndarray, t: np.ndarray, level: float, direction: str) -> np.ndarray:
    """Times where ``signal`` crosses ``level`` going 'down' or 'up', linearly interpolated."""
    s = np.asarray(signal, dtype=float)
    below = s < level
    if direction == "down":
        idx = np.nonzero(~below[:-1] & below[1:])[0]
    else:
        idx = np.nonzero(below[:-1] & ~below[1:])[0]
    out = []
    for i in idx:
        a, b = s[i], s[i + 1]
        if not (np.isfinite(a) and np.isfinite(b)) or a == b:
            out.append(t[i + 1])
            continue
        f = (a - level) / (a - b)
        out.append(t[i] + f * (t[i + 1] - t[i]))
    return np.asarray(out, dtype=float)
