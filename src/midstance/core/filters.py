"""Signal filters: pure functions on arrays, time along axis 0. NaN marks a missing sample."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import butter, filtfilt


@lru_cache(maxsize=64)
def _butter(order: int, wn: float) -> tuple[np.ndarray, np.ndarray]:
    b, a = butter(order, wn)
    return b, a


def parabola_vertex(t3: np.ndarray, y3: np.ndarray) -> float | None:
    """Vertex time of the parabola through three (t, y) points, which may be unevenly spaced
    (variable frame rate); None if it is not a minimum (negate y for a maximum)."""
    t0, t1, t2 = (float(v) for v in t3)
    y0, y1, y2 = (float(v) for v in y3)
    if not (t0 < t1 < t2) or not np.isfinite([y0, y1, y2]).all():
        return None
    # divided differences: y = y0 + d1 (t − t0) + d2 (t − t0)(t − t1)
    d1 = (y1 - y0) / (t1 - t0)
    d2 = ((y2 - y1) / (t2 - t1) - d1) / (t2 - t0)
    if d2 <= 0:
        return None
    return 0.5 * (t0 + t1) - d1 / (2 * d2)


def finite_rows(a: np.ndarray) -> np.ndarray:
    """Per row, True where every column is finite. For the narrow (n, 2|3) arrays of point
    trajectories this is ~10× faster than ``np.isfinite(a).all(axis=1)`` (numpy reduces a short
    inner axis slowly)."""
    a = np.asarray(a)
    if a.ndim == 1:
        return np.isfinite(a)
    if a.shape[1] > 8:
        return np.isfinite(a).all(axis=1)
    out = np.ones(a.shape[0], dtype=bool)
    for j in range(a.shape[1]):
        out &= np.isfinite(a[:, j])
    return out


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


#: sample intervals further than this from their median make a series unevenly sampled
UNEVEN_SPREAD = 0.05


def is_uneven(t: np.ndarray) -> bool:
    """Whether the sample times are unevenly spaced (a variable frame rate, dropped frames)."""
    if len(t) < 3:
        return False
    dt = np.diff(t)
    med = float(np.median(dt))
    return bool(med > 0 and np.max(np.abs(dt - med)) > UNEVEN_SPREAD * med)


def lowpass(
    x: np.ndarray, rate_hz: float, cutoff_hz: float, order: int = 2, t: np.ndarray | None = None
) -> np.ndarray:
    """Zero-lag Butterworth low-pass (``order`` run forwards and backwards, so 2 × ``order`` overall).

    NaN runs are left as NaN: each finite stretch is filtered on its own (short stretches that cannot
    be filtered stably are kept as they are). With the sample times ``t`` of an unevenly sampled
    series (variable frame rate), it is filtered on an even grid at ``rate_hz`` (linear in between)
    and read back at its own times."""
    if t is not None and is_uneven(np.asarray(t, dtype=float)):
        return _lowpass_uneven(
            np.asarray(x, dtype=float), np.asarray(t, dtype=float), rate_hz, cutoff_hz, order
        )
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


def _lowpass_uneven(a: np.ndarray, t: np.ndarray, rate_hz: float, cutoff_hz: float, order: int) -> np.ndarray:
    n_grid = int(np.floor((t[-1] - t[0]) * rate_hz + 1e-9)) + 1
    grid = t[0] + np.arange(n_grid) / rate_hz
    flat = a.reshape(a.shape[0], -1)
    on_grid = np.full((n_grid, flat.shape[1]), np.nan)
    for j in range(flat.shape[1]):
        ok = np.isfinite(flat[:, j])
        if ok.sum() < 2:
            continue
        # a grid point counts where both samples around it are present (no bridging of gaps)
        inside = np.interp(grid, t, ok.astype(float)) > 1 - 1e-9
        on_grid[inside, j] = np.interp(grid[inside], t[ok], flat[ok, j])
    smooth = lowpass(on_grid, rate_hz, cutoff_hz, order)
    out = np.full_like(flat, np.nan)
    for j in range(flat.shape[1]):
        ok = np.isfinite(flat[:, j])
        out[ok, j] = np.interp(t[ok], grid, smooth[:, j])
        # np.interp carries NaN from a missing grid neighbour; keep the sample itself there
        lost = ok & ~np.isfinite(out[:, j])
        out[lost, j] = flat[lost, j]
    return out.reshape(a.shape)


def despike(x: np.ndarray, n_sigma: float = 6.0) -> np.ndarray:
    """Single-sample spikes (a pose model's one-frame glitches) become NaN, to be filled by
    :func:`fill_gaps`. A sample is a spike when its distance from the mean of its two neighbours is a
    local maximum and exceeds ``n_sigma`` robust SDs of that distance over the whole column. Smooth
    motion (any speed, any curvature a body segment can have) is untouched. Works per column."""
    a = np.array(x, dtype=float, copy=True)
    flat = a.reshape(a.shape[0], -1)
    if flat.shape[0] < 5:
        return a
    for j in range(flat.shape[1]):
        col = flat[:, j]
        d = np.full(col.shape, np.nan)
        d[1:-1] = col[1:-1] - 0.5 * (col[:-2] + col[2:])
        ok = np.isfinite(d)
        if ok.sum() < 5:
            continue
        med = np.median(d[ok])
        sigma = 1.4826 * np.median(np.abs(d[ok] - med))
        if sigma <= 0:
            continue
        ad = np.abs(d - med)
        peak = np.zeros(col.shape, dtype=bool)
        peak[1:-1] = (ad[1:-1] >= np.nan_to_num(ad[:-2])) & (ad[1:-1] >= np.nan_to_num(ad[2:]))
        col[peak & (ad > n_sigma * sigma)] = np.nan
    return flat.reshape(a.shape)


def nanmean_of(*arrs: np.ndarray) -> np.ndarray:
    """Element-wise mean of equally shaped arrays ignoring NaN (NaN where all are missing)."""
    stack = np.stack(arrs)
    ok = np.isfinite(stack)
    n = ok.sum(axis=0)
    total = np.where(ok, stack, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


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
    change = (~below[:-1] & below[1:]) if direction == "down" else (below[:-1] & ~below[1:])
    idx = np.nonzero(change)[0]
    out = []
    for i in idx:
        a, b = s[i], s[i + 1]
        if not (np.isfinite(a) and np.isfinite(b)) or a == b:
            out.append(t[i + 1])
            continue
        f = (a - level) / (a - b)
        out.append(t[i] + f * (t[i + 1] - t[i]))
    return np.asarray(out, dtype=float)
