"""Build the HTML report: pick the frames to show, fetch them from the video in one decode (in the
background while the plots are drawn), draw, and write one self-contained ``index.html``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePath

from midstance.core.analysis import Traces
from midstance.core.result import Result, Stance, result_from_dict
from midstance.errors import InputError
from midstance.report import html as page_html
from midstance.report.core_action import core_action
from midstance.report.folder import prepare_report_dir, write_atomic
from midstance.report.frames import Crop, grab_crops, open_video, time_scale
from midstance.report.frontal import (
    frontal_crop_requests,
    is_frontal,
    render_frontal,
    representative_by_drop,
    view_words,
)
from midstance.report.keyframes import KeyFrame, When, crop_requests, offset_label, render_keyframe
from midstance.report.plots import build_plots
from midstance.report.verdict import SIDES, side_verdicts
from midstance.video.decode import VideoInfo

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js as shipped inside the installed plotly package (never fetched from a CDN)."""
    try:
        js = (resources.files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise InputError(f"the report needs the plotly package ({exc}); reinstall midstance") from None
    # inline it safely: a literal "</script" would end the element early
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _picture(kf: KeyFrame, alt: str, caption: str) -> page_html.Picture:
    w, h = kf.image.size
    return page_html.Picture(
        uri=page_html.data_uri(kf.image, photo=kf.on_video),
        width=w,
        height=h,
        alt=alt,
        caption=caption,
        hip_x_px=kf.hip_x_px,
        ankle_x_px=kf.ankle_x_px,
        view=(kf.view.x0, kf.view.y0, kf.view.scale),
    )


def _caption(stance: Stance, when: When, kf: KeyFrame) -> str:
    label, _ = offset_label(stance, when)
    label = label.replace("-", "−")
    if when == "midstance":
        text = f"Midstance at {stance.midstance_s:.3f} s: {label}."
    else:
        fa = stance.get("foot_angle_ic_deg")
        foot = f" Foot angle {round(fa):+d}°".replace("-", "−") if fa is not None else ""
        foot += f" ({stance.foot_strike} strike)." if stance.foot_strike else ("." if foot else "")
        text = f"Initial contact at {stance.ic_s:.3f} s: {label}.{foot}"
    if kf.frame_index is not None and kf.frame_offset_ms is not None:
        text += (
            f" Video frame {kf.frame_index} is {abs(kf.frame_offset_ms):.0f} ms "
            f"{'after' if kf.frame_offset_ms >= 0 else 'before'} the event; the lines mark the exact instant."
        )
    return text


def _number_in_side(result: Result, stance: Stance) -> int:
    return result.stances_of(stance.side).index(stance) + 1


#: a second view of the same run: (its own result, its traces, its video), as ``run_full`` passes it
RearView = tuple[Result, Traces | None, Path | str | None]


@dataclass(frozen=True)
class _Frontal:
    """Where the rear/front pictures come from: the second clip, or the result itself."""

    result: Result
    traces: Traces | None
    video: Path | None
    info: VideoInfo | None
    #: seconds to add to this clip's times to get the main result's (0 when it is the result itself)
    shift_s: float
    second: bool


def _shift(result: Result) -> float:
    try:
        return float(result.analysis.get("rear_offset_s", 0.0))
    except (TypeError, ValueError):
        return 0.0


def _check_video(video: Path, result: Result, which: str) -> VideoInfo:
    if result.runner.units != "px":
        raise InputError(
            f"a video can only be drawn on for results measured on video or image keypoints; {which} is in "
            "metres (motion capture): leave out the video"
        )
    return open_video(video, result)


def _frontal_source(
    result: Result,
    traces: Traces | None,
    video: Path | None,
    info: VideoInfo | None,
    rear: RearView | None,
) -> _Frontal | None:
    if rear is not None:
        if not (isinstance(rear, tuple) and len(rear) == 3 and isinstance(rear[0], Result)):
            raise TypeError("rear must be a tuple (rear_result, rear_traces or None, rear_video or None)")
        rear_result, rear_traces, rear_video = rear
        if result.runner.view != "side":
            raise InputError(
                f"a second view was given, but {result.source.path} is itself a {result.runner.view} view; "
                "pass the side-view result first and the rear clip's as the second view"
            )
        if rear_result.runner.view not in ("rear", "front"):
            raise InputError(
                f"the second view ({rear_result.source.path}) is a {rear_result.runner.view} view; it must be "
                "filmed from behind (or in front)"
            )
        rv = Path(rear_video) if rear_video is not None else None
        rinfo = _check_video(rv, rear_result, "the rear result") if rv is not None else None
        return _Frontal(rear_result, rear_traces, rv, rinfo, _shift(result), True)
    if is_frontal(result):
        return _Frontal(result, traces, video, info, 0.0, False)
    return None


def _frontal_picture(fr: _Frontal, stance: Stance, kf: KeyFrame) -> page_html.Picture:
    words = view_words(fr.result)
    text = f"Seen {words}, midstance at {stance.midstance_s:.3f} s"
    if fr.second:
        text += f" of {PurePath(fr.result.source.path).name} (≈ {stance.midstance_s + fr.shift_s:.2f} s in the side clip)"
    drop = stance.get("pelvic_drop_deg")
    if drop is not None:
        way = "lower" if drop >= 0 else "higher"
        text += f": the swing-side hip is {abs(drop):.1f}° {way} than the stance hip"
    fppa = stance.get("knee_fppa_deg")
    if fppa is not None:
        text += f"; knee {'inside' if fppa > 0 else 'outside'} the hip–ankle line by {abs(fppa):.1f}°"
    text += "."
    if kf.frame_index is not None and kf.frame_offset_ms is not None:
        text += (
            f" Video frame {kf.frame_index} is {abs(kf.frame_offset_ms):.0f} ms "
            f"{'after' if kf.frame_offset_ms >= 0 else 'before'} midstance; the lines mark the exact instant."
        )
    return _picture(
        kf,
        f"{stance.side} leg at midstance seen {words}, with the hip line against the horizontal",
        text,
    )


def write_report(
    result: Result,
    out_dir: Path | str,
    *,
    traces: Traces | None = None,
    video: Path | str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    rear: RearView | None = None,
) -> Path:
    """Write ``out_dir/index.html`` (and ``result.json``) and return the HTML's path.

    ``video`` (the analysed clip) puts the key frames on the runner's own picture; without it they
    are stick figures. ``traces`` (from :func:`~midstance.core.analysis.analyze_with_traces`) add the
    whole body to the drawings and the knee-flexion plot. ``rear`` is a second view of the same run,
    ``(rear_result, rear_traces, rear_video)`` with the rear clip's own analysis (its own time base;
    ``result.analysis["rear_offset_s"]`` lines it up, see :func:`midstance.core.views.merge_views`):
    its typical midstance per side is shown next to the side view's, and its measures fill the core-action
    section. A result that is itself a rear or front view gets rear/front key frames throughout.
    Refuses a non-empty folder unless ``force`` (then replaces only ``index.html`` and ``result.json``)."""
    say = progress or (lambda stage, frac: None)
    video_path = Path(video) if video is not None else None
    info = None
    if video_path is not None:
        # the videos are checked before the folder is made, so a wrong one leaves nothing behind
        info = _check_video(video_path, result, "this result")
    fr = _frontal_source(result, traces, video_path, info, rear)
    folder = prepare_report_dir(Path(out_dir), force)
    frontal_only = fr is not None and not fr.second
    verdicts = side_verdicts(result)

    # side-view pictures (not for a result that is itself a rear/front view)
    keys: dict[str, tuple[Stance, When, bool]] = {}
    reps: dict[str, Stance] = {}
    if not frontal_only:
        reps = {side: v.representative for side, v in verdicts.items() if v.representative is not None}
        for side, st in reps.items():
            keys[f"key-{side}-midstance"] = (st, "midstance", False)
            keys[f"key-{side}-ic"] = (st, "ic", False)
        for i, st in enumerate(result.stances):
            keys[f"tile-{i}"] = (st, "midstance", True)
    # rear/front pictures
    fkeys: dict[str, tuple[Stance, bool]] = {}
    freps: dict[str, Stance] = {}
    if fr is not None:
        for side in SIDES:
            typical = representative_by_drop(fr.result, side)
            if typical is not None:
                freps[side] = typical
                fkeys[f"front-{side}"] = (typical, False)
        if frontal_only:
            for i, st in enumerate(result.stances):
                fkeys[f"tile-{i}"] = (st, True)

    say("report: plots", 0.0)
    crops: dict[str, Crop] = {}
    fcrops: dict[str, Crop] = {}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="midstance-frames") as pool:
        future = ffuture = None
        if video_path is not None and info is not None and keys:
            future = pool.submit(
                grab_crops, video_path, info, crop_requests(result, keys), time_scale(result)
            )
        if fr is not None and fr.video is not None and fr.info is not None and fkeys:
            ffuture = pool.submit(
                grab_crops, fr.video, fr.info, frontal_crop_requests(fr.result, fkeys), time_scale(fr.result)
            )
        # the plots are drawn while the frames decode (FFmpeg releases the GIL)
        plots = build_plots(
            result,
            traces,
            frontal=fr.result if fr is not None and fr.second else None,
            frontal_shift_s=fr.shift_s if fr is not None else 0.0,
        )
        say("report: frames", 0.5)
        if future is not None:
            crops = future.result()
        if ffuture is not None:
            fcrops = ffuture.result()

    fpics: dict[str, page_html.Picture] = {}
    if fr is not None:
        for side, st in freps.items():
            kf = render_frontal(fr.result, st, traces=fr.traces, crop=fcrops.get(f"front-{side}"))
            if kf is not None:
                fpics[side] = _frontal_picture(fr, st, kf)

    frames: list[page_html.SideFrames] = []
    if frontal_only:
        for side, st in freps.items():
            title = f"{side.capitalize()} foot down: step {_number_in_side(result, st)} of {len(result.stances_of(side))}"
            frames.append(page_html.SideFrames(side, title, (page_html.Shot(fpics.get(side), "ms"),)))
    for side, st in reps.items():
        pics: dict[str, page_html.Picture | None] = {}
        instants: tuple[When, When] = ("midstance", "ic")
        for when in instants:
            kf = render_keyframe(result, st, when, traces=traces, crop=crops.get(f"key-{side}-{when}"))
            pics[when] = (
                None
                if kf is None
                else _picture(
                    kf,
                    f"{side} leg at {'midstance' if when == 'midstance' else 'initial contact'} "
                    "with plumb lines through hip and ankle",
                    _caption(st, when, kf),
                )
            )
        shots = [page_html.Shot(pics["midstance"], "ms")]
        if fr is not None:
            shots.append(page_html.Shot(fpics.get(side), "rear-ms"))
        shots.append(page_html.Shot(pics["ic"], "ic"))
        title = f"{side.capitalize()}: step {_number_in_side(result, st)} of {len(result.stances_of(side))}"
        frames.append(page_html.SideFrames(side, title, tuple(shots)))

    tiles: list[page_html.Tile] = []
    for i, st in enumerate(result.stances):
        if frontal_only:
            assert fr is not None
            kf = render_frontal(result, st, traces=traces, crop=fcrops.get(f"tile-{i}"), tile=True)
            is_rep = freps.get(st.side) is st
        else:
            kf = render_keyframe(
                result, st, "midstance", traces=traces, crop=crops.get(f"tile-{i}"), tile=True
            )
            is_rep = reps.get(st.side) is st
        pic = None if kf is None else _picture(kf, f"stance {i + 1}, {st.side}, at midstance", "")
        tiles.append(page_html.Tile(i + 1, st, pic, is_rep))

    say("report: writing", 0.9)
    page = page_html.Page(
        result=result,
        verdicts=verdicts,
        frames=frames,
        tiles=tiles,
        plots=plots,
        plotly_js=plotly_js(),
        on_video=bool(crops) or (frontal_only and bool(fcrops)),
        has_traces=traces is not None,
        core=core_action(result, fr.result if fr is not None and fr.second else None),
        second_view=fr.result if fr is not None and fr.second else None,
        frontal_on_video=bool(fcrops),
    )
    index = folder / "index.html"
    write_atomic(folder / "result.json", result.to_json())
    write_atomic(index, page_html.render_page(page))
    say("report: done", 1.0)
    log.info("report written to %s", index)
    return index


def render_report_from_json(
    json_path: Path | str, out_dir: Path | str, *, video: Path | str | None = None, force: bool = False
) -> Path:
    """Re-render a report from a saved result JSON (no time series: fewer plots)."""
    p = Path(json_path)
    if not p.is_file():
        raise InputError(f"{p} does not exist or is not a file; pass a result JSON written by midstance")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{p} is not a text file; pass a result JSON written by midstance") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{p} is not valid JSON (line {exc.lineno}); pass a result JSON written by midstance"
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            f"{p} is not a midstance result (no JSON object); pass a result JSON written by midstance"
        )
    result = result_from_dict(data)
    return write_report(result, out_dir, video=video, force=force)
