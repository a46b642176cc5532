"""Marker geometry: rigid fits, hip joint centres. Pure numpy."""

from __future__ import annotations

import numpy as np


def kabsch(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares rigid transform (R, t) with ``dst ≈ R @ src + t`` for (k, 3) point sets."""
    cs, cd = src.mean(axis=0), dst.mean(axis=0)
    h = (src - cs).T @ (dst - cd)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    r = vt.T @ np.diag([1.0, 1.0, d]) @ u.T
    return r, cd - r @ cs


def kabsch_batch(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`kabsch` for many frames at once: ``src`` (k, 3), ``dst`` (n, k, 3) → R (n, 3, 3), t (n, 3)."""
    cs = src.mean(axis=0)
    cd = dst.mean(axis=1)
    h = np.einsum("ki,nkj->nij", src - cs, dst - cd[:, None, :])
    u, _, vt = np.linalg.svd(h)
    v = np.swapaxes(vt, 1, 2)
    ut = np.swapaxes(u, 1, 2)
    d = np.sign(np.linalg.det(v @ ut))
    fix = np.ones((len(d), 3))
    fix[:, 2] = d
    r = (v * fix[:, None, :]) @ ut
    return r, cd - np.einsum("nij,j->ni", r, cs)


def carry_rigid(
    ref: dict[str, np.ndarray], frames: dict[str, np.ndarray], cluster: list[str], target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Carry a point defined in a reference pose (``target``, (3,)) into every frame through the
    rigid motion of the marker ``cluster`` (at least 3 markers visible in a frame).

    Returns the (n, 3) trajectory (NaN where fewer than 3 cluster markers are visible) and the
    per-frame RMS residual of the fit in metres."""
    s_cl = np.array([ref[c] for c in cluster])
    d_cl = np.stack([frames[c] for c in cluster], axis=1)  # (n, k, 3)
    n = d_cl.shape[0]
    out = np.full((n, 3), np.nan)
    rms = np.full(n, np.nan)
    ok_all = np.isfinite(d_cl).all(axis=2)
    full = ok_all.all(axis=1)
    if full.any():  # frames with the whole cluster: all at once
        r, t = kabsch_batch(s_cl, d_cl[full])
        out[full] = np.einsum("nij,j->ni", r, target) + t
        fitted = np.einsum("nij,kj->nki", r, s_cl) + t[:, None, :]
        rms[full] = np.sqrt(np.mean(np.sum((fitted - d_cl[full]) ** 2, axis=2), axis=1))
    for i in np.nonzero(~full & (ok_all.sum(axis=1) >= 3))[0]:
        ok = ok_all[i]
        r1, t1 = kabsch(s_cl[ok], d_cl[i][ok])
        out[i] = r1 @ target + t1
        rms[i] = float(np.sqrt(np.mean(np.sum((s_cl[ok] @ r1.T + t1 - d_cl[i][ok]) ** 2, axis=1))))
    return out, rms


def fill_rigid(frames: dict[str, np.ndarray], cluster: list[str]) -> tuple[dict[str, np.ndarray], int]:
    """Fill gaps of markers on one rigid segment from the others (at least 3 visible), using the
    segment's median shape from frames where all are visible. Returns the filled markers and the
    number of samples filled."""
    arr = np.stack([frames[c] for c in cluster], axis=1)  # (n, k, 3)
    vis = np.isfinite(arr).all(axis=2)
    complete = vis.all(axis=1)
    if complete.sum() < 3 or complete.all():
        return {c: frames[c] for c in cluster}, 0
    # reference shape: centred marker positions in a frame close to the median shape
    idx = np.nonzero(complete)[0]
    sample = idx[:: max(1, len(idx) // 200)]
    ref = arr[sample[0]]
    aligned = []
    for i in sample:
        r, t = kabsch(arr[i], ref)
        aligned.append(arr[i] @ r.T + t)
    shape = np.median(np.array(aligned), axis=0)
    out = arr.copy()
    filled = 0
    for i in np.nonzero(~complete & (vis.sum(axis=1) >= 3))[0]:
        ok = vis[i]
        r, t = kabsch(shape[ok], arr[i][ok])
        miss = ~ok
        out[i, miss] = shape[miss] @ r.T + t
        filled += int(miss.sum())
    return {c: out[:, j] for j, c in enumerate(cluster)}, filled


def harrington_hjc(
    lasis: np.ndarray, rasis: np.ndarray, lpsis: np.ndarray, rpsis: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Left and right hip joint centres (n, 3) in metres from the pelvis markers.

    Harrington ME et al. (2007) J Biomech 40:595–602 regression, in the pelvis frame with origin at
    mid-ASIS, Z towards the right ASIS, X anterior (mid-PSIS → mid-ASIS made orthogonal), Y up:
    x = −0.24·PD − 9.9 mm, y = −0.30·PW − 10.9 mm, z = ±(0.33·PW + 7.3 mm), PW = inter-ASIS
    distance, PD = mid-ASIS to mid-PSIS distance, evaluated every frame."""
    mid_asis = (lasis + rasis) / 2
    mid_psis = (lpsis + rpsis) / 2
    z = rasis - lasis
    pw = np.linalg.norm(z, axis=1, keepdims=True)
    z = z / pw
    xt = mid_asis - mid_psis
    pd = np.linalg.norm(xt, axis=1, keepdims=True)
    y = np.cross(z, xt)
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    x = np.cross(y, z)
    pw_mm, pd_mm = pw * 1000, pd * 1000
    hx = (-0.24 * pd_mm - 9.9) / 1000
    hy = (-0.30 * pw_mm - 10.9) / 1000
    hz = (0.33 * pw_mm + 7.3) / 1000
    base = mid_asis + hx * x + hy * y
    return base - hz * z, base + hz * z
