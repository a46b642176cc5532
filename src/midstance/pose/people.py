"""Which person is the runner? Track the people a detector finds and rank the tracks.

MediaPipe's legacy Pose follows whoever its detector likes best on the first frame and keeps them,
so with a bystander, a coach or (in the shared ``sports2d_demo.mp4``) someone doing jumping jacks it
can follow the wrong person for the whole clip. The runner is found instead from person detections
sampled a few times a second:

1. detections of one picture that describe the same body are merged;
2. detections are linked over time into tracks (nearest centre within a body radius, allowing
   short misses);
3. each track gets a score from what tells a runner from everyone else — being there for much of
   the clip with a confident detector (presence × confidence), travelling across the picture
   (overground), moving legs (treadmill), size and being central — and the best one is followed.

The ranking is a heuristic; ``person=k`` in :func:`midstance.pose.video_to_keypoints` picks the k-th
candidate instead, and the warnings list the candidates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: detections of one picture closer than this many radii (of the smaller) are the same person
_SAME_PERSON_RADII = 0.6
#: a detection continues a track when its centre is within this many radii of the track's last one
_LINK_RADII = 1.0
#: a track ends after this long without a detection
_MAX_MISS_S = 1.0
#: tracks with fewer samples than this are noise (one-off false detections)
_MIN_SAMPLES = 3
#: detector misses up to this long (after a track has ended) can still join its pieces
_MAX_JOIN_GAP_S = 2.0
#: a track counts as a rival candidate only above this share of the best track's score
_CANDIDATE_SHARE = 0.10


@dataclass(frozen=True)
class Detection:
    """A person in one sampled frame, in displayed full-resolution pixels."""

    cx: float
    cy: float
    radius: float
    score: float
    #: leg-region motion (mean absolute frame difference below the hip, over the whole picture's)
    leg_motion: float = float("nan")


@dataclass(frozen=True)
class Sample:
    """All people found in one sampled frame."""

    t_s: float
    detections: tuple[Detection, ...]


@dataclass
class Track:
    t_s: list[float] = field(default_factory=list)
    dets: list[Detection] = field(default_factory=list)

    def last(self) -> Detection:
        return self.dets[-1]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        t = np.asarray(self.t_s, dtype=float)
        cx = np.array([d.cx for d in self.dets])
        cy = np.array([d.cy for d in self.dets])
        r = np.array([d.radius for d in self.dets])
        return t, cx, cy, r


@dataclass(frozen=True)
class Candidate:
    """A ranked track: score parts in 0..1 and a plain description for warnings."""

    rank: int
    score: float
    presence: float
    confidence: float
    travel: float
    leg_motion: float
    size: float
    centrality: float
    first_s: float
    last_s: float
    plan: CropPlan

    def describe(self) -> str:
        traits = []
        if self.travel >= 0.5:
            traits.append("travels across the picture")
        if self.leg_motion >= 0.8:
            traits.append("moves the legs most")
        if self.size >= 0.95:
            traits.append("largest")
        if self.centrality >= 0.8:
            traits.append("central")
        traits.append(f"in view {self.first_s:.1f}–{self.last_s:.1f} s")
        return ", ".join(traits)


@dataclass(frozen=True)
class CropPlan:
    """Where the chosen person is over time (smoothed centre and body radius, full-res pixels)."""

    t_s: tuple[float, ...]
    cx: tuple[float, ...]
    cy: tuple[float, ...]
    radius: tuple[float, ...]
    #: the plan is followed this long before its first and after its last sample
    margin_s: float = 0.4

    def at(self, t_s: float) -> tuple[float, float, float] | None:
        """(cx, cy, radius) at ``t_s`` (linear between samples), None outside the person's time."""
        if not self.t_s or t_s < self.t_s[0] - self.margin_s or t_s > self.t_s[-1] + self.margin_s:
            return None
        t = np.asarray(self.t_s)
        return (
            float(np.interp(t_s, t, self.cx)),
            float(np.interp(t_s, t, self.cy)),
            float(np.interp(t_s, t, self.radius)),
        )

    def crop_box(
        self, t_s: float, width: int, height: int, scale: float = 1.0, size_radii: float = 3.0
    ) -> tuple[int, int, int, int] | None:
        """Square-ish crop (x0, y0, x1, y1) around the person at ``t_s`` in a picture of
        ``width`` × ``height`` that is ``scale`` times the full-resolution one; None outside."""
        here = self.at(t_s)
        if here is None:
            return None
        cx, cy, r = (v * scale for v in here)
        half = max(16.0, 0.5 * size_radii * r)
        x0, x1 = max(0, int(cx - half)), min(width, math.ceil(cx + half))
        y0, y1 = max(0, int(cy - half)), min(height, math.ceil(cy + half))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        return x0, y0, x1, y1


def merge_same_person(dets: Sequence[Detection]) -> list[Detection]:
    """Keep the best-scoring detection of each body (the detector can report one body twice)."""
    kept: list[Detection] = []
    for d in sorted(dets, key=lambda d: -d.score):
        if all(
            math.hypot(d.cx - k.cx, d.cy - k.cy) > _SAME_PERSON_RADII * min(d.radius, k.radius) for k in kept
        ):
            kept.append(d)
    return kept


def build_tracks(samples: Sequence[Sample]) -> list[Track]:
    """Link detections over time: each detection joins the nearest live track within one body radius
    of that track's last position (greedy, best detections first), else starts a new track."""
    live: list[Track] = []
    done: list[Track] = []
    for s in sorted(samples, key=lambda s: s.t_s):
        still: list[Track] = []
        for tr in live:
            (still if s.t_s - tr.t_s[-1] <= _MAX_MISS_S else done).append(tr)
        live = still
        taken: set[int] = set()
        for d in sorted(merge_same_person(s.detections), key=lambda d: -d.score):
            best, best_dist = None, float("inf")
            for i, tr in enumerate(live):
                if i in taken:
                    continue
                last = tr.last()
                dist = math.hypot(d.cx - last.cx, d.cy - last.cy)
                if dist <= _LINK_RADII * max(last.radius, d.radius) and dist < best_dist:
                    best, best_dist = i, dist
            if best is None:
                live.append(Track([s.t_s], [d]))
                taken.add(len(live) - 1)
            else:
                live[best].t_s.append(s.t_s)
                live[best].dets.append(d)
                taken.add(best)
    return [tr for tr in done + live if len(tr.dets) >= _MIN_SAMPLES]


def _velocity(tr: Track) -> tuple[float, float]:
    """Mean velocity (px/s) over the last second of a track."""
    t, cx, cy, _ = tr.arrays()
    recent = t >= t[-1] - 1.0
    if recent.sum() < 2 or t[recent][-1] <= t[recent][0]:
        return 0.0, 0.0
    span = t[recent][-1] - t[recent][0]
    return (cx[recent][-1] - cx[recent][0]) / span, (cy[recent][-1] - cy[recent][0]) / span


def join_fragments(tracks: Sequence[Track]) -> list[Track]:
    """Join tracks that are one person the detector lost for a while: B starts within
    ``_MAX_JOIN_GAP_S`` after A ends, where A's last motion carried on would put it, at a similar
    size. (Without the motion test a person standing still would swallow one walking in.)"""
    pool = sorted(tracks, key=lambda tr: tr.t_s[0])
    joined: list[Track] = []
    for tr in pool:
        best = None
        for prev in joined:
            gap = tr.t_s[0] - prev.t_s[-1]
            if gap <= 0 or gap > _MAX_JOIN_GAP_S:
                continue
            a, b = prev.last(), tr.dets[0]
            if not 0.6 <= b.radius / a.radius <= 1.6:
                continue
            vx, vy = _velocity(prev)
            miss = math.hypot(a.cx + vx * gap - b.cx, a.cy + vy * gap - b.cy)
            if miss <= (0.5 + 0.5 * gap) * max(a.radius, b.radius) and (best is None or miss < best[0]):
                best = (miss, prev)
        if best is None:
            joined.append(Track(list(tr.t_s), list(tr.dets)))
        else:
            best[1].t_s.extend(tr.t_s)
            best[1].dets.extend(tr.dets)
    return joined


def _smooth3(x: np.ndarray) -> np.ndarray:
    if x.size < 3:
        return x
    padded = np.concatenate(([x[0]], x, [x[-1]]))
    return np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)


def plan_of(track: Track) -> CropPlan:
    t, cx, cy, r = track.arrays()
    return CropPlan(
        tuple(t.tolist()),
        tuple(_smooth3(cx).tolist()),
        tuple(_smooth3(cy).tolist()),
        tuple(_smooth3(r).tolist()),
    )


@dataclass(frozen=True)
class _Traits:
    track: Track
    presence: float
    confidence: float
    travel: float
    motion_raw: float
    radius: float
    centrality: float


def _traits(tr: Track, n_samples: int, width: int) -> _Traits:
    _, cx, _, r = tr.arrays()
    med_r = float(np.median(r))
    travel_radii = float(np.percentile(cx, 90) - np.percentile(cx, 10)) / max(med_r, 1.0)
    motion = np.array([d.leg_motion for d in tr.dets])
    motion = motion[np.isfinite(motion)]
    return _Traits(
        track=tr,
        presence=min(1.0, len(tr.dets) / n_samples),
        confidence=float(np.median([d.score for d in tr.dets])),
        travel=min(1.0, travel_radii / 3.0),
        motion_raw=float(np.median(motion)) if motion.size else 0.0,
        radius=med_r,
        centrality=1.0 - min(1.0, abs(float(np.median(cx)) - width / 2) / (width / 2)),
    )


def rank_people(samples: Sequence[Sample], width: int, height: int) -> list[Candidate]:
    """Tracks of people, best runner candidate first (see the module docstring for the score)."""
    tracks = join_fragments(build_tracks(samples))
    if not tracks:
        return []
    rows = [_traits(tr, max(1, len(samples)), width) for tr in tracks]
    max_motion = max(row.motion_raw for row in rows) or 1.0
    max_radius = max(row.radius for row in rows) or 1.0
    scored: list[tuple[float, _Traits, float, float]] = []
    for row in rows:
        motion = row.motion_raw / max_motion
        size = row.radius / max_radius
        quality = 0.35 * row.travel + 0.25 * motion + 0.25 * size + 0.15 * row.centrality
        scored.append((row.presence * row.confidence * quality, row, motion, size))
    scored.sort(key=lambda x: -x[0])
    return [
        Candidate(
            rank=rank,
            score=float(score),
            presence=row.presence,
            confidence=row.confidence,
            travel=row.travel,
            leg_motion=float(motion),
            size=float(size),
            centrality=row.centrality,
            first_s=row.track.t_s[0],
            last_s=row.track.t_s[-1],
            plan=plan_of(row.track),
        )
        for rank, (score, row, motion, size) in enumerate(scored)
    ]


def rivals(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates worth mentioning: within reach of the best one's score."""
    if not candidates:
        return []
    top = candidates[0].score
    return [c for c in candidates if c.score >= _CANDIDATE_SHARE * top]


def agreement(
    plan: CropPlan, times: np.ndarray, hips: np.ndarray, sample_times: Sequence[float], tol_radii: float = 0.6
) -> float | None:
    """Share of the plan's sample instants at which the followed person's mid-hip (``hips``, NaN when
    nobody was found) lies within ``tol_radii`` body radii of the plan: did Pose follow this person?
    None when the plan has no sample among ``sample_times`` (the person is not in view then)."""
    if not plan.t_s or times.size == 0:
        return None
    hits = 0
    total = 0
    for ts in sample_times:
        here = plan.at(ts)
        if here is None or ts < plan.t_s[0] or ts > plan.t_s[-1]:
            continue
        i = int(np.argmin(np.abs(times - ts)))
        total += 1
        if abs(times[i] - ts) > 0.05 or not np.isfinite(hips[i]).all():
            continue
        cx, cy, r = here
        if math.hypot(hips[i, 0] - cx, hips[i, 1] - cy) <= tol_radii * r:
            hits += 1
    return hits / total if total else None
