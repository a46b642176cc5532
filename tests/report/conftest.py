"""Inputs for the report tests: real motion capture, the sample clip with its keypoints, a synthetic
runner filmed as a video we render ourselves, hand-made results with known positions, and Debian's
chromium driven by Playwright.

``data/gaitlab_male_side.keypoints.csv`` is the pose output for ``samples/gaitlab_male_side.mp4``
(contract points only), saved with ``midstance.pose.save_keypoints`` so the tests need not run pose
(15 s) to get a real video result. Regenerate it after a pose change with::

    python -c "from pathlib import Path; from dataclasses import replace; \\
    from midstance.pose import video_to_keypoints, save_keypoints, PoseSettings; \\
    from midstance.core.series import CONTRACT_POINTS as C; p = Path('samples/gaitlab_male_side.mp4'); \\
    kp, w = video_to_keypoints(p); kp = replace(kp, points={k: v for k, v in kp.points.items() if k in C}, \\
    confidence={k: v for k, v in kp.confidence.items() if k in C}); \\
    save_keypoints(kp, 'tests/report/data/gaitlab_male_side.keypoints.csv', video_path=p, \\
    settings=PoseSettings().cache_key(), warnings=w)"
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from midstance.core.analysis import Traces, analyze_with_traces
from midstance.core.result import Result, Runner, Source, Stance
from midstance.core.summary import summarise
from midstance.core.synthetic import SyntheticRunner

REPO = Path(__file__).resolve().parents[2]
SAMPLE_VIDEO = REPO / "samples" / "gaitlab_male_side.mp4"
SAMPLE_C3D = REPO / "samples" / "Running_0002.c3d"
SAMPLE_KEYPOINTS = Path(__file__).parent / "data" / "gaitlab_male_side.keypoints.csv"
SCREENS = Path("/tmp/midstance-screens")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Case:
    """A result with what it was made from."""

    result: Result
    traces: Traces | None
    video: Path | None


# ------------------------------------------------------------------------------------ real inputs


@pytest.fixture(scope="session")
def c3d_case() -> Case:
    from midstance.pipeline import InputOptions, load_input

    result, traces = analyze_with_traces(load_input(SAMPLE_C3D, InputOptions()))
    return Case(result, traces, None)


@pytest.fixture(scope="session")
def rbds_case(mocap_dir: Path) -> Case:
    from midstance.pipeline import InputOptions, load_input

    result, traces = analyze_with_traces(load_input(mocap_dir / "RBDS001runT25markers.txt", InputOptions()))
    return Case(result, traces, None)


@pytest.fixture(scope="session")
def video_case() -> Case:
    """The sample clip analysed from its stored pose keypoints."""
    from midstance.pose.cache import load_keypoints

    kp, _ = load_keypoints(SAMPLE_KEYPOINTS, SAMPLE_VIDEO)
    result, traces = analyze_with_traces(kp)
    assert result.source.kind == "video"
    return Case(result, traces, SAMPLE_VIDEO)


# ------------------------------------------------------------------------------------ synthetic video

SYN_W, SYN_H, SYN_FPS = 480, 640, 30
SIDE_LIMBS = (
    ("left_shoulder", "left_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_heel", "left_toe"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_heel", "right_toe"),
)
#: seen from behind both legs and the pelvis show
REAR_LIMBS = (
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"),
)


def render_video(
    points: dict[str, np.ndarray],
    n: int,
    path: Path,
    fps: int = SYN_FPS,
    size: tuple[int, int] = (SYN_W, SYN_H),
    limbs: tuple[tuple[str, str], ...] = SIDE_LIMBS,
) -> Path:
    """Film the synthetic runner: a textured background and thick limbs through the keypoints, H.264."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    background = np.stack([40 + (xx * 60 // w), 60 + (yy * 80 // h), 90 + ((xx + yy) % 64)], axis=-1).astype(
        np.uint8
    )
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18"}
        for i in range(n):
            img = Image.fromarray(background.copy())
            draw = ImageDraw.Draw(img)
            for a, b in limbs:
                pa, pb = points[a][i], points[b][i]
                if np.isfinite(pa).all() and np.isfinite(pb).all():
                    draw.line([tuple(pa), tuple(pb)], fill=(235, 225, 210), width=9)
            frame = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.fixture(scope="session")
def synthetic_case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A synthetic runner (known offsets) and a video of it whose frames match its keypoints."""
    trial = SyntheticRunner(rate_hz=SYN_FPS, duration_s=4.0).image(
        facing="left", px_per_m=250, width=SYN_W, height=SYN_H
    )
    kp = trial.keypoints
    video = render_video(dict(kp.points), kp.n_frames, tmp_path_factory.mktemp("synvideo") / "runner.mp4")
    result, traces = analyze_with_traces(kp)
    return Case(result, traces, video)


# ------------------------------------------------------------------------------------ two views of one run

REAR_SIZE = (540, 960)


def _cut(kp: Any, start_s: float, stop_s: float) -> Any:
    from dataclasses import replace

    m = (kp.time_s >= start_s) & (kp.time_s < stop_s)
    n = int(m.sum())
    return replace(
        kp,
        source=replace(kp.source, frame_count=n, duration_s=n / kp.source.fps if kp.source.fps else None),
        time_s=kp.time_s[m] - kp.time_s[m][0],
        points={k: v[m] for k, v in kp.points.items()},
        confidence={k: v[m] for k, v in kp.confidence.items()},
    )


@dataclass(frozen=True)
class TwoViews:
    """One run (RBDS001's motion capture) filmed by a virtual side camera (0–10 s) and a virtual rear
    camera started 2 s later (8 s), analysed alone and merged; ``rear.video`` is a rendered rear clip."""

    side: Case
    rear: Case
    merged: Result
    #: the keypoints each camera saw (for the pipeline)
    side_kp: Any
    rear_kp: Any


@pytest.fixture(scope="session")
def two_views(mocap_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TwoViews:
    from dataclasses import replace

    from midstance.core.camera import VirtualCamera
    from midstance.core.series import CONTRACT_POINTS
    from midstance.core.views import merge_views
    from midstance.pipeline import InputOptions, load_mocap
    from midstance.settings import AnalysisSettings

    kp = load_mocap(mocap_dir / "RBDS001runT25markers.txt", InputOptions())
    kp = replace(kp, points={k: v for k, v in kp.points.items() if k in CONTRACT_POINTS})
    settings = AnalysisSettings(height_cm=181)
    side_kp = _cut(VirtualCamera(view="left", fps=30, noise_px=1.0).project(kp), 0.0, 10.0)
    w, h = REAR_SIZE
    rear_cam = VirtualCamera(view="rear", fps=30, noise_px=0.5, width_px=w, height_px=h, focal_px=750.0)
    rear_kp = _cut(rear_cam.project(kp), 2.0, 10.0)
    side, side_traces = analyze_with_traces(side_kp, settings)
    rear, rear_traces = analyze_with_traces(rear_kp, settings)
    video = render_video(
        dict(rear_kp.points),
        rear_kp.n_frames,
        tmp_path_factory.mktemp("rearvideo") / "rear.mp4",
        size=REAR_SIZE,
        limbs=REAR_LIMBS,
    )
    return TwoViews(
        Case(side, side_traces, None),
        Case(rear, rear_traces, video),
        merge_views(side, rear),
        side_kp,
        rear_kp,
    )


# ------------------------------------------------------------------------------------ hand-made results


def make_result(
    stances: list[dict[str, Any]],
    *,
    units: str = "px",
    width: int = 640,
    height: int = 480,
    path: str = "clip.mp4",
    leg: float = 200.0,
    warnings: tuple[tuple[str, str], ...] = (),
) -> Result:
    """A result with the given stances: each a dict with side, times and points (and metrics)."""
    from midstance.core.result import Warning_

    built = []
    for s in stances:
        metrics = {
            k: v
            for k, v in s.items()
            if k.endswith(("_pct_leg", "_m", "_deg", "_s")) and k not in ("ic_s", "to_s", "midstance_s")
        }
        built.append(
            Stance(
                side=s["side"],
                ic_s=s["ic_s"],
                to_s=s["to_s"],
                midstance_s=s["midstance_s"],
                ic_frame=s.get("ic_frame", 0),
                to_frame=s.get("to_frame", 0),
                midstance_frame=s.get("midstance_frame", 0),
                metrics=metrics,
                foot_strike=s.get("foot_strike"),
                quality=s.get("quality", 0.9),
                points=s["points"],
            )
        )
    return Result(
        source=Source(
            path,
            "video" if units == "px" else "mocap",
            30.0,
            2.0,
            60,
            width if units == "px" else None,
            height if units == "px" else None,
        ),
        runner=Runner(
            None,
            "side",
            "right" if units == "px" else None,
            "treadmill",
            None if units == "px" else leg,
            leg_length_units=leg,
            units=units,
        ),
        stances=tuple(built),
        summary=summarise(built),
        findings=(),
        warnings=tuple(Warning_(c, m) for c, m in warnings),
    )


def standing_points(hip_x: float, ankle_x: float, hip_y: float = 200.0, leg: float = 200.0) -> dict[str, Any]:
    """Image-frame key points of a runner facing right with the given hip and ankle columns."""
    return {
        "mid_hip": (hip_x, hip_y),
        "mid_shoulder": (hip_x + 10, hip_y - 0.9 * leg),
        "hip": (hip_x + 2, hip_y + 3),
        "knee": (hip_x + 25, hip_y + 0.5 * leg),
        "ankle": (ankle_x, hip_y + 0.95 * leg),
        "heel": (ankle_x - 12, hip_y + 1.05 * leg),
        "toe": (ankle_x + 35, hip_y + 1.07 * leg),
    }


@pytest.fixture
def result_factory() -> Callable[..., Result]:
    return make_result


@pytest.fixture
def points_factory() -> Callable[..., dict[str, Any]]:
    return standing_points


# ------------------------------------------------------------------------------------ drawn lines


def line_columns(
    image: Image.Image, colour: tuple[int, int, int], tol: int = 0, min_share: float = 0.5
) -> list[int]:
    """Columns in which at least ``min_share`` of the pixels have ``colour`` (± ``tol`` per channel)."""
    a = np.asarray(image.convert("RGB")).astype(int)
    hit = (np.abs(a - np.array(colour)) <= tol).all(axis=-1)
    share = hit.mean(axis=0)
    return [int(c) for c in np.nonzero(share >= min_share)[0]]


def line_centre(
    image: Image.Image, colour: tuple[int, int, int], tol: int = 0, min_share: float = 0.5
) -> float:
    cols = line_columns(image, colour, tol, min_share)
    assert cols, f"no line of colour {colour} found"
    assert cols[-1] - cols[0] <= 8, f"more than one line of colour {colour}: columns {cols}"
    return (cols[0] + cols[-1]) / 2


@pytest.fixture
def find_line() -> Callable[..., float]:
    return line_centre


# ------------------------------------------------------------------------------------ browser


def need_chromium() -> None:
    """Browser tests fail (never skip) without the browser, saying how to get it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: run scripts/install-browser (installs Debian's chromium) and re-run the tests"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail(
            "the playwright Python package is missing: install the dev extras (pip install -e '.[dev]')"
        )


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    """The session's shared chromium (see tests/conftest.py); ``.get()`` gives the Playwright browser."""
    need_chromium()
    return chromium


@pytest.fixture(scope="session")
def keep_screenshot() -> Callable[[Path, str], Path]:
    """Copy a screenshot (taken under tmp_path) to /tmp/midstance-screens/ for people to look at."""

    def keep(src: Path, name: str) -> Path:
        dest = SCREENS / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return dest

    return keep
