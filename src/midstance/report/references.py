"""Reference bands the report draws each headline metric against, with where each band comes from.

Only the hip–ankle offset has bands the method itself defines (provisional, DESIGN.md §6). For the
other metrics the report shows either a published threshold or range (cited; each was checked
against the paper's abstract) or the range the reference motion capture spans — three healthy
runners, so a provisional range of what healthy running looks like, not a norm. A metric with
neither has no band and says so. Nothing here is a diagnosis."""

from __future__ import annotations

from dataclasses import dataclass

from midstance.core.findings import (
    BARELY_BELOW_PCT,
    BEHIND_BELOW_PCT,
    LOCKED_OBLIQUITY_BELOW_DEG,
    LOCKED_ROTATION_BELOW_DEG,
    OVERSTRIDE_NOTICE_PCT,
)
from midstance.core.stance import FFS_BELOW_DEG, RFS_ABOVE_DEG

#: the three healthy runners whose motion capture ships with the project's test data, analysed with
#: midstance itself (RBDS001 2.5 m/s and RBDS002 4.5 m/s treadmill; Running_0002 ≈3.1 m/s overground)
REFERENCE_MOCAP = (
    "midstance's reference motion capture: 3 healthy runners (RBDS 001 and 002, Fukuchi, Fukuchi & "
    "Duarte 2017, PeerJ 5:e3298, treadmill 2.5 and 4.5 m/s; pyomeca Running_0002, overground ≈3.1 m/s)"
)

SOURCES: dict[str, str] = {
    "design": (
        "midstance method bands (DESIGN.md §6): every healthy runner in the reference motion capture has "
        "the hip +5 to +15 % of leg length ahead of the ankle at midstance"
    ),
    "mocap": REFERENCE_MOCAP,
    "thakkar2019": (
        "Thakkar B, Willson JD, Harrison K, Tickes R, Blaise Williams DS III (2019). Tibiofemoral joint "
        "forces in female recreational runners vary with step frequency. Med Sci Sports Exerc "
        "51(7):1444–1450"
    ),
    "heiderscheit2011": (
        "Heiderscheit BC, Chumanov ES, Michalski MP, Wille CM, Ryan MB (2011). Effects of step rate "
        "manipulation on joint mechanics during running. Med Sci Sports Exerc 43(2):296–302"
    ),
    "altman2012": (
        "Altman AR, Davis IS (2012). A kinematic method for footstrike pattern detection in barefoot and "
        "shod runners. Gait Posture 35(2):298–300"
    ),
    "souza2016": (
        "Souza RB (2016). An evidence-based videotaped running biomechanics analysis. Phys Med Rehabil "
        "Clin N Am 27(1):217–236"
    ),
    "perpina2023": (
        "Perpiñá-Martínez S, Arguisuelas-Martínez MD, Pérez-Domínguez B, Nacher-Moltó I, Martínez-Gramage J "
        "(2023). Differences between sexes and speed levels in pelvic 3D kinematic patterns during running "
        "using an inertial measurement unit (IMU). Int J Environ Res Public Health 20(4):3631"
    ),
    "bramah2018": (
        "Bramah C, et al. (2018). Is there a pathological gait associated with common soft tissue running "
        "injuries? Am J Sports Med 46(12):3023–3031"
    ),
}


#: short names used next to the plots; the full references are listed under Definitions
SHORT: dict[str, str] = {
    "design": "midstance method bands (provisional)",
    "mocap": "reference motion capture (3 healthy runners)",
    "thakkar2019": "Thakkar et al. 2019",
    "heiderscheit2011": "Heiderscheit et al. 2011",
    "altman2012": "Altman & Davis 2012",
    "souza2016": "Souza 2016",
    "perpina2023": "Perpiñá-Martínez et al. 2023",
    "bramah2018": "Bramah et al. 2018",
}


@dataclass(frozen=True)
class Segment:
    lo: float | None
    hi: float | None
    label: str
    #: 'low' (red), 'mid' (amber), 'ok' (green), 'range' (grey: where reference runners are)
    tone: str


@dataclass(frozen=True)
class Reference:
    """A metric shown against bands. ``scale`` turns the stored unit into the shown one (m → cm)."""

    metric: str
    label: str
    unit: str
    scale: float
    segments: tuple[Segment, ...]
    sources: tuple[str, ...]
    note: str
    provisional: bool = True
    #: axis range when the runner's values fall inside it
    axis: tuple[float, float] = (0.0, 1.0)


REFERENCES: tuple[Reference, ...] = (
    Reference(
        "hip_ankle_offset_pct_leg",
        "Hip–ankle offset at midstance",
        "% leg",
        1.0,
        (
            Segment(None, BEHIND_BELOW_PCT, "behind", "low"),
            Segment(BEHIND_BELOW_PCT, BARELY_BELOW_PCT, "barely ahead", "mid"),
            Segment(BARELY_BELOW_PCT, None, "ahead", "ok"),
        ),
        ("design",),
        "Provisional bands. Below 0 % the hip is behind the ankle, the method's warning sign.",
        axis=(-10.0, 20.0),
    ),
    Reference(
        "overstride_pct_leg",
        "Overstride at initial contact",
        "% leg",
        1.0,
        (
            Segment(15.0, 32.0, "reference runners", "range"),
            Segment(OVERSTRIDE_NOTICE_PCT, None, "far", "mid"),
        ),
        ("mocap",),
        "Provisional: reference runners land 15–32 % of leg length ahead of the hip; above "
        f"{OVERSTRIDE_NOTICE_PCT:.0f} % the report notes it (a symptom of the hip sitting back, not the cause).",
        axis=(0.0, 45.0),
    ),
    Reference(
        "knee_flexion_midstance_deg",
        "Knee flexion at midstance",
        "°",
        1.0,
        (Segment(37.0, 50.0, "reference runners", "range"),),
        ("mocap",),
        "Provisional: the range of the reference runners (37–50°), not a norm.",
        axis=(15.0, 65.0),
    ),
    Reference(
        "knee_flexion_ic_deg",
        "Knee flexion at initial contact",
        "°",
        1.0,
        (Segment(9.0, 31.0, "reference runners", "range"),),
        ("mocap",),
        "Provisional: the range of the reference runners (9–31°); a nearly straight knee at contact goes "
        "with landing far ahead of the hip.",
        axis=(0.0, 45.0),
    ),
    Reference(
        "foot_angle_ic_deg",
        "Foot angle at initial contact",
        "°",
        1.0,
        (
            Segment(None, FFS_BELOW_DEG, "forefoot", "range"),
            Segment(FFS_BELOW_DEG, RFS_ABOVE_DEG, "midfoot", "range"),
            Segment(RFS_ABOVE_DEG, None, "rearfoot", "range"),
        ),
        ("altman2012", "souza2016"),
        f"Strike type thresholds: above {RFS_ABOVE_DEG:g}° rearfoot, below {FFS_BELOW_DEG:g}° forefoot "
        "(Altman & Davis 2012). No cut-off makes a value abnormal by itself (Souza 2016); in this method a heel strike "
        "is a symptom of where the hip is.",
        provisional=False,
        axis=(-15.0, 30.0),
    ),
    Reference(
        "contact_time_s",
        "Ground contact time",
        "ms",
        1000.0,
        (Segment(200.0, 295.0, "reference runners", "range"),),
        ("mocap",),
        "Provisional: the reference runners' range (200–295 ms at 2.5–4.5 m/s); contact time falls with "
        "speed, so compare your own sessions at the same speed.",
        axis=(120.0, 400.0),
    ),
    Reference(
        "cadence_spm",
        "Cadence",
        "steps/min",
        1.0,
        (Segment(None, 166.0, "≤ 166", "mid"), Segment(178.0, None, "≥ 178", "ok")),
        ("thakkar2019", "heiderscheit2011"),
        "Among female recreational runners at 2.98 m/s, those at ≥ 178 steps/min had the lowest "
        "tibiofemoral (knee) joint forces and those at ≤ 166 greater ones (Thakkar et al. 2019); raising "
        "the step rate 5–10 % above preferred reduced the energy absorbed at the knee (Heiderscheit et al. "
        "2011). Cadence rises with speed.",
        provisional=False,
        axis=(140.0, 200.0),
    ),
    Reference(
        "vertical_oscillation_pct_leg",
        "Vertical oscillation",
        "% leg",
        1.0,
        (Segment(8.0, 12.0, "reference runners", "range"),),
        ("mocap",),
        "Provisional: the reference runners' range (8–12 % of leg length, about 7–11 cm), not a norm.",
        axis=(0.0, 20.0),
    ),
)

REFERENCE_BY_METRIC: dict[str, Reference] = {r.metric: r for r in REFERENCES}


#: the "core action" measures (rear view or 3D), in the order the report lists them. The pelvis ranges
#: of Perpiñá-Martínez et al. 2023 come from a sensor on the sacrum, while midstance measures the line
#: through the two hip points: the same motion, measured differently, so compare with care.
CORE_REFERENCES: tuple[Reference, ...] = (
    Reference(
        "pelvic_drop_deg",
        "Pelvic drop at midstance",
        "°",
        1.0,
        (Segment(1.6, 10.1, "reference runners", "range"),),
        ("mocap", "bramah2018"),
        "Provisional: the reference runners' per-side medians span 1.6–10.1° (3D). Injured runners ran with "
        "more contralateral pelvic drop at midstance than injury-free ones, and each extra degree went with "
        "80 % higher odds of being in the injured group (Bramah et al. 2018): an association, not a cut-off.",
        axis=(-5.0, 15.0),
    ),
    Reference(
        "pelvis_obliquity_rom_deg",
        "Pelvis side-bend range",
        "°",
        1.0,
        (
            Segment(None, LOCKED_OBLIQUITY_BELOW_DEG, "locked", "mid"),
            Segment(7.8, 9.6, "published running range", "ok"),
        ),
        ("perpina2023", "mocap"),
        "Recreational runners at several speeds, sensor on the sacrum: 7.8–9.6° over a stride, men and "
        "women (Perpiñá-Martínez et al. 2023). Here it is the range of the line through the two hip points, "
        "which the reference runners move 7.5–19.7°. Below "
        f"{LOCKED_OBLIQUITY_BELOW_DEG:g}° the report calls the pelvis locked: a provisional cut-off.",
        axis=(0.0, 25.0),
    ),
    Reference(
        "pelvis_rotation_rom_deg",
        "Pelvis twist range",
        "°",
        1.0,
        (
            Segment(None, LOCKED_ROTATION_BELOW_DEG, "locked (3D)", "mid"),
            Segment(9.7, 16.1, "published running range", "ok"),
        ),
        ("perpina2023",),
        "Sensor on the sacrum, running: 9.7–13.6° in men and 13.2–16.1° in women over a stride "
        f"(Perpiñá-Martínez et al. 2023). Below {LOCKED_ROTATION_BELOW_DEG:g}° (3D only) the report calls the "
        "pelvis locked: a provisional cut-off. From a single camera the twist is only estimated.",
        axis=(0.0, 30.0),
    ),
    Reference(
        "pelvis_tilt_rom_deg",
        "Pelvis tilt range",
        "°",
        1.0,
        (Segment(5.9, 7.4, "published running range", "ok"),),
        ("perpina2023",),
        "Sensor on the sacrum, running: 5.9–6.5° in men and 6.3–7.4° in women over a stride, unchanged with "
        "speed (Perpiñá-Martínez et al. 2023). Measured from 3D motion capture only.",
        provisional=False,
        axis=(0.0, 15.0),
    ),
    Reference(
        "trunk_side_bend_deg",
        "Trunk side-bend at midstance",
        "°",
        1.0,
        (),
        (),
        "No reference band yet (provisional). Positive = the trunk leans towards the stance side.",
        axis=(-10.0, 10.0),
    ),
    Reference(
        "shoulder_rotation_rom_deg",
        "Shoulder twist range",
        "°",
        1.0,
        (),
        (),
        "No reference band yet (provisional). From a single camera it is only estimated.",
        axis=(0.0, 40.0),
    ),
    Reference(
        "knee_fppa_deg",
        "Knee frontal-plane angle",
        "°",
        1.0,
        (),
        (),
        "No reference band yet (provisional). Positive = the knee is inside the hip–ankle line (valgus), "
        "negative = outside it (varus). Compare your own sessions filmed the same way.",
        axis=(-20.0, 20.0),
    ),
    Reference(
        "step_width_m",
        "Step width",
        "cm",
        100.0,
        (Segment(8.3, 10.0, "reference runners", "range"),),
        ("mocap",),
        "Provisional: the reference runners' per-side medians (8.3–10.0 cm). Negative = the feet cross the "
        "midline.",
        axis=(-5.0, 20.0),
    ),
)

CORE_REFERENCE_BY_METRIC: dict[str, Reference] = {r.metric: r for r in CORE_REFERENCES}
