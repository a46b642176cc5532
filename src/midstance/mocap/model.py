"""From raw markers to the keypoints the gait core needs (hip joint centres, knee, ankle, foot).

Pure: takes :class:`MarkerData` (already read from files) and returns :class:`WorldKeypoints`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from midstance.core.series import SourceInfo, WorldKeypoints
from midstance.errors import InputError
from midstance.mocap.data import MarkerData
from midstance.mocap.geometry import carry_rigid, fill_rigid, harrington_hjc
from midstance.mocap.presets import PRESETS, MarkerPreset, alias_preset

log = logging.getLogger(__name__)

SIDES = ("left", "right")


@dataclass(frozen=True)
class _Found:
    preset: MarkerPreset
    score: int
    missing: tuple[str, ...]


def _present(md: MarkerData, name: str) -> bool:
    a = md.markers.get(name)
    return a is not None and bool(np.isfinite(a).all(axis=1).any())


def _first(md: MarkerData, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if _present(md, n)), None)


def _all(md: MarkerData, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if _present(md, n)]


def _evaluate(preset: MarkerPreset, md: MarkerData, static: MarkerData | None) -> _Found:
    score, missing = 0, []
    sacrum = _first(md, preset.sacrum)
    for side in SIDES:
        hip_ok = bool(_first(md, preset.names("hjc", side))) or (
            bool(_first(md, preset.names("asis", side)))
            and (bool(_first(md, preset.names("psis", side))) or sacrum is not None)
        )
        checks = {
            "hip": hip_ok,
            "knee": bool(_first(md, preset.names("knee", side)))
            or _can_rebuild(preset, md, static, "knee", side),
            "ankle": bool(_first(md, preset.names("ankle", side)))
            or _can_rebuild(preset, md, static, "ankle", side),
            "foot": bool(_all(md, preset.names("foot", side)) or _all(md, preset.names("heel", side))),
        }
        for what, ok in checks.items():
            if ok:
                score += 1
            else:
                missing.append(f"{side} {what}")
    return _Found(preset, score, tuple(missing))


def _can_rebuild(
    preset: MarkerPreset, md: MarkerData, static: MarkerData | None, role: str, side: str
) -> bool:
    if static is None:
        return False
    cluster_role = "thigh" if role == "knee" else "shank"
    target = _first(static, preset.names(role, side))
    cluster = [c for c in preset.names(cluster_role, side) if _present(md, c) and _present(static, c)]
    return target is not None and len(cluster) >= 3


def choose_preset(
    md: MarkerData, static: MarkerData | None = None, preset: MarkerPreset | None = None
) -> _Found:
    """The preset that finds the most required points (hip, knee, ankle, foot per side)."""
    candidates = [preset] if preset is not None else [*PRESETS, alias_preset(md.markers)]
    found = max((_evaluate(p, md, static) for p in candidates), key=lambda f: f.score)
    return found


def build_keypoints(
    md: MarkerData, static: MarkerData | None = None, preset: MarkerPreset | None = None
) -> WorldKeypoints:
    """Hip joint centres (Harrington 2007), knee/ankle landmarks (rebuilt from the static trial's
    clusters when absent), heel, toe and foot-contact markers, shoulders and pelvis landmarks."""
    found = choose_preset(md, static, preset)
    p = found.preset
    if found.missing:
        essential = [m for m in found.missing if not m.endswith("knee")]
        if essential:
            labels = ", ".join(sorted(md.markers)[:12])
            raise InputError(
                f"{md.path}: cannot find the markers for {', '.join(found.missing)} "
                f"(closest preset '{p.name}'; markers start {labels} …); pass --markers MAPPING.json "
                f"naming them (see docs/formats.md)"
            )
    warnings: list[tuple[str, str]] = list(md.warnings)
    markers = dict(md.markers)
    n = md.n_frames
    points: dict[str, np.ndarray] = {}
    meta: dict[str, str] = {"marker_preset": p.name}

    # --- pelvis: fill gaps from the rigid pelvis, then hip joint centres
    sacrum = _first(md, p.sacrum)
    pelvis_names: dict[str, str] = {}
    for side in SIDES:
        for role in ("asis", "psis", "pelvis_extra"):
            name = _first(md, p.names(role, side))
            if name:
                pelvis_names[f"{side}_{role}"] = name
    cluster = sorted(set(pelvis_names.values()) | ({sacrum} if sacrum else set()))
    if len(cluster) >= 4:
        filled, count = fill_rigid({c: markers[c] for c in cluster}, cluster)
        markers.update(filled)
        if count:
            warnings.append(
                (
                    "pelvis_gaps_filled",
                    f"{count} missing pelvis-marker samples rebuilt from the other pelvis markers",
                )
            )
    for side in SIDES:
        hjc = _first(md, p.names("hjc", side))
        if hjc:
            points[f"{side}_hip"] = markers[hjc]
    if "left_hip" not in points or "right_hip" not in points:
        la, ra = markers[pelvis_names["left_asis"]], markers[pelvis_names["right_asis"]]
        lp = markers[pelvis_names["left_psis"]] if "left_psis" in pelvis_names else markers[sacrum or ""]
        rp = markers[pelvis_names["right_psis"]] if "right_psis" in pelvis_names else markers[sacrum or ""]
        lh, rh = harrington_hjc(la, ra, lp, rp)
        points.setdefault("left_hip", lh)
        points.setdefault("right_hip", rh)
        points["left_asis"], points["right_asis"] = la, ra
        points["left_psis"], points["right_psis"] = lp, rp
        meta["hip_model"] = "Harrington 2007 regression from ASIS/PSIS"
    else:
        meta["hip_model"] = "hip joint centre markers"

    # --- knee and ankle landmarks, rebuilt from the static trial where the trial lacks them
    for side in SIDES:
        for role in ("knee", "ankle"):
            name = _first(md, p.names(role, side))
            if name:
                points[f"{side}_{role}"] = markers[name]
                continue
            if not _can_rebuild(p, md, static, role, side):
                continue
            assert static is not None
            ref = static.mean_pose()
            target_name = _first(static, p.names(role, side))
            cl = [
                c
                for c in p.names("thigh" if role == "knee" else "shank", side)
                if _present(md, c) and c in ref
            ]
            traj, rms = carry_rigid(ref, dict(markers), cl, ref[str(target_name)])
            points[f"{side}_{role}"] = traj
            meta[f"{side}_{role}_rebuilt"] = f"from static trial via {len(cl)}-marker cluster"
            bad = np.nanmax(rms) if np.isfinite(rms).any() else float("nan")
            if np.isfinite(bad) and bad > 0.01:
                warnings.append(
                    (
                        "cluster_fit",
                        f"{side} {role}: rigid cluster fit residual up to {bad * 1000:.0f} mm "
                        "(a loose marker?); the landmark may be off in those frames",
                    )
                )
        heel = _first(md, p.names("heel", side))
        toes = _all(md, p.names("toe", side))
        foot = _all(md, p.names("foot", side)) or ([heel] if heel else [])
        if heel:
            points[f"{side}_heel"] = markers[heel]
        if toes:
            points[f"{side}_toe"] = (
                np.nanmean(np.stack([markers[t] for t in toes]), axis=0)
                if len(toes) > 1
                else markers[toes[0]]
            )
        for k, name in enumerate(foot):
            points[f"{side}_foot_{k}"] = markers[name]
        sh = _first(md, p.names("shoulder", side))
        if sh:
            points[f"{side}_shoulder"] = markers[sh]
    standing: dict[str, np.ndarray] = {}
    if static is not None:
        meta["static_trial"] = static.path
        ref = static.mean_pose()
        for side in SIDES:
            heel = _first(static, p.names("heel", side))
            toes = [t for t in p.names("toe", side) if t in ref]
            if heel in ref and toes:
                standing[f"{side}_heel"] = ref[str(heel)]
                standing[f"{side}_toe"] = np.mean([ref[t] for t in toes], axis=0)

    missing_knee = [s for s in SIDES if f"{s}_knee" not in points]
    if missing_knee:
        warnings.append(
            (
                "no_knee_marker",
                f"no knee marker for the {' and '.join(missing_knee)} side: knee angles are not reported",
            )
        )
    return WorldKeypoints(
        time_s=md.time_s,
        points=points,
        source=SourceInfo(
            path=md.path, kind="mocap", fps=md.rate_hz, duration_s=float(md.time_s[-1]), frame_count=n
        ),
        meta=meta,
        import_warnings=tuple(warnings),
        up_axis=md.up_axis,
        up_sign=md.up_sign,
        forward_axis=md.forward_axis,
        forward_sign=md.forward_sign,
        setting_hint=None if md.treadmill is None else ("treadmill" if md.treadmill else "overground"),
        standing=standing,
    )
