"""Turn per-frame landmarks into the project's :class:`ImageKeypoints`, with the warnings a person
needs to trust them (runner lost, feet out of the picture)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from midstance.core.series import ImageKeypoints, SourceInfo
from midstance.pose.landmarks import CONTRACT_INDEX, FOOT_POINTS, N_LANDMARKS, raw_name
from midstance.video.decode import VideoInfo

Warning_ = tuple[str, str]

#: a stretch without the runner shorter than this is bridged by the core's gap filling; not worth a word
_LOST_MIN_S = 0.5
#: warn about feet out of the picture when at least this share of frames has them out
_OUT_SHARE = 0.05


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate(([False], mask.astype(bool), [False]))
    d = np.diff(m.astype(np.int8))
    return list(zip(np.nonzero(d == 1)[0].tolist(), np.nonzero(d == -1)[0].tolist(), strict=True))


def _spans(times: np.ndarray, mask: np.ndarray, min_s: float, frame_s: float) -> list[tuple[float, float]]:
    spans = []
    for a, b in _runs(mask):
        t0, t1 = float(times[a]), float(times[b - 1]) + frame_s
        if t1 - t0 >= min_s:
            spans.append((t0, t1))
    return spans


def _fmt_spans(spans: list[tuple[float, float]], limit: int = 3) -> str:
    text = ", ".join(f"{a:.1f}–{b:.1f} s" for a, b in spans[:limit])
    return text + (f" and {len(spans) - limit} more" if len(spans) > limit else "")


def quality_warnings(info: VideoInfo, times: np.ndarray, lms: np.ndarray) -> list[Warning_]:
    """Runner lost for a while; feet outside the picture."""
    out: list[Warning_] = []
    if times.size == 0:
        return out
    frame_s = 1.0 / info.fps if info.fps > 0 else 0.0
    missing = ~np.isfinite(lms[:, :, 0]).any(axis=1)
    lost = _spans(times, missing, _LOST_MIN_S, frame_s)
    if lost:
        total = sum(b - a for a, b in lost)
        out.append(
            (
                "runner_lost",
                f"the runner was not found for {total:.1f} s ({_fmt_spans(lost)}); "
                "those frames have no keypoints",
            )
        )
    fx, fy = lms[:, list(FOOT_POINTS), 0], lms[:, list(FOOT_POINTS), 1]
    off = (fx < 0) | (fx > info.width_px) | (fy < 0) | (fy > info.height_px)
    outside = off.any(axis=1) & ~missing
    found = int((~missing).sum())
    if found and outside.sum() >= _OUT_SHARE * found:
        spans = _spans(times, outside, 0.0, frame_s)
        out.append(
            (
                "runner_out_of_frame",
                f"the runner's feet are outside the picture in {int(outside.sum())} of {found} frames "
                f"({_fmt_spans(spans)}); keep the whole body in view",
            )
        )
    return out


def to_keypoints(
    info: VideoInfo,
    times: np.ndarray,
    lms: np.ndarray,
    *,
    time_scale: float = 1.0,
    meta: Mapping[str, str] | None = None,
    warnings: list[Warning_] | None = None,
) -> ImageKeypoints:
    """Contract points (nose … toe) plus all 33 landmarks as ``mp_00`` … ``mp_32``; confidence is
    MediaPipe's visibility. ``time_scale`` divides playback time into real time (slow motion)."""
    if lms.shape[1:] != (N_LANDMARKS, 3):
        raise ValueError(f"landmarks must be (n, 33, 3), got {lms.shape}")
    points: dict[str, np.ndarray] = {}
    conf: dict[str, np.ndarray] = {}
    for name, i in CONTRACT_INDEX.items():
        points[name] = lms[:, i, :2]
        conf[name] = lms[:, i, 2]
    for i in range(N_LANDMARKS):
        points[raw_name(i)] = lms[:, i, :2]
        conf[raw_name(i)] = lms[:, i, 2]
    source = SourceInfo(
        path=info.path,
        kind="video",
        fps=info.fps * time_scale,
        duration_s=info.duration_s / time_scale,
        frame_count=info.frame_count,
        width_px=info.width_px,
        height_px=info.height_px,
        rotation_deg=info.rotation_deg,
        frame_times_s=tuple(float(ft) / time_scale for ft in info.frame_times_s),
    )
    return ImageKeypoints(
        time_s=np.asarray(times, dtype=float) / time_scale,
        points=points,
        confidence=conf,
        source=source,
        meta=dict(meta or {}),
        import_warnings=tuple(warnings or ()),
        width_px=info.width_px,
        height_px=info.height_px,
    )
