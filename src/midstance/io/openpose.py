"""OpenPose output: a folder of ``*_keypoints.json``, one file per frame.

OpenPose writes no time stamps, so the frame rate must come from the user (``--fps``); the frame
number in each file name places it in time, which keeps skipped frames where they belong."""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from midstance.core.series import ImageKeypoints, SourceInfo
from midstance.errors import InputError
from midstance.io.codes import warning

log = logging.getLogger(__name__)

#: OpenPose BODY_25 indices of the points we keep (toe = big toe, as in DESIGN.md §2)
BODY_25: dict[str, int] = {
    "nose": 0,
    "neck": 1,
    "right_shoulder": 2,
    "right_elbow": 3,
    "right_wrist": 4,
    "left_shoulder": 5,
    "left_elbow": 6,
    "left_wrist": 7,
    "mid_hip": 8,
    "right_hip": 9,
    "right_knee": 10,
    "right_ankle": 11,
    "left_hip": 12,
    "left_knee": 13,
    "left_ankle": 14,
    "left_toe": 19,
    "left_heel": 21,
    "right_toe": 22,
    "right_heel": 24,
}
#: COCO-18 (OpenPose's older body model): no feet
COCO_18: dict[str, int] = {
    "nose": 0,
    "neck": 1,
    "right_shoulder": 2,
    "right_elbow": 3,
    "right_wrist": 4,
    "left_shoulder": 5,
    "left_elbow": 6,
    "left_wrist": 7,
    "right_hip": 8,
    "right_knee": 9,
    "right_ankle": 10,
    "left_hip": 11,
    "left_knee": 12,
    "left_ankle": 13,
}
MODELS: dict[int, tuple[str, dict[str, int]]] = {25: ("BODY_25", BODY_25), 18: ("COCO", COCO_18)}

_FRAME_NUMBER = re.compile(r"(\d+)(?!.*\d)")
_SUFFIX = "_keypoints.json"
#: how far (in person heights) the followed person may move per frame before a detection is
#: taken to be someone else; running moves well under 0.2 heights per frame even at 30 fps
_MAX_STEP_HEIGHTS = 0.5


def openpose_files(folder: Path) -> list[Path]:
    """The folder's ``*_keypoints.json`` files, or any ``*.json`` if none is named that way."""
    files = [f for f in folder.iterdir() if f.is_file() and f.name.lower().endswith(_SUFFIX)]
    if not files:
        files = [f for f in folder.iterdir() if f.is_file() and f.suffix.lower() == ".json"]
    return files


def _frame_number(f: Path) -> int | None:
    m = _FRAME_NUMBER.search(f.name[: -len(_SUFFIX)] if f.name.lower().endswith(_SUFFIX) else f.stem)
    return int(m.group(1)) if m else None


def _people(f: Path) -> list[np.ndarray]:
    """Each person's (k, 3) array of x, y, confidence in one frame file."""
    try:
        doc = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{f.name} is not readable OpenPose JSON ({exc}); re-run OpenPose or remove it"
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("people"), list):
        raise InputError(f"{f.name} is not an OpenPose keypoints file (no 'people' list)")
    people = []
    for person in doc["people"]:
        flat = (
            person.get("pose_keypoints_2d", person.get("pose_keypoints"))
            if isinstance(person, dict)
            else None
        )
        if not flat:
            continue
        try:
            arr = np.asarray(flat, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{f.name}: pose_keypoints_2d holds non-numbers; re-run OpenPose") from exc
        if arr.ndim != 1 or arr.size % 3:
            raise InputError(f"{f.name}: pose_keypoints_2d has {arr.size} values, not a multiple of 3")
        people.append(arr.reshape(-1, 3))
    return people


@dataclass
class _Track:
    """The followed person's last pose and size."""

    pose: np.ndarray
    height: float
    frames_lost: int = 0


def _valid(person: np.ndarray) -> np.ndarray:
    return person[:, 2] > 0


def _height(person: np.ndarray) -> float:
    ok = _valid(person)
    if ok.sum() < 2:
        return 0.0
    xy = person[ok, :2]
    return float(np.max(np.ptp(xy, axis=0)))


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Median distance over points seen in both poses (robust to a few swapped or missing points);
    centroid distance when they share fewer than 3 points."""
    both = _valid(a) & _valid(b)
    if both.sum() >= 3:
        return float(np.median(np.linalg.norm(a[both, :2] - b[both, :2], axis=1)))
    if not _valid(a).any() or not _valid(b).any():
        return math.inf
    return float(np.linalg.norm(a[_valid(a), :2].mean(axis=0) - b[_valid(b), :2].mean(axis=0)))


def _choose(people: list[np.ndarray], track: _Track | None) -> tuple[int | None, _Track | None]:
    """Index of the followed person in this frame (``None`` if not seen) and the updated track."""
    if not people:
        if track is not None:
            track.frames_lost += 1
        return None, track
    if track is None:
        best = max(range(len(people)), key=lambda i: _height(people[i]))
        if _height(people[best]) == 0.0:
            return None, None
        return best, _Track(people[best].copy(), _height(people[best]))
    dists = [_distance(p, track.pose) for p in people]
    best = int(np.argmin(dists))
    # The gate widens while the person is out of sight, since they keep moving meanwhile.
    gate = track.height * _MAX_STEP_HEIGHTS * (1 + track.frames_lost)
    if not math.isfinite(dists[best]) or dists[best] > gate:
        track.frames_lost += 1
        return None, track
    seen = _valid(people[best])
    track.pose[seen] = people[best][seen]
    track.height = _height(people[best]) or track.height
    track.frames_lost = 0
    return best, track


def read_openpose_dir(path: str | Path, fps: float | None) -> ImageKeypoints:
    """Keypoints of one person followed through an OpenPose JSON folder (BODY_25 or COCO-18).

    The person is the largest in the first frame with anyone, then in each frame the detection
    nearest to their last pose. Confidence 0 means missing. ``fps`` is required: OpenPose stores
    no time."""
    folder = Path(path)
    name = folder.name
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; pass the folder that holds the *_keypoints.json files")
    if fps is None:
        raise InputError(f"{name}: OpenPose JSON has no time stamps; pass --fps (the video's frame rate)")
    if not math.isfinite(fps) or fps <= 0:
        raise InputError(f"--fps must be a positive number (got {fps})")
    files = openpose_files(folder)
    if not files:
        raise InputError(f"{name} holds no OpenPose *_keypoints.json files; pass the OpenPose output folder")
    numbered = [(_frame_number(f), f) for f in files]
    if all(n is not None for n, _ in numbered):
        numbers = [n for n, _ in numbered if n is not None]
        if len(set(numbers)) != len(numbers):
            raise InputError(
                f"{name} has two files with the same frame number; keep one OpenPose run per folder"
            )
        numbered.sort(key=lambda nf: nf[0] or 0)
        frames = np.array([n for n, _ in numbered], dtype=float)
    else:
        # Without numbers in every name, the sorted names are the frame order.
        numbered.sort(key=lambda nf: nf[1].name)
        frames = np.arange(len(numbered), dtype=float)
    if len(numbered) < 2:
        raise InputError(f"{name} holds {len(numbered)} OpenPose frame; at least 2 frames are needed")

    per_frame = [_people(f) for _, f in numbered]
    sizes = {p.shape[0] for people in per_frame for p in people}
    if not sizes:
        raise InputError(f"{name}: OpenPose found nobody in any of its {len(per_frame)} frames")
    if len(sizes) > 1 or next(iter(sizes)) not in MODELS:
        raise InputError(
            f"{name}: OpenPose poses have {sorted(sizes)} points; "
            "expected 25 (BODY_25) or 18 (COCO) in every file"
        )
    model_name, index = MODELS[sizes.pop()]

    n = len(per_frame)
    xy = {p: np.full((n, 2), np.nan) for p in index}
    conf = {p: np.zeros(n) for p in index}
    track: _Track | None = None
    crowded = lost = 0
    for i, people in enumerate(per_frame):
        crowded += len(people) > 1
        chosen, track = _choose(people, track)
        if chosen is None:
            lost += track is not None
            continue
        person = people[chosen]
        for point, k in index.items():
            if person[k, 2] > 0:
                xy[point][i] = person[k, :2]
                conf[point][i] = min(person[k, 2], 1.0)

    warnings: list[tuple[str, str]] = []
    if crowded:
        warnings.append(
            warning(
                "people_multiple",
                f"{crowded} of {n} frames show several people; followed the largest person at the start",
            )
        )
    if lost:
        warnings.append(warning("person_lost", f"the followed person was not found in {lost} of {n} frames"))
    gaps = int(np.sum(np.diff(frames) > 1))
    if gaps:
        warnings.append(
            warning(
                "frames_missing", f"{name}: frame numbers skip in {gaps} place(s); times follow the numbers"
            )
        )
    time_s = (frames - frames[0]) / fps
    return ImageKeypoints(
        time_s=time_s,
        points=xy,
        confidence=conf,
        source=SourceInfo(
            path=str(folder), kind="keypoints", fps=float(fps), duration_s=float(time_s[-1]), frame_count=n
        ),
        meta={"format": "openpose", "model": model_name, "first_frame_number": str(int(frames[0]))},
        import_warnings=tuple(warnings),
    )
