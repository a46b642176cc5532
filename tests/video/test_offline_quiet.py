"""Pose never touches the network, and MediaPipe's native log lines never reach the terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import videoclips as vc

from midstance.pose import Landmarks, PoseBackend, video_to_keypoints

_GUARD = """
import pathlib, socket
_MARK = pathlib.Path({mark!r})

def _refuse(*args, **kwargs):
    _MARK.write_text("network touched: " + repr(args[:2]))
    raise OSError("network disabled by the midstance offline test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError(f"network touched: {args[:2]!r}")


@pytest.fixture
def no_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sockets refuse to connect here and in every child process (via sitecustomize)."""
    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
    guard = tmp_path / "guard"
    guard.mkdir()
    mark = tmp_path / "network_touched.txt"
    (guard / "sitecustomize.py").write_text(_GUARD.format(mark=str(mark)))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(guard), os.environ.get("PYTHONPATH")]))
    )
    return mark


def test_pose_runs_offline_in_process_and_in_workers(tmp_path: Path, no_network: Path) -> None:
    clip = vc.write_clip(tmp_path / "cut.mp4", vc.gaitlab_frames(30), crf=16)
    kp_here, _ = video_to_keypoints(clip, workers=0)  # in this (patched) process
    kp_workers, _ = video_to_keypoints(clip, workers=1)  # in a child with the sitecustomize guard
    assert not no_network.exists(), no_network.read_text()
    for kp in (kp_here, kp_workers):
        assert kp.n_frames == 30
        assert np.isfinite(kp.points["left_hip"]).all(axis=1).mean() > 0.9
    np.testing.assert_allclose(kp_here.points["left_hip"], kp_workers.points["left_hip"], atol=1e-3)


def test_backend_contract_and_offline(no_network: Path) -> None:
    from midstance.pose.mediapipe_backend import MediaPipePersonDetector, MediaPipePose

    frames = vc.gaitlab_frames(3)
    pose = MediaPipePose()
    detector = MediaPipePersonDetector()
    try:
        assert isinstance(pose, PoseBackend)
        results = [pose.process(f, i / 30) for i, f in enumerate(frames)]
        assert all(isinstance(r, Landmarks) for r in results)
        last = results[-1]
        assert last is not None
        assert last.xy_px.shape == (33, 2) and last.visibility.shape == (33,)
        # pixels of the picture given: the hips of this runner sit mid-picture, low
        assert 150 < last.hip_center()[0] < 500 and 700 < last.hip_center()[1] < 1100
        people = detector.detect(frames[0])
        assert len(people) >= 1
        assert abs(people[0].cx - last.hip_center()[0]) < 0.5 * people[0].radius
        with pytest.raises(ValueError, match="only model_complexity=1 is bundled"):
            MediaPipePose(model_complexity=2)
    finally:
        pose.close()
        detector.close()


def test_nothing_from_mediapipe_reaches_stderr(tmp_path: Path) -> None:
    clip = vc.write_clip(tmp_path / "cut.mp4", vc.gaitlab_frames(30), crf=16)
    script = textwrap.dedent(
        f"""
        import av
        from midstance.pose import video_to_keypoints
        from midstance.pose.mediapipe_backend import MediaPipePose, MediaPipePersonDetector
        kp, _ = video_to_keypoints({str(clip)!r}, workers=1)
        with av.open({str(clip)!r}) as c:
            frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
        pose, det = MediaPipePose(), MediaPipePersonDetector()
        assert pose.process(frame, 0.0) is not None and det.detect(frame)
        pose.close(); det.close()
        print("ok", kp.n_frames)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok 30"
    assert done.stderr == ""
