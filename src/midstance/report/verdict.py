"""The headline numbers per side: where the hip sits relative to the ankle at midstance, how spread
the steps are, how precisely each step is measured, and which stance is the side's typical one."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from midstance.core.findings import MIN_RELIABLE_STEPS, headline, offset_band
from midstance.core.result import Result, Stance

SIDES: tuple[str, str] = ("left", "right")
#: stance tracking quality (share of the stance's key-point samples the pose model saw, times its
#: mean confidence; 1 for motion capture). A well-filmed clip gives 0.75–1: the far leg's points
#: carry less confidence (about 0.8), the near leg's more (0.9–1). Below LOW_QUALITY a quarter or more
#: of the samples were filled in or barely seen, and the stance's numbers deserve less trust.
GOOD_QUALITY = 0.8
LOW_QUALITY = 0.6
OFFSET = "hip_ankle_offset_pct_leg"
OFFSET_M = "hip_ankle_offset_m"
OFFSET_SD = "hip_ankle_offset_sd_pct_leg"
OFFSET_SD_M = "hip_ankle_offset_sd_m"


@dataclass(frozen=True)
class SideVerdict:
    """One side's offset at midstance over its steps (percent of leg length; metres when scaled)."""

    side: str
    steps: int
    #: steps whose offset was measured (may be fewer than ``steps``)
    n: int
    median_pct: float | None
    q1_pct: float | None
    q3_pct: float | None
    #: median of the per-step standard uncertainties
    sd_pct: float | None
    median_m: float | None
    q1_m: float | None
    q3_m: float | None
    sd_m: float | None
    band: str | None
    sentence: str
    representative: Stance | None

    @property
    def reliable(self) -> bool:
        return self.n >= MIN_RELIABLE_STEPS


def _quartiles(values: list[float]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    # same estimator as the core's summary (numpy's linear percentiles), so the medians agree
    q1, med, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return float(q1), float(med), float(q3)


def _values(stances: tuple[Stance, ...], name: str) -> list[float]:
    return [v for s in stances if (v := s.get(name)) is not None and math.isfinite(v)]


def representative_stance(result: Result, side: str) -> Stance | None:
    """The stance whose offset is closest to the side's median: the typical step, not the best one.
    Ties go to the better-tracked stance. Without any offset, the middle stance of the side."""
    stances = result.stances_of(side)
    if not stances:
        return None
    measured = [s for s in stances if s.get(OFFSET) is not None]
    if not measured:
        return stances[len(stances) // 2]
    _, med, _ = _quartiles(_values(tuple(measured), OFFSET))
    assert med is not None
    return min(measured, key=lambda s: (abs(float(s.get(OFFSET) or 0.0) - med), -s.quality, s.midstance_s))


def side_verdicts(result: Result) -> dict[str, SideVerdict]:
    sentences = headline(result.summary)
    out: dict[str, SideVerdict] = {}
    for side in SIDES:
        stances = result.stances_of(side)
        pct = _values(stances, OFFSET)
        q1, med, q3 = _quartiles(pct)
        m = _values(stances, OFFSET_M)
        q1m, medm, q3m = _quartiles(m)
        sd = _values(stances, OFFSET_SD)
        sdm = _values(stances, OFFSET_SD_M)
        out[side] = SideVerdict(
            side=side,
            steps=int(result.summary.steps.get(side, len(stances))),
            n=len(pct),
            median_pct=med,
            q1_pct=q1,
            q3_pct=q3,
            sd_pct=float(np.median(sd)) if sd else None,
            median_m=medm,
            q1_m=q1m,
            q3_m=q3m,
            sd_m=float(np.median(sdm)) if sdm else None,
            band=offset_band(med),
            sentence=sentences.get(side, "not measured"),
            representative=representative_stance(result, side),
        )
    return out


# ------------------------------------------------------------------------------------ formatting


def quality_text(qualities: list[float]) -> str:
    """'median 0.92, lowest 0.75, none below 0.6' for the stances of one side; old results whose
    qualities are all exactly 0 (a bug fixed in the analysis) say so instead of flagging every step."""
    q = sorted(float(v) for v in qualities if math.isfinite(v))
    if not q:
        return "–"
    if q[-1] == 0.0:
        return "not recorded (result from an older version: analyse again for it)"
    low = sum(v < LOW_QUALITY for v in q)
    tail = f"{low} below {LOW_QUALITY:g} (low)" if low else f"none below {LOW_QUALITY:g}"
    return f"median {q[len(q) // 2]:.2f}, lowest {q[0]:.2f}, {tail}"


def low_quality(quality: float, all_qualities: list[float]) -> bool:
    """Whether to flag one stance: below LOW_QUALITY, unless the result records no quality at all."""
    return quality < LOW_QUALITY and any(v > 0 for v in all_qualities)


def signed(v: float | None, nd: int = 1, unit: str = "") -> str:
    """'+6.2 %' with a real minus sign; '–' when unknown."""
    if v is None or not math.isfinite(v):
        return "–"
    if round(v, nd) == 0:
        v = 0.0  # never "−0.0"
    text = f"{v:+.{nd}f}".replace("-", "−")
    return f"{text} {unit}".rstrip() if unit else text


def cm(v_m: float | None, nd: int = 1, sign: bool = True) -> str:
    if v_m is None or not math.isfinite(v_m):
        return "–"
    return signed(v_m * 100, nd, "cm") if sign else f"{abs(v_m) * 100:.{nd}f} cm"


BAND_WORDS = {
    "behind": "Hip behind the ankle",
    "barely ahead": "Hip barely ahead of the ankle",
    "ahead": "Hip ahead of the ankle",
}


def where_words(band: str | None) -> str:
    return BAND_WORDS.get(band or "", "Not measured")


def offset_phrase(pct: float | None, m: float | None) -> str:
    """'hip 6.2 cm ahead of the ankle (+7.1 % of leg)': plain words for one offset."""
    if pct is None:
        return "not measured"
    way = "ahead of" if pct >= 0 else "behind"
    if m is not None:
        return f"hip {abs(m) * 100:.1f} cm {way} the ankle ({signed(pct)} % of leg)"
    return f"hip {abs(pct):.1f} % of leg {way} the ankle"
