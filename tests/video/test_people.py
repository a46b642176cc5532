"""Following the runner when several people are in view."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import videoclips as vc

from midstance.core.analysis import analyze
from midstance.core.series import ImageKeypoints
from midstance.errors import InputError
from midstance.pose import people, video_to_keypoints
from midstance.pose.people import CropPlan, Detection, Sample

# --- the ranking on synthetic detections (answers known) ---------------------------------------


def _walker_and_jumper(n: int = 40) -> list[Sample]:
    samples = []
    for k in range(n):
        t = 0.2 * k
        walker = Detection(1600 - 35 * k, 750, 220, 0.9, leg_motion=3.0)
        jumper = Detection(620 + 40 * np.sin(k), 300 + 60 * np.cos(2 * k), 260, 0.45, leg_motion=5.0)
        samples.append(Sample(t, (walker, jumper)))
    return samples


def test_the_person_travelling_across_beats_the_one_jumping_in_place() -> None:
    ranked = people.rank_people(_walker_and_jumper(), 1768, 994)
    assert len(ranked) == 2
    best = ranked[0]
    assert best.travel == 1.0
    assert best.plan.at(1.0) is not None
    assert best.plan.at(1.0)[0] == pytest.approx(1600 - 35 * 5, abs=1)  # type: ignore[index]
    assert "travels across the picture" in best.describe()


def test_on_a_treadmill_the_moving_legs_win() -> None:
    samples = [
        Sample(
            0.2 * k,
            (
                Detection(300, 900, 300, 0.9, leg_motion=4.0),  # runner in place
                Detection(600, 880, 320, 0.92, leg_motion=0.8),  # coach standing by
            ),
        )
        for k in range(30)
    ]
    ranked = people.rank_people(samples, 720, 1280)
    assert ranked[0].plan.cx[0] == 300


def test_one_body_detected_twice_is_one_person() -> None:
    d = people.merge_same_person([Detection(100, 100, 200, 0.9), Detection(130, 60, 260, 0.5)])
    assert len(d) == 1 and d[0].score == 0.9


def test_a_track_survives_short_misses_and_noise_is_dropped() -> None:
    samples = [Sample(0.2 * k, (Detection(500 + 10 * k, 500, 200, 0.9),) if k % 3 else ()) for k in range(20)]
    samples.append(Sample(1.1, (Detection(50, 50, 100, 0.5),)))  # a one-off false detection
    tracks = people.build_tracks(samples)
    assert len(tracks) == 1
    assert len(tracks[0].dets) == sum(1 for k in range(20) if k % 3)


def test_a_person_lost_for_a_second_is_joined_but_not_to_someone_else() -> None:
    walker = [Sample(0.2 * k, (Detection(1500 - 40 * k, 750, 220, 0.9),)) for k in range(10)]
    # detector misses 1.2 s, then sees the walker again where walking on would have taken her
    walker += [Sample(0.2 * k, (Detection(1500 - 40 * k, 750, 220, 0.9),)) for k in range(16, 26)]
    # someone standing still elsewhere, seen before the walker arrives
    standing = [Sample(-2.0 + 0.2 * k, (Detection(500, 300, 250, 0.5),)) for k in range(8)]
    tracks = people.join_fragments(people.build_tracks(standing + walker))
    assert sorted(len(t.dets) for t in tracks) == [8, 20]


def test_crop_plan_interpolates_and_stops_outside_the_persons_time() -> None:
    plan = CropPlan((1.0, 2.0), (100.0, 300.0), (500.0, 500.0), (100.0, 100.0), margin_s=0.4)
    assert plan.at(1.5) == (200.0, 500.0, 100.0)
    assert plan.at(0.7) == (100.0, 500.0, 100.0)
    assert plan.at(0.5) is None and plan.at(2.5) is None
    assert plan.crop_box(1.5, 1000, 1000, scale=0.5) == (25, 175, 175, 325)


# --- the shared two-person clip -----------------------------------------------------------------


@pytest.fixture(scope="module")
def sports2d() -> tuple[ImageKeypoints, list[tuple[str, str]]]:
    return video_to_keypoints(vc.SPORTS2D, workers=2)


def test_follows_the_walker_not_the_jumping_jacks(sports2d: tuple[ImageKeypoints, list]) -> None:
    kp, warnings = sports2d
    h = kp.height_px or 994
    hips = (kp.points["left_hip"] + kp.points["right_hip"]) / 2
    found = np.isfinite(hips).all(axis=1)
    walking = (kp.time_s >= 3.0) & (kp.time_s <= 6.0)
    print(f"walker found in {found[walking].mean():.0%} of frames 3–6 s; {found.sum()} frames in all")
    assert found[walking].mean() > 0.9
    # every frame with keypoints is the walker on the grass, never the man on the box (hips < 0.4 h)
    assert np.all(hips[found, 1] > 0.6 * h)
    # and the walker goes from right to left
    slope = np.polyfit(kp.time_s[found], hips[found, 0], 1)[0]
    print(f"walker speed across the picture {slope:.0f} px/s")
    assert slope < -200
    codes = [c for c, _ in warnings]
    assert "several_people" in codes and "runner_lost" in codes


# the walker's heel strikes read from the pixels: the heel patch followed from frame to frame
# (block matching), contact where its forward speed drops to ≤ 6 px/frame (≈ 0.7 m/s); in the
# frames before, the heel already looks down but still moves forwards at 1–3 m/s
WALKER_IC = [59.5, 79.0, 98.0, 116.0, 134.0, 152.0, 171.0]
# a blind frame-by-frame reading by an annotator who saw no analysis: the first frame where the heel
# is down and stays put (IC), the first frame where the toe jumps forward or lifts (TO), and the side
BLIND_WALKER = [("right", 59, 87), ("left", 79, 104), ("right", 98, 123), ("left", 116, 140),
                ("right", 134, 160), ("left", 152, 176), ("right", 171, 195)]  # fmt: skip


def test_walker_steps_counted_and_timed(sports2d: tuple[ImageKeypoints, list]) -> None:
    """Every complete stance of the walker (the foot seen landing and leaving, inside the picture),
    alternating, each initial contact within a frame of the pixel reading; walking, not running."""
    kp, _ = sports2d
    res = analyze(kp)
    ics = [s.ic_s * 30 for s in res.stances]
    print(
        f"walker: {len(ics)} stances at frames {[round(f, 1) for f in ics]}, cadence {res.summary.cadence_spm:.1f}"
    )
    assert res.runner.activity == "walking" and res.runner.facing == "left"
    assert len(ics) == len(WALKER_IC)
    assert all(a.side != b.side for a, b in itertools.pairwise(res.stances))
    assert np.max(np.abs(np.array(ics) - WALKER_IC)) <= 1.0
    assert res.summary.cadence_spm == pytest.approx(60 * 6 / ((WALKER_IC[-1] - WALKER_IC[0]) / 30), abs=2.0)
    # the blind reading: same sides, every contact's frame within one of it
    assert [s.side for s in res.stances] == [side for side, _, _ in BLIND_WALKER]
    d_ic = np.array([s.ic_s * 30 - ic for s, (_, ic, _) in zip(res.stances, BLIND_WALKER, strict=True)])
    d_to = np.array([s.to_s * 30 - to for s, (_, _, to) in zip(res.stances, BLIND_WALKER, strict=True)])
    print(
        f"walker vs blind reading: IC mean {d_ic.mean():+.2f}, largest {np.abs(d_ic).max():.2f} frames; "
        f"TO mean {d_to.mean():+.2f}, within ±1 frame {np.mean(np.abs(d_to) <= 1):.0%}, largest {np.abs(d_to).max():.2f}"
    )
    assert all(abs(s.ic_frame - ic) <= 1 for s, (_, ic, _) in zip(res.stances, BLIND_WALKER, strict=True))
    assert np.abs(d_ic).max() <= 1.0
    assert np.abs(d_to).max() <= 2.5


def test_person_option_follows_someone_else(sports2d: tuple[ImageKeypoints, list]) -> None:
    kp0, warnings = sports2d
    other = dict(warnings)["several_people"]
    assert "person=1" in other
    kp1, _ = video_to_keypoints(vc.SPORTS2D, workers=2, person=1)
    h0 = (kp0.points["left_hip"] + kp0.points["right_hip"]) / 2
    h1 = (kp1.points["left_hip"] + kp1.points["right_hip"]) / 2
    both = np.isfinite(h0).all(axis=1) & np.isfinite(h1).all(axis=1)
    assert np.isfinite(h1).all(axis=1).sum() > 10
    if both.any():
        assert np.median(np.linalg.norm(h0[both] - h1[both], axis=1)) > 100


def test_person_out_of_range(tmp_path: Path) -> None:
    clip = vc.write_clip(tmp_path / "runner.mp4", vc.gaitlab_frames(45), crf=20)
    with pytest.raises(InputError) as err:
        video_to_keypoints(clip, workers=1, person=2)
    assert err.value.message == (
        f"person=2 is not available in {clip}: only person 0 was seen; choose one of them"
    )
