"""The gait core's entry point: keypoints in, result out. Pure: no files, no video, no web.

Steps: clean → body frame (orientation) → leg length and scale → contacts (IC/TO) → stances →
midstance → metrics → summary → findings."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from midstance.core.clean import CleanedPoint, Cleaner
from midstance.core.events import ClearanceContactDetector, Contact, FootSignal
from midstance.core.findings import make_findings
from midstance.core.orient import BodyFrameSeries, detect_setting, to_body_frame
from midstance.core.result import Result, Runner, Source, Stance, Warning_
from midstance.core.series import ImageKeypoints, Keypoints, WorldKeypoints
from midstance.core.stance import (
    classify_strike,
    find_midstance,
    foot_pitch_deg,
    knee_flexion_deg,
    offset_at,
    tibia_angle_deg,
    trunk_lean_deg,
)
from midstance.core.filters import interp_at, sample_weight
from midstance.core.summary import summarise
from midstance.errors import AnalysisError, InputError
from midstance.settings import AnalysisSettings

log = logging.getLogger(__name__)

#: Winter (2009) segment proportions: thigh 0.245 H + shank 0.246 H
LEG_FRACTION_OF_HEIGHT = 0.491
DENSE_RATE_HZ = 80.0
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
    per_side = {}
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
    body = to_body_frame(kp)
    notes.update(body.notes)
    rate = 1.0 / float(np.median(np.diff(t)))
    is_image = isinstance(kp, ImageKeypoints)
    cleaner = Cleaner(
        cutoff_hz=min(settings.kinematics_cutoff_hz, 0.4 * rate),
        max_gap_s=settings.max_gap_s,
        min_confidence=0.3 if is_image else 0.0,
        outlier_window_s=0.1 if is_image else None,
    )
    # pelvis landmarks and extra foot markers are not low-passed here (only used raw or in 3D)
    kinematic = {n for n in body.points if "_foot_" not in n and not n.endswith(("_asis", "_psis"))}
    clean = cleaner.clean_all(body.points, t, body.confidence, smooth=kinematic)
    notes["kinematics_cutoff_hz"] = f"{cleaner.cutoff_hz:g}"
    leg, per_side = _leg_length(clean, body)
    m_per_unit: float | None = None
    if body.units == "m":
        m_per_unit = 1.0
    elif settings.height_cm:
        m_per_unit = LEG_FRACTION_OF_HEIGHT * settings.height_cm / 100.0 / leg
    else:
        warnings.append(Warning_("no_scale", "no --height-cm given: distances are reported in % of leg length "
                                             "only; pass your height for centimetres"))
    return Prepared(t, body, clean, rate, body.units, leg, m_per_unit), warnings, notes


def _detector(prep: Prepared) -> ClearanceContactDetector:
    if prep.units == "m":
        return ClearanceContactDetector(ic_level=0.004, to_level=0.013,
                                        cutoff_hz=30.0 if prep.rate_hz > 75 else None)
    # image data: levels relative to leg length (pose points sit on the sole, noise ~1 % of leg)
    return ClearanceContactDetector(ic_level=0.02 * prep.leg_units, to_level=0.04 * prep.leg_units,
                                    cutoff_hz=None, tilted_ground=True, min_contact_s=0.1)


def detect_contacts(prep: Prepared) -> tuple[list[Contact], int]:
    feet: dict = {}
    for side in SIDES:
        names = _foot_names(prep.clean, side)  # type: ignore[arg-type]
        feet[side] = FootSignal({n.split("_", 1)[1]: prep.clean[n].raw[:, :2] for n in names})
    det = _detector(prep).detect(prep.t, feet)
    return det.contacts_, det.incomplete_


def _mid(prep: Prepared, a: str, b: str) -> np.ndarray:
    return 0.5 * (prep.clean[a].smooth + prep.clean[b].smooth)


def measure_stances(prep: Prepared, contacts: list[Contact]) -> list[Stance]:
    t = prep.t
    dense = prep.rate_hz >= DENSE_RATE_HZ
    mid_hip = _mid(prep, "left_hip", "right_hip")[:, :2]
    has_sh = "left_shoulder" in prep.clean and "right_shoulder" in prep.clean
    mid_sh = _mid(prep, "left_shoulder", "right_shoulder")[:, :2] if has_sh else None
    leg = prep.leg_units
    scale = prep.m_per_unit
    out: list[Stance] = []
    offset_series = {side: mid_hip[:, 0] - prep.clean[f"{side}_ankle"].smooth[:, 0] for side in SIDES}
    offset_rate = {side: np.gradient(offset_series[side], t) for side in SIDES}
    pitch = {side: _pitch(prep, side) for side in SIDES}
    weights: dict[float, tuple[int, float]] = {}

    def at(arr: np.ndarray, ts: float) -> np.ndarray:
        """``arr`` linearly interpolated at time ``ts`` (weights cached per instant)."""
        iw = weights.get(ts)
        if iw is None:
            iw = weights[ts] = sample_weight(t, ts)
        i, w = iw
        return (1 - w) * arr[i] + w * arr[i + 1]

    def frame_of(ts: float) -> int:
        i = int(np.searchsorted(t, ts))
        if i <= 0:
            return 0
        if i >= len(t):
            return len(t) - 1
        return i if t[i] - ts < ts - t[i - 1] else i - 1

    for i, c in enumerate(contacts):
        side = c.side
        pt = {k: prep.clean[f"{side}_{k}"].smooth[:, :2] for k in ("hip", "knee", "ankle", "heel", "toe")
              if f"{side}_{k}" in prep.clean}
        ms = find_midstance(t, mid_hip[:, 1], c.ic_s, c.to_s, dense)
        off, off_se = offset_at(t, offset_series[side], ms.t_s, c.ic_s, c.to_s, dense)
        # timing uncertainty times the rate the offset changes at midstance
        slope = float(at(offset_rate[side], ms.t_s))
        sd = math.hypot(slope * ms.sd_s, off_se if math.isfinite(off_se) else 0.0)
        m: dict[str, float | None] = {}
        m["hip_ankle_offset_pct_leg"] = 100 * off / leg
        m["hip_ankle_offset_sd_pct_leg"] = 100 * sd / leg
        ic_hip = at(mid_hip, c.ic_s)
        ic_ank = at(pt["ankle"], c.ic_s)
        over = float(ic_ank[0] - ic_hip[0])
        m["overstride_pct_leg"] = 100 * over / leg
        if "knee" in pt:
            h_side = at(pt["hip"], ms.t_s)
            m["knee_flexion_midstance_deg"] = knee_flexion_deg(h_side, at(pt["knee"], ms.t_s),
                                                               at(pt["ankle"], ms.t_s))
            m["knee_flexion_ic_deg"] = knee_flexion_deg(at(pt["hip"], c.ic_s),
                                                        at(pt["knee"], c.ic_s), ic_ank)
            m["tibia_angle_ic_deg"] = tibia_angle_deg(at(pt["knee"], c.ic_s), ic_ank)
        strike = None
        if pitch[side] is not None:
            fa = _foot_angle_ic(prep, side, pitch[side], c)
            if math.isfinite(fa):
                m["foot_angle_ic_deg"] = fa
                strike = classify_strike(fa)
        if mid_sh is not None:
            m["trunk_lean_deg"] = trunk_lean_deg(at(mid_hip, ms.t_s), at(mid_sh, ms.t_s))
        m["contact_time_s"] = c.contact_time_s
        m["midstance_frac"] = (ms.t_s - c.ic_s) / c.contact_time_s
        # the step ends at the other foot's next contact, if it is the very next contact seen
        nxt = contacts[i + 1] if i + 1 < len(contacts) and contacts[i + 1].side != side else None
        if nxt is not None and nxt.ic_s - c.ic_s < 2.0:
            m["step_time_s"] = nxt.ic_s - c.ic_s
            m["flight_time_s"] = max(0.0, nxt.ic_s - c.to_s)
            j0, j1 = int(np.searchsorted(t, c.ic_s)), int(np.searchsorted(t, nxt.ic_s, side="right"))
            if j1 - j0 >= 2 and np.isfinite(mid_hip[j0:j1, 1]).any():
                osc = float(np.nanmax(mid_hip[j0:j1, 1]) - np.nanmin(mid_hip[j0:j1, 1]))
                m["vertical_oscillation_pct_leg"] = 100 * osc / leg
                if scale:
                    m["vertical_oscillation_m"] = osc * scale
        if scale:
            m["hip_ankle_offset_m"] = off * scale
            m["hip_ankle_offset_sd_m"] = sd * scale
            m["overstride_m"] = over * scale
        out.append(Stance(
            side=side, ic_s=c.ic_s, to_s=c.to_s, midstance_s=ms.t_s,
            ic_frame=frame_of(c.ic_s), to_frame=frame_of(c.to_s), midstance_frame=frame_of(ms.t_s),
            metrics=m, foot_strike=strike,  # type: ignore[arg-type]
            quality=_quality(prep, side, c),
        ))
    return out


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
        ref = foot_pitch_deg(st[f"{side}_heel"][:2], st[f"{side}_toe"][:2])
    else:
        i0 = int(np.searchsorted(t, c.ic_s + 0.3 * c.contact_time_s))
        i1 = int(np.searchsorted(t, c.ic_s + 0.6 * c.contact_time_s, side="right"))
        vals = pitch[i0:i1][np.isfinite(pitch[i0:i1])]
        ref = float(np.percentile(vals, 90)) if vals.size else float("nan")
    return float(interp_at(pitch, t, c.ic_s)) - ref


def _quality(prep: Prepared, side: str, c: Contact) -> float:
    """0..1: share of observed (not gap-filled) samples of the stance's key points, times their mean
    confidence (1 for motion capture)."""
    i0 = int(np.searchsorted(prep.t, c.ic_s - 0.05))
    i1 = int(np.searchsorted(prep.t, c.to_s + 0.05, side="right"))
    if i1 <= i0:
        return 0.0
    names = [n for n in ("left_hip", "right_hip", f"{side}_knee", f"{side}_ankle", f"{side}_heel", f"{side}_toe")
             if n in prep.clean]
    obs = float(np.mean([prep.clean[n].observed[i0:i1].mean() for n in names]))
    confs = [prep.body.confidence[n][i0:i1] for n in names if n in prep.body.confidence]
    conf = float(np.mean(np.concatenate(confs))) if confs else 1.0
    return float(np.clip(obs * (conf if np.isfinite(conf) else 1.0), 0.0, 1.0))


def _check_sequence(stances: list[Stance]) -> list[Warning_]:
    warnings = []
    repeats = sum(a.side == b.side for a, b in zip(stances, stances[1:], strict=False))
    if repeats:
        warnings.append(Warning_("not_alternating", f"{repeats} times two stances of the same foot follow each "
                                 "other: a contact of the other foot was missed (occlusion or gap)"))
    return warnings


def analyze(kp: Keypoints, settings: AnalysisSettings | None = None, progress: Progress | None = None) -> Result:
    """Analyse one trial: keypoints in, :class:`Result` out."""
    settings = settings or AnalysisSettings()
    say = progress or (lambda stage, frac: None)
    say("cleaning", 0.0)
    prep, warnings, notes = prepare(kp, settings)
    say("events", 0.4)
    contacts, incomplete = detect_contacts(prep)
    if not contacts:
        raise AnalysisError(
            "no complete stance found: the feet are never seen landing and leaving the ground "
            "(standing still, a clip shorter than one stride, or feet out of view); record at least "
            "3 s of running with the feet visible"
        )
    say("metrics", 0.7)
    stances = measure_stances(prep, contacts)
    warnings += _check_sequence(stances)
    setting, speed = detect_setting(prep.body, prep.leg_units)
    if settings.setting != "auto":
        setting = settings.setting
    elif isinstance(kp, WorldKeypoints) and kp.setting_hint:
        setting = kp.setting_hint
    flights = [s.get("flight_time_s") for s in stances if s.get("flight_time_s") is not None]
    overlap = sum(
        1 for a, b in zip(stances, stances[1:], strict=False) if a.side != b.side and b.ic_s < a.to_s
    )
    activity: Literal["running", "walking"] = "running"
    if stances and overlap >= max(1, len(stances) // 3):
        activity = "walking"
        warnings.append(Warning_("walking", "the feet overlap on the ground (double support): this looks like "
                                 "walking, not running; running references and findings may not apply"))
    n_left = sum(s.side == "left" for s in stances)
    n_right = sum(s.side == "right" for s in stances)
    if min(n_left, n_right) < 7:
        warnings.append(Warning_("few_steps", f"{n_left} left and {n_right} right stances: fewer than 7 per side, "
                                 "so medians are not reliable; record a longer clip"))
    if prep.rate_hz < 50:
        warnings.append(Warning_("low_frame_rate", f"{prep.rate_hz:.0f} frames/s: contact times are limited to "
                                 f"±{500 / prep.rate_hz:.0f} ms; film at 60 fps or more for better timing"))
    if incomplete:
        notes["contacts_skipped"] = str(incomplete)
    summary = summarise(stances)
    findings = make_findings(stances, summary, settings.slope_pct, prep.m_per_unit is not None)
    src = kp.source
    leg_m = prep.leg_units * prep.m_per_unit if prep.m_per_unit else None
    runner = Runner(
        height_cm=settings.height_cm,
        view="side",
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
    return Result(
        source=Source(
            path=src.path, kind=src.kind, fps=src.fps if src.fps else round(prep.rate_hz, 3),
            duration_s=src.duration_s if src.duration_s is not None else kp.duration_s,
            frame_count=src.frame_count or kp.n_frames, width_px=src.width_px, height_px=src.height_px,
            rotation_deg=src.rotation_deg,
        ),
        runner=runner,
        stances=tuple(stances),
        summary=summary,
        findings=findings,
        warnings=tuple(warnings),
        analysis=notes,
    )
