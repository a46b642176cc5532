"""Video → keypoints: probe, find the runner, run pose on all cores, assemble, cache."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from midstance.core.series import ImageKeypoints
from midstance.errors import AnalysisError, InputError
from midstance.pose import assemble, cache, people
from midstance.pose.landmarks import LEFT_HIP, RIGHT_HIP
from midstance.pose.runner import Chunk, PoseRun, plan_chunks, run_pose
from midstance.pose.settings import PoseSettings
from midstance.video.decode import VideoInfo, probe

log = logging.getLogger(__name__)

Warning_ = tuple[str, str]

#: shorter clips cannot hold a running stride (0.6–0.8 s at 150–200 steps/min): refused here with
#: AnalysisError (exit 3) rather than after pose; longer ones go on and the core decides
MIN_CLIP_S = 0.75
#: Pose "followed the runner" when its mid-hip was on the chosen track at this share of the samples
_AGREEMENT = 0.8
#: a seam where the two chunks' mid-hips differ by more than this (body radii) followed two people
_SEAM_MISMATCH = 1.0


def _hips(lms: np.ndarray) -> np.ndarray:
    return (lms[:, LEFT_HIP, :2] + lms[:, RIGHT_HIP, :2]) / 2.0


def _keep_only(run: PoseRun, plan: people.CropPlan, where: np.ndarray) -> int:
    """Blank frames (among ``where``) in which Pose followed someone other than the chosen person
    (or the chosen person is out of view); returns how many were blanked."""
    hips = _hips(run.landmarks)
    blank = 0
    for i, t in enumerate(run.times):
        if not where[i] or not np.isfinite(hips[i]).all():
            continue
        here = plan.at(float(t))
        off = here is None or np.hypot(hips[i, 0] - here[0], hips[i, 1] - here[1]) > 1.0 * here[2]
        if off:
            run.landmarks[i] = np.nan
            blank += 1
    return blank


def _follow(
    run: PoseRun,
    chosen: people.Candidate,
    info: VideoInfo,
    st: PoseSettings,
    workers: int,
    first_pose: bool,
    several: bool,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> tuple[PoseRun, int]:
    """Make ``run`` follow ``chosen``: keep the full-picture pose of every time chunk in which it
    already did, and redo the other chunks on crops around the chosen person (pass 2)."""
    hips = _hips(run.landmarks)
    sample_times = [s.t_s for s in run.samples]
    redo: list[Chunk] = []
    for c in plan_chunks(info, max(1, workers), st.overlap_s):
        inside = [t for t in sample_times if c.keep_from_s <= t < c.keep_to_s]
        agree = people.agreement(chosen.plan, run.times, hips, inside) if first_pose else 0.0
        log.info("chunk from %.1f s: pose on person %d at %s of samples", c.keep_from_s, chosen.rank, agree)
        if agree is not None and agree < _AGREEMENT:
            redo.append(c)
    lo = min((c.keep_from_s for c in redo), default=np.inf)
    hi = max((c.keep_to_s for c in redo), default=-np.inf)
    if several:
        outside = (run.times < lo) | (run.times >= hi)
        log.info("blanked %d frames where pose followed someone else", _keep_only(run, chosen.plan, outside))
    if not redo:
        return run, total
    times = np.asarray(info.frame_times_s)
    extra = int(((times >= lo) & (times < hi)).sum())
    again = run_pose(
        info.path,
        info,
        st,
        workers=workers,
        plan=chosen.plan,
        detect=False,
        span=(lo, hi),
        progress=progress,
        progress_offset=total,
        progress_total=total + extra,
    )
    keep = (run.times < lo) | (run.times >= hi)
    order = np.argsort(np.concatenate([run.times[keep], again.times]), kind="stable")
    merged = PoseRun(
        times=np.concatenate([run.times[keep], again.times])[order],
        landmarks=np.concatenate([run.landmarks[keep], again.landmarks])[order],
        samples=run.samples,
        frames_decoded=max(run.frames_decoded, again.frames_decoded),
        bad_packets=max(run.bad_packets, again.bad_packets),
        read_error=run.read_error or again.read_error,
        seam_mismatch=again.seam_mismatch,
    )
    return merged, total + extra


def _people_warning(cands: list[people.Candidate], chosen: people.Candidate) -> Warning_:
    others = [c for c in people.rivals(cands) if c.rank != chosen.rank]
    listed = "; ".join(f"person={c.rank}: {c.describe()}" for c in others[:4])
    return (
        "several_people",
        f"{len(others) + 1} people seen; following person={chosen.rank} ({chosen.describe()}); "
        f"others: {listed}; pass person=N to follow another",
    )


def _choose(cands: list[people.Candidate], person: int | None, info: VideoInfo) -> people.Candidate | None:
    if person is None:
        return cands[0] if cands else None
    if person < 0 or person >= len(cands):
        if not cands:
            seen = "nobody was seen"
        elif len(cands) == 1:
            seen = "only person 0 was seen"
        else:
            seen = f"only persons 0–{len(cands) - 1} were seen"
        raise InputError(f"person={person} is not available in {info.path}: {seen}; choose one of them")
    return cands[person]


def video_to_keypoints(
    path: str | Path,
    *,
    person: int | None = None,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    settings: PoseSettings | None = None,
    frame_stride: int | None = None,
    cache_path: str | Path | None = None,
    capture_fps: float | None = None,
) -> tuple[ImageKeypoints, list[Warning_]]:
    """Keypoints of the runner in a video, in displayed-frame pixels, with warnings (code, message).

    ``person`` follows the n-th ranked candidate when several people are seen (None/0 = the runner
    as ranked by :mod:`midstance.pose.people`). ``workers`` processes share the clip (0 = in this
    process). ``progress(frames_done, frames_total)`` is called as frames are processed.
    ``frame_stride`` overrides ``settings.frame_stride``. With ``cache_path``, a cache that matches
    the file and the settings is loaded instead of running pose, and a fresh result is saved there.
    ``capture_fps``: the rate a slow-motion clip was filmed at (its timestamps are playback time);
    times are divided by capture / playback rate to give real time."""
    st = settings or PoseSettings()
    if frame_stride is not None:
        st = dataclasses.replace(st, frame_stride=frame_stride)
    if person is not None:
        st = dataclasses.replace(st, person=person)
    if capture_fps is not None:
        st = dataclasses.replace(st, capture_fps=capture_fps)
    info = probe(path)
    scale = info.slow_motion_factor if info.likely_slow_motion and info.slow_motion_factor else 1.0
    if st.capture_fps is not None:
        if st.capture_fps <= 0:
            raise InputError(f"--capture-fps must be positive, got {st.capture_fps:g}")
        scale = max(1.0, st.capture_fps / info.fps)
        info = dataclasses.replace(
            info,
            likely_slow_motion=scale > 1.0,
            slow_motion_factor=scale,
            slow_motion_reason=f"--capture-fps {st.capture_fps:g}",
        )
    if info.duration_s / scale < MIN_CLIP_S:
        raise AnalysisError(
            f"{info.path} lasts {info.duration_s / scale:.2f} s, too short to hold a running stride; "
            "film at least 5 s of running"
        )
    if cache_path is not None:
        hit = cache.load_if_valid(cache_path, path, st.cache_key())
        if hit is not None:
            log.info("keypoints from cache %s", cache_path)
            return hit

    warnings: list[Warning_] = []
    total = info.frame_count
    # Pass 1: Pose on the full picture while sampling everybody. When a person was asked for by
    # number, only sample: the pose pass will follow them on crops anyway.
    first_pose = st.person in (None, 0)
    run = run_pose(
        info.path,
        info,
        st,
        workers=workers,
        detect=True,
        pose=first_pose,
        progress=progress,
        progress_total=total,
    )
    cands = people.rank_people(run.samples, info.width_px, info.height_px)
    chosen = _choose(cands, st.person, info)
    if len(people.rivals(cands)) > 1 and chosen is not None:
        warnings.append(_people_warning(cands, chosen))
    if chosen is not None:
        several = len(people.rivals(cands)) > 1
        run, total = _follow(run, chosen, info, st, workers, first_pose, several, progress, total)
    if not np.isfinite(run.landmarks[:, :, 0]).any():
        raise AnalysisError(
            f"no person found in {info.path}; film the runner from the side with the whole body in view"
        )
    warnings += _video_warnings(info, run)
    warnings += assemble.quality_warnings(info, run.times, run.landmarks)
    meta = {
        "pose_model": f"{st.model} {st.model_version}",
        "frame_stride": str(st.frame_stride),
        "dense_near_contacts": str(st.dense_near_contacts).lower(),
        "person": str(chosen.rank if chosen is not None else 0),
        "time_scale": f"{scale:g}",
        "variable_frame_rate": str(info.is_variable_frame_rate).lower(),
    }
    kp = assemble.to_keypoints(info, run.times, run.landmarks, time_scale=scale, meta=meta, warnings=warnings)
    if progress is not None:
        progress(total, total)
    if cache_path is not None:
        cache.save_keypoints(kp, cache_path, video_path=path, settings=st.cache_key(), warnings=warnings)
    return kp, warnings


def _video_warnings(info: VideoInfo, run: PoseRun) -> list[Warning_]:
    out: list[Warning_] = []
    if info.likely_slow_motion:
        if info.slow_motion_factor:
            out.append(
                (
                    "slow_motion",
                    f"slow-motion clip ({info.slow_motion_reason}); times were divided by "
                    f"{info.slow_motion_factor:.3g} to give real time",
                )
            )
        else:
            out.append(
                (
                    "slow_motion",
                    f"looks like a slow-motion clip ({info.slow_motion_reason}) but its capture rate is "
                    "unknown: times are playback times, so cadence and contact times are off; "
                    "pass --capture-fps (e.g. 240) or export the clip at normal speed",
                )
            )
    times = np.asarray(info.frame_times_s, dtype=float) / (info.slow_motion_factor or 1.0)
    if times.size > 2:
        dt = np.diff(times)
        gaps = dt > 1.5 * float(np.median(dt))
        if gaps.mean() > 0.01:
            out.append(
                (
                    "dropped_frames",
                    f"the phone skipped frames: {int(gaps.sum())} gaps of up to {1000 * dt.max():.0f} ms "
                    f"(frames usually {1000 * float(np.median(dt)):.0f} ms apart); times come from the "
                    "file, but contacts during a gap are less precise — film in good light, where "
                    "phones keep a steady frame rate",
                )
            )
    if info.truncated or run.bad_packets or run.read_error:
        out.append(
            (
                "video_damaged",
                f"the video is damaged or cut off ({run.bad_packets} unreadable packets"
                f"{', the end is missing' if info.truncated or run.read_error else ''}); "
                f"used the {run.frames_decoded} frames that decoded",
            )
        )
    bad_seams = [m for m in run.seam_mismatch if np.isfinite(m) and m > _SEAM_MISMATCH]
    if bad_seams:
        out.append(
            (
                "seam_mismatch",
                "the parallel chunks followed different people at a seam; keypoints near it may "
                "belong to someone else",
            )
        )
    return out
