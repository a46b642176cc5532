"""The overlay video: browser-playable H.264, the source's frames and duration (× slow-down), and the
annotations really drawn on the midstance frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from midstance.errors import InputError
from midstance.report import drawing as dr
from midstance.report import write_overlay
from midstance.video import iter_frames, probe

#: H.264 changes colours a little; a drawn line is still far closer to its colour than this
COLOUR_TOL = 70


def _frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    return {i: rgb for i, (_, rgb) in enumerate(iter_frames(path)) if i in wanted}


def _near(pixel: np.ndarray, colour: tuple[int, int, int]) -> bool:
    return bool(np.abs(pixel.astype(int) - np.array(colour)).max() <= COLOUR_TOL)


@pytest.mark.parametrize("slowdown", [1.0, 2.0])
def test_overlay_keeps_frames_and_stretches_time(
    synthetic_case: Any, tmp_path: Path, slowdown: float
) -> None:
    src = probe(synthetic_case.video)
    out = write_overlay(
        synthetic_case.result,
        synthetic_case.traces,
        synthetic_case.video,
        tmp_path / "overlay.mp4",
        slowdown=slowdown,
    )
    info = probe(out)
    print(
        f"source {src.frame_count} frames {src.duration_s:.3f} s; overlay {info.frame_count} frames {info.duration_s:.3f} s"
    )
    assert info.frame_count == src.frame_count
    assert info.duration_s == pytest.approx(src.duration_s * slowdown, abs=0.5 / src.fps * slowdown)
    assert (info.width_px, info.height_px) == (src.width_px, src.height_px)
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert c.format.name.startswith("mov,mp4")
    # the index (moov) comes before the media (mdat): a browser can start playing at once
    head = out.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 4096)


def test_midstance_frames_carry_the_plumb_lines(synthetic_case: Any, tmp_path: Path) -> None:
    result = synthetic_case.result
    out = write_overlay(result, synthetic_case.traces, synthetic_case.video, tmp_path / "overlay.mp4")
    src_info = probe(synthetic_case.video)
    ft = np.asarray(src_info.frame_times_s)
    checks = []
    for s in result.stances:
        j = int(np.argmin(np.abs(ft - s.midstance_s)))
        assert j == s.midstance_frame
        checks.append((j, s))
    wanted = {j for j, _ in checks}
    before, after = _frames(synthetic_case.video, wanted), _frames(out, wanted)
    for j, s in checks:
        pts = s.points["midstance"]
        y = round(0.25 * src_info.height_px)  # above the runner: only the lines are drawn there
        for name, colour in (("mid_hip", dr.HIP_LINE), ("ankle", dr.ANKLE_LINE)):
            x = round(pts[name][0])
            drawn, orig = after[j][y, x], before[j][y, x]
            assert _near(drawn, colour), f"frame {j}: {name} line missing at x={x} ({drawn})"
            assert not _near(orig, colour), "the source frame has no line there"
    # away from any midstance the frame carries no plumb line at those columns
    quiet = [i for i in range(src_info.frame_count) if all(abs(i - j) > 4 for j, _ in checks)]
    assert quiet
    k = quiet[len(quiet) // 2]
    frame = _frames(out, {k})[k]
    x = round(checks[0][1].points["midstance"]["mid_hip"][0])
    assert not _near(frame[int(0.25 * src_info.height_px), x], dr.HIP_LINE)


def test_overlay_of_the_sample_clip_at_half_speed(video_case: Any, tmp_path: Path) -> None:
    src = probe(video_case.video)
    out = write_overlay(
        video_case.result, video_case.traces, video_case.video, tmp_path / "slow.mp4", slowdown=2
    )
    info = probe(out)
    assert info.frame_count == src.frame_count
    assert info.duration_s == pytest.approx(2 * src.duration_s, abs=2 / src.fps)


def test_overlay_refuses_to_overwrite(synthetic_case: Any, tmp_path: Path) -> None:
    target = tmp_path / "mine.mp4"
    target.write_bytes(b"my own video")
    with pytest.raises(InputError, match="already exists; pass --force"):
        write_overlay(synthetic_case.result, synthetic_case.traces, synthetic_case.video, target)
    assert target.read_bytes() == b"my own video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.mp4"], "no temporary file left behind"
    write_overlay(synthetic_case.result, synthetic_case.traces, synthetic_case.video, target, force=True)
    assert probe(target).frame_count == probe(synthetic_case.video).frame_count


def test_overlay_rejects_bad_requests(synthetic_case: Any, rbds_case: Any, tmp_path: Path) -> None:
    r, tr, v = synthetic_case.result, synthetic_case.traces, synthetic_case.video
    with pytest.raises(InputError, match="slow-down"):
        write_overlay(r, tr, v, tmp_path / "a.mp4", slowdown=0)
    with pytest.raises(InputError, match="should end in"):
        write_overlay(r, tr, v, tmp_path / "a.avi")
    with pytest.raises(InputError, match="motion capture"):
        write_overlay(rbds_case.result, rbds_case.traces, v, tmp_path / "b.mp4")
    with pytest.raises(InputError, match="was measured on a"):
        write_overlay(
            r, tr, Path(__file__).parents[2] / "samples" / "gaitlab_male_side.mp4", tmp_path / "c.mp4"
        )
    assert list(tmp_path.iterdir()) == []


def test_rear_overlay_draws_the_pelvis_not_plumb_lines(two_views: Any, tmp_path: Path) -> None:
    """A rear-view clip has no hip–ankle offset: its overlay shows the pelvis line at each midstance
    (through both hips) and no plumb lines."""
    case = two_views.rear
    out = write_overlay(case.result, case.traces, case.video, tmp_path / "rear_overlay.mp4")
    stances = [s for s in case.result.stances if s.get("pelvic_drop_deg") is not None][:4]
    assert stances
    wanted = {s.midstance_frame for s in stances}
    before, after = _frames(case.video, wanted), _frames(out, wanted)
    h = after[stances[0].midstance_frame].shape[0]
    for s in stances:
        j = s.midstance_frame
        pts = s.points["midstance"]
        mid = pts["mid_hip"]
        x, y = round(mid[0]), round(mid[1])
        # the pelvis line passes through the mid-hip (halfway between the hips)
        patch = after[j][y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 3)
        assert any(_near(p, dr.PELVIS_LINE) for p in patch), f"frame {j}: no pelvis line at the mid-hip"
        assert not any(
            _near(p, dr.PELVIS_LINE) for p in before[j][y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 3)
        )
        # and no plumb line: the column above the hip keeps the source's colours
        col = after[j][int(0.1 * h), x]
        assert not _near(col, dr.HIP_LINE) and not _near(col, dr.ANKLE_LINE)
