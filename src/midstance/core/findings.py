"""Findings: ranked, with their evidence numbers and plain cues in the method's spirit (DESIGN.md §6).

Bands are provisional and say so. Reference: every runner in the shared and held-back motion capture
(healthy, treadmill, 2.5–4.5 m/s) has the hip +5 to +15 % of leg length ahead of the ankle at
midstance (rearfoot strikers at the low end). Below 0 % the hip is behind the ankle (the method's
warning sign), 0–5 % barely ahead, above 5 % ahead.

Associations, not diagnoses: findings never say a form causes pain, and carry no medical advice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from midstance.core.result import SEVERITY_RANK, Finding, MetricSummary, Stance, Summary

BEHIND_BELOW_PCT = 0.0
BARELY_BELOW_PCT = 5.0
BANDS_NOTE = (
    "Bands are provisional: healthy treadmill runners in the reference motion capture sit at "
    "+5 to +15 % of leg length."
)
#: a left/right difference in the offset worth mentioning, % of leg length (≈ 2–3 cm)
ASYMMETRY_NOTICE_PCT = 3.0
#: foot landing this far ahead of the hip at initial contact, % of leg length; healthy shod runners
#: in the reference motion capture land about 15–25 % of leg length ahead
OVERSTRIDE_NOTICE_PCT = 30.0
MIN_RELIABLE_STEPS = 7
#: pelvis ranges over a stride below which the pelvis counts as "locked" (provisional): about 60 % of
#: the low end of running references — obliquity 7.8–9.3°, rotation 9.7–13.6° (Perpiñá-Martínez et al.
#: 2023, Int J Environ Res Public Health 20:3631, IMU on recreational runners)
LOCKED_OBLIQUITY_BELOW_DEG = 5.0
LOCKED_ROTATION_BELOW_DEG = 6.0

NOT_ADVICE = "This is an association seen in runners, not a diagnosis or medical advice."
FILM_AGAIN = (
    "Film again from the side, camera level at hip height and square to the running direction, "
    "at least 7 steps per side in view, and compare."
)
DOWNHILL_CUE = (
    "Downhill, keep the hip over the foot: control speed by leaning a little less or more, not by "
    "sitting back and braking with the heel."
)
PELVIS_CUE = (
    "Rather than reaching with the foot or holding a posture, let the pelvis move: let it twist and "
    "side-bend with each step so the hip travels over the foot. Do not brace or lock the core."
)


def _fmt(v: float | None, nd: int = 1) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:+.{nd}f}"


def _side_medians(m: MetricSummary | None) -> dict[str, float | None]:
    if m is None:
        return {"left": None, "right": None}
    return {"left": m.left.median, "right": m.right.median}


def offset_band(pct: float | None) -> str | None:
    """'behind', 'barely ahead' or 'ahead' for an offset in % of leg length."""
    if pct is None or not math.isfinite(pct):
        return None
    if pct < BEHIND_BELOW_PCT:
        return "behind"
    if pct < BARELY_BELOW_PCT:
        return "barely ahead"
    return "ahead"


def headline(summary: Summary) -> dict[str, str]:
    """Per side, a plain sentence on where the hip sits at midstance."""
    out: dict[str, str] = {}
    m = summary.metrics.get("hip_ankle_offset_pct_leg")
    cm = summary.metrics.get("hip_ankle_offset_m")
    for side in ("left", "right"):
        stat = getattr(m, side) if m else None
        if stat is None or stat.median is None:
            out[side] = "not measured"
            continue
        band = offset_band(stat.median)
        dist = ""
        if cm is not None and getattr(cm, side).median is not None:
            dist = f"{abs(getattr(cm, side).median) * 100:.1f} cm, "
        where = {
            "behind": "behind the ankle",
            "barely ahead": "barely ahead of the ankle",
            "ahead": "ahead of the ankle",
        }[str(band)]
        out[side] = f"hip {where} ({dist}{stat.median:+.1f} % of leg length, {stat.n} steps)"
    return out


def make_findings(
    stances: Sequence[Stance],
    summary: Summary,
    slope_pct: float,
    scaled: bool,
    exact_twist: bool = False,
    activity: str = "running",
) -> tuple[Finding, ...]:
    """Ranked findings. ``exact_twist``: the pelvis twist range is measured (3D), not estimated."""
    if activity == "walking":
        return (
            Finding(
                "walking",
                "notice",
                "This is walking, not running",
                {
                    "left_steps": float(summary.steps.get("left", 0)),
                    "right_steps": float(summary.steps.get("right", 0)),
                },
                "The feet overlap on the ground, so this clip shows walking. The hip–ankle measure and its bands are "
                "defined for running (in walking the hip is highest, not lowest, in mid-stance), so no running "
                "findings are given.",
                "Film a running clip: at least 10 s of steady running, side-on, camera at hip height.",
            ),
        )
    found: list[tuple[int, float, Finding]] = []
    off = summary.metrics.get("hip_ankle_offset_pct_leg")
    off_m = summary.metrics.get("hip_ankle_offset_m")
    med = _side_medians(off)
    downhill = slope_pct <= -1.0

    def ev_offset() -> dict[str, float | None]:
        e: dict[str, float | None] = {
            "left_offset_pct_leg": med["left"],
            "right_offset_pct_leg": med["right"],
            "left_steps": float(off.left.n) if off else None,
            "right_steps": float(off.right.n) if off else None,
        }
        if scaled and off_m is not None:
            e["left_offset_cm"] = None if off_m.left.median is None else off_m.left.median * 100
            e["right_offset_cm"] = None if off_m.right.median is None else off_m.right.median * 100
        return e

    sides_by_band: dict[str, list[str]] = {}
    for side in ("left", "right"):
        band = offset_band(med[side])
        if band:
            sides_by_band.setdefault(band, []).append(side)
    worst = min((v for v in med.values() if v is not None), default=None)
    if "behind" in sides_by_band:
        sides = " and ".join(sides_by_band["behind"])
        cue = (
            f"At midstance your hip is behind the ankle ({sides}). In the method this analysis follows, "
            f"a hip behind the ankle at midstance goes with knee stress (runner's knee); a heel landing "
            f"far ahead of the body is its symptom. "
            + (DOWNHILL_CUE + " " if downhill else "")
            + PELVIS_CUE
            + " "
            + NOT_ADVICE
        )
        found.append(
            (
                0,
                worst or 0.0,
                Finding(
                    "hip_behind_ankle",
                    "warning",
                    f"Hip behind the ankle at midstance ({sides})",
                    ev_offset(),
                    cue,
                    FILM_AGAIN + " " + BANDS_NOTE,
                ),
            )
        )
    elif "barely ahead" in sides_by_band:
        sides = " and ".join(sides_by_band["barely ahead"])
        cue = (
            f"At midstance your hip is only just ahead of the ankle ({sides}). Healthy runners in the "
            f"reference data carry it further forward. "
            + (DOWNHILL_CUE + " " if downhill else "")
            + PELVIS_CUE
            + " "
            + NOT_ADVICE
        )
        found.append(
            (
                1,
                worst or 0.0,
                Finding(
                    "hip_barely_ahead",
                    "notice",
                    f"Hip barely ahead of the ankle at midstance ({sides})",
                    ev_offset(),
                    cue,
                    FILM_AGAIN + " " + BANDS_NOTE,
                ),
            )
        )
    elif "ahead" in sides_by_band:
        measured = sides_by_band["ahead"]
        where = (
            "on both sides" if len(measured) == 2 else f"on the {measured[0]} side (the only one measured)"
        )
        cue = (
            f"At midstance your hip is over and ahead of the ankle {where}, as in healthy runners "
            "of the reference data. Keep the pelvis free to move rather than holding this as a posture."
        )
        found.append(
            (
                2,
                -(worst or 0.0),
                Finding(
                    "hip_ahead", "info", "Hip ahead of the ankle at midstance", ev_offset(), cue, BANDS_NOTE
                ),
            )
        )

    # left/right difference in the offset, only when beyond both sides' spread
    if off and off.left.median is not None and off.right.median is not None:
        diff = off.left.median - off.right.median
        spread = max(off.left.iqr or 0.0, off.right.iqr or 0.0)
        if abs(diff) >= max(ASYMMETRY_NOTICE_PCT, spread):
            lower = "left" if diff < 0 else "right"
            found.append(
                (
                    1,
                    -abs(diff),
                    Finding(
                        "offset_asymmetry",
                        "notice",
                        "The hip sits further back over one foot",
                        {
                            "left_offset_pct_leg": off.left.median,
                            "right_offset_pct_leg": off.right.median,
                            "difference_pct_leg": diff,
                            "asymmetry_pct": off.asymmetry_pct,
                        },
                        f"At midstance the hip is {abs(diff):.1f} % of leg length further back over the {lower} foot. "
                        "A one-sided difference often shows in how the pelvis turns and side-bends on that side; "
                        "let it move freely on both. " + NOT_ADVICE,
                        "Film from behind as well (--rear) to see pelvis drop and twist on each side.",
                    ),
                )
            )

    ov = summary.metrics.get("overstride_pct_leg")
    if ov is not None:
        ovm = [v for v in (ov.left.median, ov.right.median) if v is not None]
        if ovm and max(ovm) > OVERSTRIDE_NOTICE_PCT:
            found.append(
                (
                    1,
                    -max(ovm),
                    Finding(
                        "overstride",
                        "notice",
                        "Foot lands far ahead of the hip",
                        {
                            "left_overstride_pct_leg": ov.left.median,
                            "right_overstride_pct_leg": ov.right.median,
                        },
                        "The foot lands well ahead of the hip. In this method that is a symptom of the pelvis sitting "
                        "back, not the thing to fix: reaching less with the foot follows from letting the hip "
                        "travel over it. " + NOT_ADVICE,
                        FILM_AGAIN,
                    ),
                )
            )

    strikes = [s for s in summary.foot_strike.values() if s]
    if "rearfoot" in strikes:
        fa = summary.metrics.get("foot_angle_ic_deg")
        found.append(
            (
                2,
                0.0,
                Finding(
                    "rearfoot_strike",
                    "info",
                    "Heel strike",
                    {
                        "left_foot_angle_ic_deg": fa.left.median if fa else None,
                        "right_foot_angle_ic_deg": fa.right.median if fa else None,
                    },
                    "You land heel first. In this method the heel strike is a symptom of where the hip is, not the "
                    "cause: switching to a forefoot strike on purpose treats the symptom and can overload the "
                    "Achilles tendon and calf. Work on the hip over the foot instead.",
                    "Foot-strike type is classified from the foot angle at contact (Altman & Davis 2012).",
                ),
            )
        )

    if downhill:
        found.append(
            (
                1,
                slope_pct,
                Finding(
                    "downhill",
                    "notice",
                    "Downhill running",
                    {
                        "slope_pct": slope_pct,
                        "left_offset_pct_leg": med["left"],
                        "right_offset_pct_leg": med["right"],
                    },
                    DOWNHILL_CUE + " " + NOT_ADVICE,
                    "Compare with a flat run: the hip tends to sit further back downhill.",
                ),
            )
        )

    obl = summary.metrics.get("pelvis_obliquity_rom_deg")
    obl_med = [v for v in (obl.left.median, obl.right.median) if v is not None] if obl else []
    if obl_med and max(obl_med) < LOCKED_OBLIQUITY_BELOW_DEG:
        rot = summary.metrics.get("pelvis_rotation_rom_deg")
        rot_med = (
            [v for v in (rot.left.median, rot.right.median) if v is not None] if rot and exact_twist else []
        )
        if not rot_med or max(rot_med) < LOCKED_ROTATION_BELOW_DEG:
            ev: dict[str, float | None] = {
                "pelvis_obliquity_rom_deg": float(np.median(obl_med)),
                "reference_obliquity_rom_deg_low": 7.8,
            }
            if rot_med:
                ev["pelvis_rotation_rom_deg"] = float(np.median(rot_med))
                ev["reference_rotation_rom_deg_low"] = 9.7
            found.append(
                (
                    1,
                    float(np.median(obl_med)),
                    Finding(
                        "locked_pelvis",
                        "notice",
                        "The pelvis hardly moves (locked pelvis)",
                        ev,
                        "Your pelvis barely side-bends"
                        + (" or twists" if rot_med else "")
                        + " from step to step. In the "
                        "method this analysis follows, the pelvis, waist and upper body should twist and side-bend with "
                        "each step; holding them still goes with the hip staying behind the foot. Let the pelvis move — "
                        "do not grip or brace the core. " + NOT_ADVICE,
                        "Reference ranges (running, IMU): obliquity 7.8–9.3°, rotation 9.7–13.6° (Perpiñá-Martínez et al. "
                        "2023); the cut-offs here are provisional. Film from behind at hip height to check.",
                    ),
                )
            )

    trunk = summary.metrics.get("trunk_lean_deg")
    if trunk is not None:
        tl = [v for v in (trunk.left.median, trunk.right.median) if v is not None]
        if tl and max(tl) < 0:
            found.append(
                (
                    1,
                    max(tl),
                    Finding(
                        "trunk_leans_back",
                        "notice",
                        "Upper body leans back at midstance",
                        {
                            "left_trunk_lean_deg": trunk.left.median,
                            "right_trunk_lean_deg": trunk.right.median,
                        },
                        "The upper body leans back at midstance, which goes with the pelvis sitting behind the foot. "
                        "Let the upper body come over the hips with a slight forward lean from the ankles. "
                        + NOT_ADVICE,
                        FILM_AGAIN,
                    ),
                )
            )

    n_left = summary.steps.get("left", 0)
    n_right = summary.steps.get("right", 0)
    if min(n_left, n_right) < MIN_RELIABLE_STEPS:
        found.append(
            (
                0,
                0.0,
                Finding(
                    "few_steps",
                    "notice",
                    "Too few steps for a reliable median",
                    {"left_steps": float(n_left), "right_steps": float(n_right), "needed_per_side": 7.0},
                    f"Only {n_left} left and {n_right} right steps were analysed; medians need at least "
                    f"{MIN_RELIABLE_STEPS} per side to be reliable. Treat the figures as a first look.",
                    "Record a longer clip: 15–20 s of steady running gives 20+ steps per side.",
                ),
            )
        )
    ranked = sorted(found, key=lambda f: (SEVERITY_RANK[f[2].severity], f[0], f[1]))
    return tuple(f for _, _, f in ranked)
