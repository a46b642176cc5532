"""Two views of one run (side + rear): aligned by their step rhythm and merged into one result.

The two clips start at different instants. The rear clip's contacts, shifted by an offset, should
land on the side clip's contacts of the same foot; the offset is found by trying every pairing of a
rear contact with a side contact of the same foot and keeping the shift under which most contacts
coincide (within 60 ms), ties broken by the smallest timing residual. On a steady treadmill the
rhythm repeats every stride, so a shift by whole strides fits almost as well: the stance-by-stance
pairing may then be off by whole strides, which leaves per-side medians and ranges unchanged."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from midstance.core.findings import make_findings
from midstance.core.result import Result, Stance, Warning_
from midstance.core.summary import summarise
from midstance.errors import InputError

#: frontal measures a rear view adds to a side-view result
REAR_METRICS = (
    "pelvic_drop_deg",
    "pelvis_obliquity_rom_deg",
    "pelvis_rotation_rom_deg",
    "trunk_side_bend_deg",
    "shoulder_rotation_rom_deg",
    "knee_fppa_deg",
    "step_width_m",
)
MATCH_S = 0.06


@dataclass(frozen=True)
class Alignment:
    offset_s: float  # add to rear times to get side times
    matched: int
    residual_s: float


def align_by_rhythm(side: tuple[Stance, ...], rear: tuple[Stance, ...]) -> Alignment:
    """The time shift that lines up the two clips' midstances of the same side (the lowest mid-hip is
    read alike from the side and from behind; contacts from behind are tens of ms late)."""
    best = Alignment(0.0, 0, float("inf"))
    s_ic = {k: np.array([s.midstance_s for s in side if s.side == k]) for k in ("left", "right")}
    r_ic = {k: np.array([s.midstance_s for s in rear if s.side == k]) for k in ("left", "right")}
    candidates = {round(float(a - b), 4) for k in s_ic for a in s_ic[k] for b in r_ic[k]}
    for off in candidates:
        matched, resid = 0, []
        for k in s_ic:
            if s_ic[k].size == 0 or r_ic[k].size == 0:
                continue
            shifted = r_ic[k] + off
            d = np.abs(shifted[:, None] - s_ic[k][None, :]).min(axis=1)
            ok = d < MATCH_S
            matched += int(ok.sum())
            resid.extend(d[ok].tolist())
        r = float(np.mean(resid)) if resid else float("inf")
        if matched > best.matched or (matched == best.matched and r < best.residual_s):
            best = Alignment(off, matched, r)
    return best


def check_pair(side: Result, rear: Result) -> list[Warning_]:
    """Errors for a pair that cannot be one run; warnings for a doubtful one."""
    if rear.runner.view == "side":
        raise InputError(
            f"{rear.source.path} looks like a side view (the feet swing across the frame); pass the clip "
            "filmed from behind with --rear"
        )
    if side.runner.view != "side":
        raise InputError(
            f"{side.source.path} is not a side view; pass the side-view clip first and the "
            "rear clip with --rear"
        )
    out = []
    leg_px, frame_h = rear.runner.leg_length_units, rear.source.height_px
    if rear.runner.units == "px" and frame_h and leg_px < 0.12 * frame_h:
        raise InputError(
            f"the runner is too small in the rear clip (legs about {leg_px:.0f} px of {frame_h} px); film from "
            "closer so the runner fills at least half the frame height"
        )
    cs, cr = side.summary.cadence_spm, rear.summary.cadence_spm
    if cs and cr and abs(cs - cr) / cs > 0.06:
        raise InputError(
            f"the clips do not look like the same run: cadence {cs:.0f} steps/min from the side, {cr:.0f} from "
            "behind; film both views of the same run (best at the same time)"
        )
    ds, dr = side.source.duration_s or 0.0, rear.source.duration_s or 0.0
    if ds and dr and max(ds, dr) / max(min(ds, dr), 1e-6) > 3:
        out.append(
            Warning_(
                "clip_lengths",
                f"the side clip lasts {ds:.0f} s and the rear clip {dr:.0f} s: "
                "only the overlapping rhythm is compared; film both for a similar time",
            )
        )
    return out


def merge_views(side: Result, rear: Result) -> Result:
    """One result: the side view's stances, with the frontal measures of the rear stance that lands
    on each (same foot, after alignment); summary and findings recomputed over both."""
    warnings = check_pair(side, rear)
    al = align_by_rhythm(side.stances, rear.stances)
    if al.matched < max(2, 0.3 * min(len(side.stances), len(rear.stances))):
        warnings.append(
            Warning_(
                "views_not_aligned",
                f"only {al.matched} steps of the two clips line up: "
                "the rear measures are summarised but not paired stance by stance",
            )
        )
    stances = []
    used: set[int] = set()
    for st in side.stances:
        best, best_d = None, MATCH_S
        for j, r in enumerate(rear.stances):
            d = abs(r.midstance_s + al.offset_s - st.midstance_s)
            if r.side == st.side and j not in used and d < best_d:
                best, best_d = j, d
        if best is None:
            stances.append(st)
            continue
        used.add(best)
        extra = {k: rear.stances[best].get(k) for k in REAR_METRICS if rear.stances[best].get(k) is not None}
        stances.append(replace(st, metrics={**st.metrics, **extra}))
    summary = summarise(stances)
    # rear stances that paired with nothing still count for the frontal summaries
    rear_summary = summarise(rear.stances).metrics
    metrics = dict(summary.metrics)
    for k in REAR_METRICS:
        if k in rear_summary and (
            k not in metrics
            or metrics[k].left.n + metrics[k].right.n < rear_summary[k].left.n + rear_summary[k].right.n
        ):
            metrics[k] = rear_summary[k]
    summary = replace(summary, metrics=metrics)
    findings = make_findings(stances, summary, side.runner.slope_pct, side.runner.leg_length_m is not None)
    analysis = dict(side.analysis)
    analysis.update(
        {
            "rear_source": rear.source.path,
            "rear_offset_s": f"{al.offset_s:.3f}",
            "rear_contacts_aligned": str(al.matched),
        }
    )
    rear_warn = [
        Warning_(w.code, f"rear view: {w.message}")
        for w in rear.warnings
        # the side view gives the events: the rear view's timing caveat does not apply
        if w.code not in {x.code for x in side.warnings} and w.code != "frontal_events"
    ]
    return replace(
        side,
        stances=tuple(stances),
        summary=summary,
        findings=findings,
        warnings=tuple(side.warnings) + tuple(rear_warn) + tuple(warnings),
        analysis=analysis,
    )
