"""One way in per kind of input, one result out: the glue every front end (CLI, web, batch) calls.

This module reads files and runs pose; the gait core it calls does neither."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from midstance.core.analysis import analyze
from midstance.core.result import Result
from midstance.core.series import ImageKeypoints, WorldKeypoints
from midstance.errors import InputError
from midstance.settings import AnalysisSettings

log = logging.getLogger(__name__)

#: progress callback: (stage description, fraction 0..1 of the whole job)
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class InputOptions:
    """How to read an input (settings that belong to the importers, not the gait core)."""

    fps: float | None = None
    units: str | None = None
    markers: Path | None = None
    static: Path | None = None
    person: int | None = None
    capture_fps: float | None = None
    #: pose on every k-th frame only (1 = every frame; 2 halves pose time on 60 fps clips)
    frame_stride: int = 1
    #: where pose keypoints are cached (and reused) for a video input
    keypoints_cache: Path | None = None
    #: replace a keypoint cache that belongs to another clip or other pose settings
    force: bool = False
    #: a second clip of the same run filmed from behind (adds pelvis and core-action measures)
    rear: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)


def input_kind(path: Path) -> str:
    from midstance.io import sniff

    if not path.exists():
        raise InputError(f"{path} does not exist; check the path")
    return sniff(path)


def load_input(
    path: Path, options: InputOptions, progress: Progress | None = None
) -> ImageKeypoints | WorldKeypoints:
    """Read any supported input into keypoints (pose runs here for video)."""
    kind = input_kind(path)
    if kind in ("c3d", "trc", "rbds", "marker_table"):
        return load_mocap(path, options)
    if kind in ("keypoint_csv", "openpose"):
        from midstance.io import load_keypoints

        return load_keypoints(path, options.fps)
    if kind == "video":
        return load_video(path, options, progress)
    if kind == "image":
        raise InputError(
            f"{path.name} is a still image; pass a video of the runner (or keypoints or motion capture)"
        )
    raise InputError(
        f"{path.name}: unsupported input; pass a video, a keypoint CSV, an OpenPose folder, C3D or TRC"
    )


def load_mocap(path: Path, options: InputOptions) -> WorldKeypoints:
    from midstance.io import find_static_trial, load_markers
    from midstance.mocap.model import build_keypoints
    from midstance.mocap.presets import preset_from_mapping

    md = load_markers(path, options.units)
    static_path = options.static or find_static_trial(path)
    static = load_markers(static_path, options.units) if static_path else None
    preset = preset_from_mapping(options.markers) if options.markers else None
    return build_keypoints(md, static, preset)


def load_video(path: Path, options: InputOptions, progress: Progress | None) -> ImageKeypoints:
    """Pose on a video. With ``options.keypoints_cache``, keypoints saved by an earlier run on the
    same file with the same pose settings are reused (re-analysing with other settings skips pose);
    a cache of another video or other settings is replaced only with ``options.force``."""
    try:
        from midstance.pose import PoseSettings, load_if_valid, video_to_keypoints
    except ImportError as exc:  # pragma: no cover - only when the video extras are missing
        raise InputError(
            f"video input needs the pose model package ({exc.name}); reinstall midstance"
        ) from None

    def cb(done: int, total: int) -> None:
        if progress and total:
            progress("pose", 0.9 * done / total)

    settings = PoseSettings(
        frame_stride=options.frame_stride, person=options.person, capture_fps=options.capture_fps
    )
    cache = options.keypoints_cache
    extra: list[tuple[str, str]] = []
    if cache is not None and cache.exists() and not options.force:
        hit = load_if_valid(cache, path, settings.cache_key())
        if hit is not None:
            return hit[0]  # the cached keypoints carry the video's warnings
        extra.append(
            (
                "keypoints_cache_kept",
                f"{cache} holds keypoints of another clip or pose settings; it was "
                "left as it is (pass --force to replace it)",
            )
        )
        cache = None
    kp, _ = video_to_keypoints(path, settings=settings, progress=cb, cache_path=cache)
    # the keypoints carry the video's warnings already
    return replace(kp, import_warnings=tuple(kp.import_warnings) + tuple(extra))


def run(
    path: Path,
    settings: AnalysisSettings,
    options: InputOptions | None = None,
    progress: Progress | None = None,
) -> Result:
    """Read ``path`` and analyse it."""
    options = options or InputOptions()
    _check_settings(settings, options)
    kp = load_input(path, options, progress)
    say = progress or (lambda stage, frac: None)
    return analyze(kp, settings, progress=lambda stage, f: say(stage, 0.9 + 0.1 * f))


def _check_settings(settings: AnalysisSettings, options: InputOptions) -> None:
    if options.fps is not None and options.fps <= 0:
        raise InputError(f"--fps must be positive, got {options.fps:g}")
    if settings.kinematics_cutoff_hz <= 0:
        raise InputError("--cutoff-hz must be positive (10 Hz is the default)")
    if settings.height_cm is not None and not 80 <= settings.height_cm <= 250:
        raise InputError(
            f"--height-cm {settings.height_cm:g} is not a plausible height; give it in centimetres (e.g. 178)"
        )
    if not -40 <= settings.slope_pct <= 40:
        raise InputError(
            f"--slope-pct {settings.slope_pct:g} is not a plausible grade; give percent, e.g. -5 "
            "for 5 % downhill"
        )


@dataclass(frozen=True)
class OutputPlan:
    """Where one analysis writes its outputs (any may be None). Nothing existing is overwritten
    unless ``force``; every place is checked before the analysis starts."""

    json: Path | None = None
    csv: Path | None = None
    report_dir: Path | None = None
    overlay: Path | None = None
    overlay_slowdown: float = 1.0
    force: bool = False

    def targets(self) -> list[tuple[Path, str]]:
        out = []
        for p, what in (
            (self.json, "JSON output"),
            (self.csv, "CSV output"),
            (self.report_dir, "report folder"),
            (self.overlay, "overlay video"),
        ):
            if p is not None:
                out.append((p, what))
        return out


def check_plan(path: Path, plan: OutputPlan) -> None:
    from midstance.outputs import check_writable

    targets = plan.targets()
    resolved = [p.resolve() for p, _ in targets]
    if len(set(resolved)) != len(resolved):
        raise InputError("two outputs point to the same path; give each output its own name")
    if path.exists() and path.resolve() in resolved:
        raise InputError("an output path is the input file itself; choose another output path")
    for p, what in targets:
        check_writable(p, plan.force, what)


def run_full(
    path: Path,
    settings: AnalysisSettings,
    options: InputOptions | None = None,
    plan: OutputPlan | None = None,
    progress: Progress | None = None,
) -> Result:
    """Read, analyse and write every output of ``plan`` — the whole job of every front end."""
    from midstance.core.analysis import analyze_with_traces
    from midstance.outputs import write_text_atomic

    options = options or InputOptions()
    plan = plan or OutputPlan()
    if (
        options.rear is not None
        and options.rear.exists()
        and path.exists()
        and options.rear.resolve() == path.resolve()
    ):
        raise InputError("--rear is the same file as the side clip; pass the clip filmed from behind")
    check_plan(path, plan)
    _check_settings(settings, options)
    say = progress or (lambda stage, frac: None)
    kp = load_input(path, options, (lambda st, f: say(st, 0.5 * f)) if options.rear else say)
    result, traces = analyze_with_traces(kp, settings, progress=lambda stage, f: say(stage, 0.85 + 0.05 * f))
    rear = None
    if options.rear is not None:
        from midstance.core.views import merge_views

        rear_kp = load_input(options.rear, options, lambda st, f: say(f"rear {st}", 0.45 + 0.4 * f))
        rear_result, rear_traces = analyze_with_traces(rear_kp, settings)
        result = merge_views(result, rear_result)
        rear = (rear_result, rear_traces, options.rear if rear_result.source.kind == "video" else None)
    if plan.json:
        write_text_atomic(plan.json, result.to_json())
    if plan.csv:
        write_text_atomic(plan.csv, result.to_csv())
    video = path if result.source.kind == "video" else None
    if plan.report_dir is not None:
        from midstance.report import write_report

        say("report", 0.9)
        write_report(result, plan.report_dir, traces=traces, video=video, force=plan.force, rear=rear)
    if plan.overlay is not None:
        if video is None:
            raise InputError(
                "--overlay needs a video input; motion capture and keypoints have no frames to draw on"
            )
        from midstance.report import write_overlay

        say("overlay", 0.95)
        write_overlay(result, traces, video, plan.overlay, slowdown=plan.overlay_slowdown, force=plan.force)
    say("done", 1.0)
    return result
