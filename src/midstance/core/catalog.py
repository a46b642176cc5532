"""The metrics a stance can carry, declared once: name, unit, plain description, sign convention.

The result contract (JSON, CSV), the terminal summary, the report and the docs all read this list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str
    label: str
    description: str
    views: tuple[Literal["side", "rear", "front", "3d"], ...] = ("side", "3d")
    #: summarised per side (median/IQR) and compared left vs right
    summarise: bool = True


STANCE_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "hip_ankle_offset_m",
        "m",
        "Hip–ankle offset at midstance",
        "At midstance, mid-hip minus stance-side ankle along the running direction. "
        "Positive = hip ahead of the ankle, negative = hip behind it. Needs a scale (height or mocap).",
    ),
    MetricSpec(
        "hip_ankle_offset_pct_leg",
        "% leg",
        "Hip–ankle offset at midstance (% leg length)",
        "The hip–ankle offset as a percentage of leg length (mean of both sides); needs no scale.",
    ),
    MetricSpec(
        "hip_ankle_offset_sd_m",
        "m",
        "Offset uncertainty",
        "Standard uncertainty of this stance's hip–ankle offset (timing of midstance and point noise).",
        summarise=False,
    ),
    MetricSpec(
        "hip_ankle_offset_sd_pct_leg",
        "% leg",
        "Offset uncertainty (% leg)",
        "The offset's standard uncertainty as a percentage of leg length.",
        summarise=False,
    ),
    MetricSpec(
        "overstride_m",
        "m",
        "Overstride at initial contact",
        "At initial contact, ankle minus mid-hip along the running direction (positive = foot lands ahead of the hip).",
    ),
    MetricSpec("overstride_pct_leg", "% leg", "Overstride (% leg length)", "Overstride as % of leg length."),
    MetricSpec(
        "knee_flexion_ic_deg",
        "deg",
        "Knee flexion at initial contact",
        "Stance side, angle between thigh (hip→knee) and shank (knee→ankle) in the sagittal plane; 0 = straight.",
    ),
    MetricSpec(
        "knee_flexion_midstance_deg",
        "deg",
        "Knee flexion at midstance",
        "Stance side, angle between thigh and shank in the sagittal plane at midstance; 0 = straight.",
    ),
    MetricSpec(
        "foot_angle_ic_deg",
        "deg",
        "Foot angle at initial contact",
        "Heel→toe line against the ground at initial contact, relative to the same foot flat in stance; "
        "positive = toes up.",
    ),
    MetricSpec(
        "tibia_angle_ic_deg",
        "deg",
        "Shank angle at initial contact",
        "Shank from vertical at initial contact; positive = ankle ahead of the knee.",
    ),
    MetricSpec(
        "trunk_lean_deg",
        "deg",
        "Trunk lean at midstance",
        "Trunk (mid-hip → mid-shoulder) from vertical at midstance; positive = forward. Needs shoulder points.",
    ),
    MetricSpec("contact_time_s", "s", "Ground contact time", "Initial contact to toe-off of this stance."),
    MetricSpec(
        "flight_time_s",
        "s",
        "Flight time",
        "Toe-off of this stance to the other foot's next initial contact (0 when they overlap, e.g. walking).",
    ),
    MetricSpec(
        "vertical_oscillation_m",
        "m",
        "Vertical oscillation",
        "Mid-hip height range over the step that starts at this stance's initial contact.",
    ),
    MetricSpec(
        "vertical_oscillation_pct_leg",
        "% leg",
        "Vertical oscillation (% leg length)",
        "Vertical oscillation as % of leg length.",
    ),
    MetricSpec(
        "step_time_s",
        "s",
        "Step time",
        "This stance's initial contact to the other foot's next initial contact.",
    ),
    MetricSpec(
        "midstance_frac",
        "",
        "Midstance position in stance",
        "(midstance − initial contact) / contact time; typically 0.4–0.5 in running.",
    ),
    # rear view / 3D (DESIGN.md §1); computed where the view allows
    MetricSpec(
        "pelvic_drop_deg",
        "deg",
        "Pelvic drop at midstance",
        "Angle of the stance-hip→swing-hip line against the horizontal in the frontal plane; "
        "positive = swing-side hip lower.",
        views=("rear", "front", "3d"),
    ),
    MetricSpec(
        "pelvis_obliquity_rom_deg",
        "deg",
        "Pelvis side-bend range",
        "Over the stride from this stance's initial contact: range of the hip line's frontal-plane angle.",
        views=("rear", "front", "3d"),
    ),
    MetricSpec(
        "pelvis_rotation_rom_deg",
        "deg",
        "Pelvis twist range",
        "Over the stride from this stance's initial contact: range of the hip line's horizontal-plane angle "
        "(exact only from 3D; estimated from 2D).",
        views=("rear", "front", "3d", "side"),
    ),
    MetricSpec(
        "pelvis_tilt_rom_deg",
        "deg",
        "Pelvis tilt range",
        "Over the stride: range of the pelvis' forward–backward tilt (3D only).",
        views=("3d",),
    ),
    MetricSpec(
        "trunk_side_bend_deg",
        "deg",
        "Trunk side-bend at midstance",
        "Trunk from vertical in the frontal plane at midstance; positive = towards the stance side.",
        views=("rear", "front", "3d"),
    ),
    MetricSpec(
        "shoulder_rotation_rom_deg",
        "deg",
        "Shoulder twist range",
        "Over the stride: range of the shoulder line's horizontal-plane angle.",
        views=("rear", "front", "3d"),
    ),
    MetricSpec(
        "knee_fppa_deg",
        "deg",
        "Knee frontal-plane projection angle",
        "Stance side at midstance, thigh vs shank in the frontal plane; positive = knee medial (valgus).",
        views=("rear", "front", "3d"),
    ),
    MetricSpec(
        "step_width_m",
        "m",
        "Step width",
        "Lateral distance between this stance's ankle and the previous opposite stance's ankle at midstance.",
        views=("rear", "front", "3d"),
    ),
)

METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in STANCE_METRICS)
METRICS_BY_NAME: dict[str, MetricSpec] = {m.name: m for m in STANCE_METRICS}

FOOT_STRIKES = ("rearfoot", "midfoot", "forefoot")
