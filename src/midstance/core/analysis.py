"""The gait core's entry point: keypoints in, result out. Pure: no files, no video, no web.

Steps: clean → body frame (orientation) → leg length and scale → contacts (IC/TO) → stances →
midstance → metrics → summary → findings."""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from midstance.core import frontal as fr
from midstance.core.catalog import METRIC_NAMES
from midstance.core.clean import CleanedPoint, Cleaner
from midstance.core.events import ClearanceContactDetector, Contact, FootSignal, Side
from midstance.core.filters import fill_gaps, finite_rows, interp_at, lowpass, nanmean_of
from midstance.core.findings import make_findings
from midstance.core.orient import BodyFrameSeries, detect_setting, detect_view, frontal_body, to_body_frame
from midstance.core.result import Result, Runner, Source, Stance, Warning_
from midstance.core.series import CONTRACT_POINTS, ImageKeypoints, Keypoints, WorldKeypoints
from midstance.core.stance import (
    classify_strike,
    find_midstance,
    foot_pitch_deg,
    knee_flexion_deg,
    offset_at,
    tibia_angle_deg,
    trunk_lean_deg,
)
from midstance.core.summary import summarise
from midstance.core.swaps import repair_swaps
from midstance.core.video_events import HeightContactDetector, StrideContactDetector, glitch_frames
from midstance.errors import AnalysisError, InputError
from midstance.settings import AnalysisSettings

log = logging.getLogger(__name__)

#: Winter (2009) segment proportions: thigh 0.245 H + shank 0.246 H
LEG_FRACTION_OF_HEIGHT = 0.491
DENSE_RATE_HZ = 80.0
FRONTAL_CUTOFF_HZ = 4.0
MAX_PLAUSIBLE_TWIST_DEG = 25.0
SIDES: tuple[Literal["left", "right"], ...] = ("left", "right")
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Prepared:
    """Cleaned body-frame data shared by the stages."""

    t: np.ndarray
    body: BodyFrameSeries
    clean: dict[str, CleanedPoint]
    rate_hz: float
    units: str
    leg_units: float  # leg length in the data's units
    m_per_unit: float | None  # metres per unit when a scale is known
    cutoff_hz: float
    mid_hip: np.ndarray  # (n, 2) smoothed mean of both hips, body frame
    mid_shoulder: np.ndarray | None
    #: side: X forward, Y up. rear/front (image only): X lateral (runner's right), Y up
    view: Literal["side", "rear", "front"] = "side"
    #: decoded-frame times when keypoints exist for some frames only (see SourceInfo)
    frame_times_s: tuple[float, ...] = ()
    #: image data, per side: frames where the foot was in the picture and found by the pose model
    #: (a frame where the model jumped to the other leg still counts: the foot was in view)
    foot_seen: dict[Side, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Traces:
    """Time series behind a result, for plots, key frames and overlays (not part of the JSON).

    ``points`` are the cleaned, low-passed contract points in the input's own frame: image pixels
    (x right, y down) for video/image keypoints, body-frame metres (X forward, Y up) otherwise."""

    time_s: np.ndarray
    frame: Literal["image", "body"]
    points: dict[str, np.ndarray]
    knee_flexion_deg: dict[str, np.ndarray]
    mid_hip_height: np.ndarray
    clearance: dict[str, np.ndarray]
    units: str
    leg_length_units: float


def _require(kp: Keypoints) -> None:
    needed = ["left_hip", "right_hip", "left_ankle", "right_ankle"]
    missing = [n for n in needed if not kp.has(n)]
    if missing:
        raise InputError(
            f"the input has no usable {', '.join(missing)} points; hips and ankles of both legs are needed "
            "(for motion capture pass --markers MAPPING.json naming them)"
        )
    if kp.n_frames < 3:
        raise AnalysisError(f"only {kp.n_frames} frames: too short to hold a stride; record at least 3 s")


def _foot_names(pts: dict[str, np.ndarray], side: str) -> list[str]:
    extra = sorted(k for k in pts if k.startswith(f"{side}_foot_"))
    if extra:
        return extra
    return [n for n in (f"{side}_heel", f"{side}_toe") if n in pts] or [f"{side}_ankle"]


def _leg_length(clean: dict[str, CleanedPoint], body: BodyFrameSeries) -> tuple[float, dict[str, float]]:
    per_side: dict[str, float] = {}
    for side in SIDES:
        h, a = clean[f"{side}_hip"].smooth, clean[f"{side}_ankle"].smooth
        d = h - a
        if not body.is_3d:
            d = d[:, :2]
        dist = np.linalg.norm(d, axis=1)
        dist = dist[np.isfinite(dist)]
        if dist.size:
            per_side[side] = float(np.percentile(dist, 95))
    if not per_side:
        raise AnalysisError("hips and ankles are never seen together: leg length unknown")
    return float(np.mean(list(per_side.values()))), per_side


def prepare(kp: Keypoints, settings: AnalysisSettings) -> tuple[Prepared, list[Warning_], dict[str, str]]:
    _require(kp)
    warnings: list[Warning_] = [Warning_(c, m) for c, m in kp.import_warnings]
    notes: dict[str, str] = dict(kp.meta)
    t = np.asarray(kp.time_s, dtype=float)
    if not np.all(np.diff(t) > 0):
        raise InputError("timestamps are not strictly increasing; fix the time column (or pass --fps)")
    view: Literal["side", "rear", "front"] = "side"
    if isinstance(kp, ImageKeypoints):
        guess = detect_view(kp)
        view = guess.view
        notes["view_evidence"] = (
            f"hip separation {guess.hip_separation:.2f} leg, foot swing {guess.foot_swing:.2f} "
            f"leg, face confidence {guess.face_confidence:.2f}, feet in the other order "
            f"{guess.feet_cross:.0%} of frames"
        )
        if view == "front":
            warnings.append(
                Warning_(
                    "front_view",
                    "the camera films the runner from the front: the hip–ankle "
                    "offset needs a side view; film from the side at hip height (and from "
                    "behind for the pelvis)",
                )
            )
        elif guess.oblique:
            warnings.append(
                Warning_(
                    "oblique_camera",
                    "the camera is not square to the running direction "
                    f"(hip separation {guess.hip_separation:.2f} of leg length): distances "
                    "along the run are foreshortened; film from exactly side-on, 3–5 m away",
                )
            )
    if isinstance(kp, ImageKeypoints) and view != "side":
        kp = _without_feet_outside_picture(kp, notes)
        body = frontal_body(kp, view)
    elif isinstance(kp, ImageKeypoints) and all(f"{s}_ankle" in kp.points for s in SIDES):
        # side view: put the near/far legs right before anything else looks at them
        facing = to_body_frame(kp).facing or "left"
        kp, swaps = repair_swaps(kp, facing)
        notes["leg_label_swaps_repaired"] = str(swaps.swapped_frames)
        if swaps.swapped_frames:
            warnings.append(
                Warning_(
                    "legs_relabelled",
                    f"the pose model confused the near and far leg in {swaps.swapped_frames} frames "
                    f"({len(swaps.runs)} stretches); they were relabelled from the legs' continuity",
                )
            )
        # after the relabelling, which needs the model's guesses at the edge for the legs' continuity
        kp = _without_feet_outside_picture(kp, notes)
        body = to_body_frame(kp, facing)
    else:
        body = to_body_frame(kp)
    notes.update(body.notes)
    rate = 1.0 / float(np.median(np.diff(t)))
    is_image = isinstance(kp, ImageKeypoints)
    cleaner = Cleaner(
        cutoff_hz=min(settings.kinematics_cutoff_hz, 0.4 * rate),
        max_gap_s=settings.max_gap_s,
        min_confidence=0.3 if is_image else 0.0,
        despike_sigma=6.0 if is_image else None,
    )
    points = dict(body.points)
    foot_seen: dict[Side, np.ndarray] = {}
    if is_image:
        for side in SIDES:
            feet = [points[f"{side}_{p}"] for p in FOOT_PARTS if f"{side}_{p}" in points]
            if feet:
                foot_seen[side] = np.logical_or.reduce([finite_rows(f[:, :2]) for f in feet])
    if is_image and view == "side":
        points, glitches = _drop_leg_glitches(points, t, body.confidence)
        notes["leg_glitch_frames_removed"] = str(glitches)
    # pelvis landmarks and extra foot markers are not low-passed here (only used raw or in 3D)
    kinematic = {n for n in points if "_foot_" not in n and not n.endswith(("_asis", "_psis"))}
    clean = cleaner.clean_all(points, t, body.confidence, smooth=kinematic)
    notes["kinematics_cutoff_hz"] = f"{cleaner.cutoff_hz:g}"
    leg, _per_side = _leg_length(clean, body)
    m_per_unit: float | None = None
    if body.units == "m":
        m_per_unit = 1.0
    elif settings.height_cm:
        m_per_unit = LEG_FRACTION_OF_HEIGHT * settings.height_cm / 100.0 / leg
    else:
        warnings.append(
            Warning_(
                "no_scale",
                "no --height-cm given: distances are reported in % of leg length "
                "only; pass your height for centimetres",
            )
        )
    mid_hip = 0.5 * (clean["left_hip"].smooth[:, :2] + clean["right_hip"].smooth[:, :2])
    mid_sh = (
        0.5 * (clean["left_shoulder"].smooth[:, :2] + clean["right_shoulder"].smooth[:, :2])
        if "left_shoulder" in clean and "right_shoulder" in clean
        else None
    )
    prep = Prepared(
        t,
        body,
        clean,
        rate,
        body.units,
        leg,
        m_per_unit,
        cleaner.cutoff_hz,
        mid_hip,
        mid_sh,
        view,
        foot_seen=foot_seen,
    )
    return prep, warnings, notes


LEG_PARTS = ("knee", "ankle", "heel", "toe")
FOOT_PARTS = ("ankle", "heel", "toe")


def _without_feet_outside_picture(kp: ImageKeypoints, notes: dict[str, str]) -> ImageKeypoints:
    kp, cut = _drop_feet_outside_picture(kp)
    if cut:
        notes["foot_frames_outside_picture"] = str(cut)
    return kp


def _drop_feet_outside_picture(kp: ImageKeypoints) -> tuple[ImageKeypoints, int]:
    """A foot cut by the picture's edge is not measured: in frames where any of a foot's points lies
    outside the picture, that foot's points are removed (a pose model guesses them there, and the
    guesses have produced contacts that never happened)."""
    if not kp.width_px or not kp.height_px:
        return kp, 0
    points = dict(kp.points)
    total = 0
    for side in SIDES:
        names = [f"{side}_{p}" for p in FOOT_PARTS if f"{side}_{p}" in points]
        if not names:
            continue
        out = np.zeros(len(kp.time_s), dtype=bool)
        for n in names:
            x, y = points[n][:, 0], points[n][:, 1]
            with np.errstate(invalid="ignore"):
                out |= (x < 0) | (x > kp.width_px) | (y < 0) | (y > kp.height_px)
        if out.any():
            total += int(out.sum())
            for n in names:
                a = points[n].copy()
                a[out] = np.nan
                points[n] = a
    return (replace(kp, points=points), total) if total else (kp, 0)


def _drop_leg_glitches(
    points: dict[str, np.ndarray], t: np.ndarray, conf: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], int]:
    """Image keypoints: frames where a foot leaves its smooth fore–aft course relative to the hip
    (the pose model jumping to the other leg) lose that leg's points; they are filled later."""
    if not all(f"{s}_hip" in points for s in SIDES):
        return points, 0
    hip_x = 0.5 * (points["left_hip"][:, 0] + points["right_hip"][:, 0])
    dist = [
        np.linalg.norm(points[f"{s}_hip"][:, :2] - points[f"{s}_ankle"][:, :2], axis=1)
        for s in SIDES
        if f"{s}_ankle" in points
    ]
    leg = float(np.nanpercentile(np.concatenate(dist), 95)) if dist else float("nan")
    out = dict(points)
    total = 0
    for side in SIDES:
        feet = [points[f"{side}_{p}"][:, 0] for p in ("ankle", "heel", "toe") if f"{side}_{p}" in points]
        if not feet or not np.isfinite(leg):
            continue
        rel = nanmean_of(*feet) - hip_x
        bad = glitch_frames(rel, t, leg)
        total += int(bad.sum())
        for part in LEG_PARTS:
            name = f"{side}_{part}"
            if name in out and bad.any():
                a = out[name].copy()
                a[bad] = np.nan
                out[name] = a
    return out, total


def detect_contacts(
    prep: Prepared, notes: dict[str, str] | None = None
) -> tuple[list[Contact], int, dict[str, np.ndarray]]:
    if prep.units == "m":
        feet: dict = {}
        for side in SIDES:
            names = _foot_names(prep.clean, side)  # type: ignore[arg-type]
            feet[side] = FootSignal({n.split("_", 1)[1]: prep.clean[n].raw[:, :2] for n in names})
        det = ClearanceContactDetector(
            ic_level=0.004, to_level=0.013, cutoff_hz=30.0 if prep.rate_hz > 75 else None
        ).detect(prep.t, feet)
        return det.contacts_, det.incomplete_, det.clearance_
    if prep.view != "side":
        heights = {}
        for side in SIDES:
            parts = [p for p in ("heel", "toe") if f"{side}_{p}" in prep.clean] or ["ankle"]
            heights[side] = {p: prep.clean[f"{side}_{p}"].raw[:, 1] for p in parts}
        hdet = HeightContactDetector(leg_length=prep.leg_units).detect(prep.t, heights)
        return hdet.contacts_, 0, hdet.clearance_
    # image data (video, pose keypoints): stride-anchored detection, robust to pose glitches
    fore_aft, feet, points = {}, {}, {}
    for side in SIDES:
        parts = [p for p in ("heel", "toe") if f"{side}_{p}" in prep.clean] or ["ankle"]
        xs = [
            prep.clean[f"{side}_{p}"].raw[:, 0]
            for p in dict.fromkeys((*parts, "ankle"))
            if f"{side}_{p}" in prep.clean
        ]
        fore_aft[side] = nanmean_of(*xs) - prep.mid_hip[:, 0]
        points[side] = [x - prep.mid_hip[:, 0] for x in xs]
        feet[side] = {p: prep.clean[f"{side}_{p}"].raw[:, :2] for p in parts}
    seen = prep.foot_seen or None
    vdet = StrideContactDetector(leg_length=prep.leg_units).detect(prep.t, fore_aft, feet, seen, points)
    if vdet.landing_delay_from_ and notes is not None:
        notes["landing_delay_ms"] = (
            f"{1000 * vdet.landing_delay_s_:.1f} (from the {vdet.landing_delay_from_})"
        )
    return vdet.contacts_, 0, vdet.clearance_


def _sample(arr: np.ndarray, t: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``arr`` (n, d) linearly interpolated at many ``times`` → (k, d)."""
    return np.column_stack([np.interp(times, t, arr[:, j]) for j in range(arr.shape[1])])


def _to_output_frame(prep: Prepared, xy: np.ndarray) -> np.ndarray:
    """Body-frame (X forward, Y up) → the input's frame: image pixels for image data."""
    if prep.units != "px":
        return xy
    facing_right = prep.view == "rear" if prep.view != "side" else prep.body.facing == "right"
    sx = 1.0 if facing_right else -1.0
    out = np.empty_like(xy)
    out[..., 0] = sx * xy[..., 0]
    out[..., 1] = -xy[..., 1]
    return out


def _key_points(prep: Prepared, side: str, times: np.ndarray) -> list[dict[str, tuple[float, float]]]:
    """Positions of the drawing points at each of ``times`` in the input's frame."""
    t = prep.t
    series = {"mid_hip": prep.mid_hip}
    if prep.mid_shoulder is not None:
        series["mid_shoulder"] = prep.mid_shoulder
    for part in ("hip", "knee", "ankle", "heel", "toe"):
        if f"{side}_{part}" in prep.clean:
            series[part] = prep.clean[f"{side}_{part}"].smooth[:, :2]
    sampled = {k: _to_output_frame(prep, _sample(v, t, times)) for k, v in series.items()}
    finite = {k: finite_rows(v).tolist() for k, v in sampled.items()}
    as_list = {k: v.tolist() for k, v in sampled.items()}
    return [{k: (v[i][0], v[i][1]) for k, v in as_list.items() if finite[k][i]} for i in range(len(times))]


def _nearest_frames(t: np.ndarray, times: np.ndarray) -> np.ndarray:
    i = np.clip(np.searchsorted(t, times), 1, len(t) - 1)
    return np.where(t[i] - times < times - t[i - 1], i, i - 1)


def measure_stances(prep: Prepared, contacts: list[Contact]) -> list[Stance]:
    """Every metric of every stance; vectorised over stances (a 60 s trial has ~170)."""
    t = prep.t
    n = len(contacts)
    if n == 0:
        return []
    dense = prep.rate_hz >= DENSE_RATE_HZ
    leg = prep.leg_units
    scale = prep.m_per_unit
    mid_hip = prep.mid_hip
    mid_sh = prep.mid_shoulder
    ic = np.array([c.ic_s for c in contacts])
    to = np.array([c.to_s for c in contacts])
    side_of = [c.side for c in contacts]

    # noise left in the smoothed mid-hip height (raw minus smooth, reduced to the band the low-pass
    # keeps): it sets the midstance timing uncertainty
    raw_hip_y = 0.5 * (prep.clean["left_hip"].raw[:, 1] + prep.clean["right_hip"].raw[:, 1])
    resid = raw_hip_y - mid_hip[:, 1]
    band = min(1.0, prep.cutoff_hz / (0.5 * prep.rate_hz))
    hip_noise = float(np.nanstd(resid) * math.sqrt(band)) if np.isfinite(resid).any() else 0.0
    mids = [find_midstance(t, mid_hip[:, 1], c.ic_s, c.to_s, hip_noise) for c in contacts]
    ms = np.array([m.t_s for m in mids])
    ms_sd = np.array([m.sd_s for m in mids])

    cols: dict[str, np.ndarray] = {name: np.full(n, np.nan) for name in METRIC_NAMES}
    strikes: list[str | None] = [None] * n
    hip_ms, hip_ic = _sample(mid_hip, t, ms), _sample(mid_hip, t, ic)
    # sagittal measures need a side view (or 3D); a rear or front view gives frontal ones instead
    sagittal_sides = SIDES if prep.view == "side" else ()
    for side in sagittal_sides:
        idx = np.array([i for i in range(n) if side_of[i] == side], dtype=int)
        if idx.size == 0:
            continue
        ank = prep.clean[f"{side}_ankle"].smooth[:, :2]
        offset = mid_hip[:, 0] - ank[:, 0]
        if dense:
            off = np.interp(ms[idx], t, offset)
            off_se = np.zeros(idx.size)
        else:
            pairs = [offset_at(t, offset, ms[i], ic[i], to[i], dense) for i in idx]
            off = np.array([p[0] for p in pairs])
            off_se = np.nan_to_num(np.array([p[1] for p in pairs]))
        slope = np.interp(ms[idx], t, np.gradient(offset, t))
        sd = np.hypot(slope * ms_sd[idx], off_se)  # timing uncertainty × rate of change, and fit noise
        cols["hip_ankle_offset_pct_leg"][idx] = 100 * off / leg
        cols["hip_ankle_offset_sd_pct_leg"][idx] = 100 * sd / leg
        ank_ic, ank_ms = _sample(ank, t, ic[idx]), _sample(ank, t, ms[idx])
        over = ank_ic[:, 0] - hip_ic[idx, 0]
        cols["overstride_pct_leg"][idx] = 100 * over / leg
        if scale:
            cols["hip_ankle_offset_m"][idx] = off * scale
            cols["hip_ankle_offset_sd_m"][idx] = sd * scale
            cols["overstride_m"][idx] = over * scale
        if f"{side}_knee" in prep.clean:
            hip_s = prep.clean[f"{side}_hip"].smooth[:, :2]
            knee = prep.clean[f"{side}_knee"].smooth[:, :2]
            knee_ic = _sample(knee, t, ic[idx])
            cols["knee_flexion_midstance_deg"][idx] = knee_flexion_deg(
                _sample(hip_s, t, ms[idx]), _sample(knee, t, ms[idx]), ank_ms
            )
            cols["knee_flexion_ic_deg"][idx] = knee_flexion_deg(_sample(hip_s, t, ic[idx]), knee_ic, ank_ic)
            cols["tibia_angle_ic_deg"][idx] = tibia_angle_deg(knee_ic, ank_ic)
        pitch = _pitch(prep, side)
        if pitch is not None:
            for i in idx:
                fa = _foot_angle_ic(prep, side, pitch, contacts[i])
                if math.isfinite(fa):
                    cols["foot_angle_ic_deg"][i] = fa
                    strikes[i] = classify_strike(fa)
    if mid_sh is not None and prep.view == "side":
        cols["trunk_lean_deg"] = trunk_lean_deg(hip_ms, _sample(mid_sh, t, ms))
    _frontal_columns(prep, side_of, ic, ms, cols)
    cols["contact_time_s"] = to - ic
    cols["midstance_frac"] = (ms - ic) / (to - ic)
    # a step ends at the other foot's next contact, when that is the very next contact seen
    for i in range(n - 1):
        if side_of[i + 1] == side_of[i] or ic[i + 1] - ic[i] >= 2.0:
            continue
        cols["step_time_s"][i] = ic[i + 1] - ic[i]
        cols["flight_time_s"][i] = max(0.0, ic[i + 1] - to[i])
        j0, j1 = int(np.searchsorted(t, ic[i])), int(np.searchsorted(t, ic[i + 1], side="right"))
        seg = mid_hip[j0:j1, 1]
        if j1 - j0 >= 2 and np.isfinite(seg).any():
            osc = float(np.nanmax(seg) - np.nanmin(seg))
            cols["vertical_oscillation_pct_leg"][i] = 100 * osc / leg
            if scale:
                cols["vertical_oscillation_m"][i] = osc * scale
    quality = _quality(prep, contacts)
    key: list[dict[str, dict[str, tuple[float, float]]]] = [{} for _ in range(n)]
    for side in SIDES:
        sel = [i for i in range(n) if side_of[i] == side]
        if sel:
            at_ic = _key_points(prep, side, ic[sel])
            at_ms = _key_points(prep, side, ms[sel])
            for j, i in enumerate(sel):
                key[i] = {"ic": at_ic[j], "midstance": at_ms[j]}
    frame_t = np.asarray(prep.frame_times_s) if len(prep.frame_times_s) >= 2 else t
    f_ic, f_to, f_ms = (_nearest_frames(frame_t, x) for x in (ic, to, ms))
    names = [k for k, v in cols.items() if np.isfinite(v).any()]
    return [
        Stance(
            side=side_of[i],
            ic_s=float(ic[i]),
            to_s=float(to[i]),
            midstance_s=float(ms[i]),
            ic_frame=int(f_ic[i]),
            to_frame=int(f_to[i]),
            midstance_frame=int(f_ms[i]),
            metrics={k: float(cols[k][i]) for k in names},
            foot_strike=strikes[i],  # type: ignore[arg-type]
            quality=float(quality[i]),
            points=key[i],
        )
        for i in range(n)
    ]


def _frontal_points(prep: Prepared) -> dict[str, np.ndarray] | None:
    """(lateral, up) trajectories: the image plane of a rear/front view, or the body frame's Z/Y of 3D
    data; None for a side view (no frontal plane to see)."""
    if prep.view != "side":
        return {n: c.smooth[:, :2] for n, c in prep.clean.items()}
    if prep.body.is_3d:
        return {n: c.smooth[:, [2, 1]] for n, c in prep.clean.items()}
    return None


def _frontal_columns(
    prep: Prepared, side_of: list[Side], ic: np.ndarray, ms: np.ndarray, cols: dict[str, np.ndarray]
) -> None:
    """Pelvic drop, pelvis side-bend and twist ranges, trunk side-bend, knee FPPA, step width
    (DESIGN.md §1) where the view allows; a side view only gets the pelvis twist estimate."""
    t = prep.t
    n = len(side_of)
    # the stride from this stance's IC to the same foot's next IC (None for the last of each side)
    stride_end = [next((ic[j] for j in range(i + 1, n) if side_of[j] == side_of[i]), None) for i in range(n)]
    leg = prep.leg_units
    fp = _frontal_points(prep)
    if fp is None:
        # side view: twist estimated from the hips' apparent separation (an estimate, see frontal.py)
        if prep.units == "px":
            # signed separation along the run: a pose model's constant offset between its hip points
            # cancels in the range
            sep = prep.clean["right_hip"].smooth[:, 0] - prep.clean["left_hip"].smooth[:, 0]
            rot = fr.rotation_from_separation_deg(sep, fr.HIP_WIDTH_FRACTION_OF_LEG * leg)
            for i in range(n):
                end_i = stride_end[i]
                if end_i is not None:
                    cols["pelvis_rotation_rom_deg"][i] = fr.range_over(rot, t, ic[i], end_i)
            # running pelvis twist stays below ~15° (references 9.7–13.6°): far larger estimates are
            # the pose model's hip points jittering, not the pelvis — no number rather than a wrong one
            med = (
                np.nanmedian(cols["pelvis_rotation_rom_deg"])
                if np.isfinite(cols["pelvis_rotation_rom_deg"]).any()
                else np.nan
            )
            if np.isfinite(med) and med > MAX_PLAUSIBLE_TWIST_DEG:
                cols["pelvis_rotation_rom_deg"][:] = np.nan
        return
    lh, rh = fp["left_hip"], fp["right_hip"]
    # angles of short lines (hip width ≈ 0.2 leg) amplify point noise: ranges are read from angle
    # series low-passed at 4 Hz (the pelvis moves at the step and stride rates, 1–3 Hz)
    cut = min(FRONTAL_CUTOFF_HZ, 0.4 * prep.rate_hz)

    def smooth_all(series: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Gap-fill and low-pass several angle series in one filter call."""
        names = list(series)
        stacked = fill_gaps(np.column_stack([series[k] for k in names]), t=t)
        if np.isfinite(stacked).all():
            stacked = lowpass(stacked, prep.rate_hz, cut, t=t)
        return {k: stacked[:, j] for j, k in enumerate(names)}

    mid_hip = 0.5 * (lh + rh)
    mid_sh = (
        0.5 * (fp["left_shoulder"] + fp["right_shoulder"])
        if "left_shoulder" in fp and "right_shoulder" in fp
        else None
    )
    raw: dict[str, np.ndarray] = {}
    if prep.body.is_3d and all(f"{s}_{p}" in prep.clean for s in SIDES for p in ("asis", "psis")):
        raw.update(
            fr.pelvis_angles_3d(*(prep.clean[f"{s}_{p}"].raw for p in ("asis", "psis") for s in SIDES))
        )
        twist_factor = 1.0
    elif prep.body.is_3d:
        d = prep.clean["right_hip"].smooth - prep.clean["left_hip"].smooth
        raw["rotation"] = np.degrees(np.arctan2(d[:, 0], d[:, 2]))
        raw["obliquity"] = fr.line_angle_deg(lh, rh)
        twist_factor = 1.0
    else:
        raw["width"] = np.abs(rh[:, 0] - lh[:, 0])
        raw["obliquity"] = fr.line_angle_deg(lh, rh)
        twist_factor = 2.0  # the width gives |θ|: a twist through neutral spans twice its range
    if "left_shoulder" in fp and "right_shoulder" in fp:
        if prep.body.is_3d:
            d = prep.clean["right_shoulder"].smooth - prep.clean["left_shoulder"].smooth
            raw["shoulders"] = np.degrees(np.arctan2(d[:, 0], d[:, 2]))
        else:
            raw["shoulder_width"] = np.abs(fp["right_shoulder"][:, 0] - fp["left_shoulder"][:, 0])
    sm = smooth_all(raw)
    obliquity = sm["obliquity"]
    tilt = sm.get("tilt")
    if "width" in sm:
        rotation = fr.rotation_from_width_deg(sm["width"], float(np.nanpercentile(sm["width"], 98)))
    else:
        rotation = sm["rotation"]
    sh_rot = None
    if "shoulders" in sm:
        sh_rot = sm["shoulders"]
    elif "shoulder_width" in sm:
        w = sm["shoulder_width"]
        sh_rot = fr.rotation_from_width_deg(w, float(np.nanpercentile(w, 98)))
    scale = prep.m_per_unit
    at = {name: _sample(fp[name], t, ms) for name in fp if name.endswith(("_hip", "_knee", "_ankle"))}
    mh_ms = _sample(mid_hip, t, ms)
    msh_ms = _sample(mid_sh, t, ms) if mid_sh is not None else None
    last_ankle: dict[str, np.ndarray] = {}
    for i in range(n):
        side = side_of[i]
        other: Side = "left" if side == "right" else "right"
        hs = at[f"{side}_hip"][i]
        cols["pelvic_drop_deg"][i] = fr.pelvic_drop_deg(hs, at[f"{other}_hip"][i])
        if msh_ms is not None:
            cols["trunk_side_bend_deg"][i] = fr.trunk_side_bend_deg(mh_ms[i], msh_ms[i], side)
        ank = at[f"{side}_ankle"][i]
        if f"{side}_knee" in at:
            cols["knee_fppa_deg"][i] = fr.knee_fppa_deg(hs, at[f"{side}_knee"][i], ank, side)
        if other in last_ankle and scale:
            right, left = (ank, last_ankle[other]) if side == "right" else (last_ankle[other], ank)
            cols["step_width_m"][i] = (right[0] - left[0]) * scale
        last_ankle[side] = ank
    ranges = [
        (obliquity, "pelvis_obliquity_rom_deg", 1.0),
        (rotation, "pelvis_rotation_rom_deg", twist_factor),
    ]
    if tilt is not None:
        ranges.append((tilt, "pelvis_tilt_rom_deg", 1.0))
    if sh_rot is not None:
        ranges.append((sh_rot, "shoulder_rotation_rom_deg", twist_factor))
    # per side the strides tile the time axis ([IC_k, IC_k+1) of the same foot), so each range is
    # one reduceat over the side's stride starts
    for side in SIDES:
        idx = [i for i in range(n) if side_of[i] == side and stride_end[i] is not None]
        if not idx:
            continue
        starts = np.searchsorted(t, ic[idx])
        stops = np.searchsorted(t, np.array([stride_end[i] for i in idx], dtype=float))
        ok = stops - starts >= 3
        bounds = np.concatenate([starts, stops[-1:]])
        for series, name, factor in ranges:
            seg_max = np.maximum.reduceat(series, bounds)[:-1]
            seg_min = np.minimum.reduceat(series, bounds)[:-1]
            vals = np.where(ok, factor * (seg_max - seg_min), np.nan)
            cols[name][np.array(idx)] = vals
    if not prep.body.is_3d:
        for name in ("pelvis_rotation_rom_deg", "shoulder_rotation_rom_deg"):
            v = cols[name]
            if np.isfinite(v).any() and np.nanmedian(v) > MAX_PLAUSIBLE_TWIST_DEG:
                v[:] = np.nan  # estimates beyond any running reference: jitter, not twist


def _pitch(prep: Prepared, side: str) -> np.ndarray | None:
    """Foot pitch (heel→toe against the horizontal, degrees, + = toes up) over the trial."""
    if f"{side}_heel" not in prep.clean or f"{side}_toe" not in prep.clean:
        return None
    d = prep.clean[f"{side}_toe"].smooth[:, :2] - prep.clean[f"{side}_heel"].smooth[:, :2]
    return np.degrees(np.arctan2(d[:, 1], d[:, 0]))


def _foot_angle_ic(prep: Prepared, side: str, pitch: np.ndarray, c: Contact) -> float:
    """Foot angle at IC relative to the foot flat on the ground (Altman & Davis 2012 use the
    standing trial). Reference: the standing pose when the input has one (motion-capture static
    trial), else the flattest moment of mid-stance (the largest pitch between 30 % and 60 % of the
    stance: a rearfoot striker's foot is flat by then, a forefoot striker's heel lowest)."""
    t = prep.t
    st = prep.body.standing
    if f"{side}_heel" in st and f"{side}_toe" in st:
        ref = float(foot_pitch_deg(st[f"{side}_heel"][:2], st[f"{side}_toe"][:2]))
    else:
        i0 = int(np.searchsorted(t, c.ic_s + 0.3 * c.contact_time_s))
        i1 = int(np.searchsorted(t, c.ic_s + 0.6 * c.contact_time_s, side="right"))
        vals = np.sort(pitch[i0:i1][np.isfinite(pitch[i0:i1])])
        ref = float(vals[int(0.9 * (vals.size - 1))]) if vals.size else float("nan")  # 90th percentile
    return float(interp_at(pitch, t, c.ic_s)) - ref


def _quality(prep: Prepared, contacts: list[Contact]) -> np.ndarray:
    """Per stance, 0..1: share of observed (not gap-filled) samples of its key points from 50 ms
    before IC to 50 ms after TO, times their mean confidence (1 for motion capture)."""
    t = prep.t
    i0 = np.searchsorted(t, np.array([c.ic_s - 0.05 for c in contacts]))
    i1 = np.searchsorted(t, np.array([c.to_s + 0.05 for c in contacts]), side="right")
    span = np.maximum(i1 - i0, 1)
    out = np.zeros(len(contacts))
    sides = np.array([c.side for c in contacts])

    def share(values: np.ndarray) -> np.ndarray:
        cum = np.concatenate(([0.0], np.cumsum(values)))
        return (cum[i1] - cum[i0]) / span

    for side in SIDES:
        names = [
            n
            for n in ("left_hip", "right_hip", f"{side}_knee", f"{side}_ankle", f"{side}_heel", f"{side}_toe")
            if n in prep.clean
        ]
        obs = np.mean([share(prep.clean[n].observed) for n in names], axis=0)
        confs = [
            share(np.nan_to_num(prep.body.confidence[n], nan=0.0)) for n in names if n in prep.body.confidence
        ]
        conf = np.mean(confs, axis=0) if confs else 1.0
        mine = sides == side
        out[mine] = np.clip(obs * conf, 0.0, 1.0)[mine]
    return out


def _infer_hidden_contacts(prep: Prepared, contacts: list[Contact]) -> tuple[list[Contact], set[int]]:
    """Side view: where the near foot lands twice with no far-foot contact between (the far foot was
    hidden behind the near leg or the treadmill), place the far foot's contact half-way between,
    lasting the far foot's median contact time. Returns the contacts and the indices inferred."""
    near: Side = "left" if prep.body.facing == "left" else "right"
    far: Side = "right" if near == "left" else "left"
    near_ic = [c.ic_s for c in contacts if c.side == near]
    if len(near_ic) < 3:
        return contacts, set()
    stride = float(np.median(np.diff(near_ic)))
    far_ct = [c.contact_time_s for c in contacts if c.side == far]
    ct = float(np.median(far_ct)) if far_ct else float(np.median([c.contact_time_s for c in contacts]))
    out = list(contacts)
    added: list[Contact] = []
    for a, b in itertools.pairwise([c for c in contacts if c.side == near]):
        if not 0.8 * stride <= b.ic_s - a.ic_s <= 1.25 * stride:
            continue
        if any(c.side == far and a.ic_s < c.ic_s < b.ic_s for c in contacts):
            continue
        ic = 0.5 * (a.ic_s + b.ic_s)
        if ic + ct < prep.t[-1]:
            added.append(Contact(far, ic, ic + ct))
    out += added
    out.sort(key=lambda c: c.ic_s)
    keys = {(c.side, c.ic_s) for c in added}
    return out, {i for i, c in enumerate(out) if (c.side, c.ic_s) in keys}


def _mark_inferred(prep: Prepared, stances: list[Stance], inferred: set[int]) -> list[Stance]:
    """Inferred stances keep their timing; their position measures (read from a foot the camera did
    not see) are dropped and their quality is the share of the clip they were inferred from."""
    from dataclasses import replace as _replace

    timing = {
        "contact_time_s",
        "flight_time_s",
        "step_time_s",
        "midstance_frac",
        "vertical_oscillation_m",
        "vertical_oscillation_pct_leg",
    }
    out = []
    for i, st in enumerate(stances):
        if i in inferred:
            st = _replace(
                st,
                metrics={k: v for k, v in st.metrics.items() if k in timing},
                foot_strike=None,
                quality=min(st.quality, 0.2),
            )
        out.append(st)
    return out


def _check_sequence(stances: list[Stance]) -> list[Warning_]:
    warnings = []
    repeats = sum(a.side == b.side for a, b in itertools.pairwise(stances))
    if repeats:
        warnings.append(
            Warning_(
                "not_alternating",
                f"{repeats} times two stances of the same foot follow each "
                "other: a contact of the other foot was missed (occlusion or gap)",
            )
        )
    return warnings


def analyze(
    kp: Keypoints, settings: AnalysisSettings | None = None, progress: Progress | None = None
) -> Result:
    """Analyse one trial: keypoints in, :class:`Result` out."""
    return analyze_with_traces(kp, settings, progress)[0]


def traces_of(prep: Prepared, clearance: dict[str, np.ndarray]) -> Traces:
    pts = {n: _to_output_frame(prep, c.smooth[:, :2]) for n, c in prep.clean.items() if n in CONTRACT_POINTS}
    knee: dict[str, np.ndarray] = {}
    for side in SIDES:
        if f"{side}_knee" in prep.clean:
            knee[side] = knee_flexion_deg(
                prep.clean[f"{side}_hip"].smooth[:, :2],
                prep.clean[f"{side}_knee"].smooth[:, :2],
                prep.clean[f"{side}_ankle"].smooth[:, :2],
            )
    return Traces(
        time_s=prep.t,
        frame="image" if prep.units == "px" else "body",
        points=pts,
        knee_flexion_deg=knee,
        mid_hip_height=prep.mid_hip[:, 1],
        clearance=clearance,
        units=prep.units,
        leg_length_units=prep.leg_units,
    )


def analyze_with_traces(
    kp: Keypoints, settings: AnalysisSettings | None = None, progress: Progress | None = None
) -> tuple[Result, Traces]:
    """:func:`analyze`, also returning the cleaned time series behind the result."""
    settings = settings or AnalysisSettings()
    say = progress or (lambda stage, frac: None)
    say("cleaning", 0.0)
    prep, warnings, notes = prepare(kp, settings)
    say("events", 0.4)
    contacts, incomplete, clearance = detect_contacts(prep, notes)
    if not contacts:
        raise AnalysisError(
            "no complete stance found: the feet are never seen landing and leaving the ground "
            "(standing still, a clip shorter than one stride, or feet out of view); record at least "
            "3 s of running with the feet visible"
        )
    say("metrics", 0.7)
    inferred: set[int] = set()
    if prep.units == "px" and prep.view == "side" and prep.body.facing is not None:
        contacts, inferred = _infer_hidden_contacts(prep, contacts)
    stances = measure_stances(prep, contacts)
    if inferred:
        stances = _mark_inferred(prep, stances, inferred)
        far = "right" if prep.body.facing == "left" else "left"
        warnings.append(
            Warning_(
                "far_leg_inferred",
                f"{len(inferred)} contacts of the {far} (far) foot were hidden and placed from the near foot's rhythm "
                "(half-way between its contacts); their timing is an estimate and their positions are left out",
            )
        )
    warnings += _check_sequence(stances)
    setting, speed = detect_setting(prep.body, prep.leg_units)
    if settings.setting != "auto":
        setting = settings.setting
    elif isinstance(kp, WorldKeypoints) and kp.setting_hint:
        setting = kp.setting_hint
    flights = [v for s in stances if (v := s.get("flight_time_s")) is not None]
    overlap = sum(1 for a, b in itertools.pairwise(stances) if a.side != b.side and b.ic_s < a.to_s)
    activity: Literal["running", "walking"] = "running"
    if stances and overlap >= max(1, len(stances) // 3):
        activity = "walking"
        warnings.append(
            Warning_(
                "walking",
                "the feet overlap on the ground (double support): this looks like "
                "walking, not running; running references and findings may not apply",
            )
        )
    n_left = sum(s.side == "left" for s in stances)
    n_right = sum(s.side == "right" for s in stances)
    if min(n_left, n_right) < 7:
        warnings.append(
            Warning_(
                "few_steps",
                f"{n_left} left and {n_right} right stances: fewer than 7 per side, "
                "so medians are not reliable; record a longer clip",
            )
        )
    if prep.units == "px" and prep.view != "side":
        warnings.append(
            Warning_(
                "frontal_events",
                f"seen from {'behind' if prep.view == 'rear' else 'the front'}, landing and toe-off are read "
                "late (by 20–100 ms against force plates: the foot's height in the picture mixes with its "
                "distance), so contact and flight times are rough; film from the side too and analyse "
                "the side clip with this one as --rear",
            )
        )
    if prep.rate_hz < 50:
        warnings.append(
            Warning_(
                "low_frame_rate",
                f"{prep.rate_hz:.0f} frames/s: contact times are limited to "
                f"±{500 / prep.rate_hz:.0f} ms; film at 60 fps or more for better timing",
            )
        )
    if incomplete:
        notes["contacts_skipped"] = str(incomplete)
    summary = summarise(stances)
    findings = make_findings(
        stances,
        summary,
        settings.slope_pct,
        prep.m_per_unit is not None,
        exact_twist=prep.body.is_3d,
        activity=activity,
    )
    if prep.view != "side" or (prep.units == "px" and summary.metrics.get("pelvis_rotation_rom_deg")):
        warnings.append(
            Warning_(
                "twist_estimated",
                "pelvis and shoulder twist from a single camera are rough estimates from the apparent widths "
                "(off by 10–30° in validation against motion capture); use them for trends only",
            )
        )
    src = kp.source
    leg_m = prep.leg_units * prep.m_per_unit if prep.m_per_unit else None
    runner = Runner(
        height_cm=settings.height_cm,
        view=prep.view,
        facing=prep.body.facing,
        setting=setting,
        leg_length_m=leg_m,
        leg_length_units=prep.leg_units,
        units=prep.units,
        activity=activity,
        slope_pct=settings.slope_pct,
    )
    notes["mean_speed_leg_per_s"] = f"{speed:.2f}"
    notes["flight_time_median_s"] = f"{np.median(flights):.3f}" if flights else "n/a"
    say("done", 1.0)
    result = Result(
        source=Source(
            path=src.path,
            kind=src.kind,
            fps=src.fps if src.fps else round(prep.rate_hz, 3),
            duration_s=src.duration_s if src.duration_s is not None else kp.duration_s,
            frame_count=src.frame_count or kp.n_frames,
            width_px=src.width_px,
            height_px=src.height_px,
            rotation_deg=src.rotation_deg,
        ),
        runner=runner,
        stances=tuple(stances),
        summary=summary,
        findings=findings,
        warnings=tuple(dict.fromkeys(warnings)),  # each once, in the order they arose
        analysis=notes,
    )
    return result, traces_of(prep, clearance)
