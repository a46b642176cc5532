"""Reliability with real worker processes: a worker stopped with SIGTERM gives its job back; a worker
killed with SIGKILL in the middle of an analysis loses nothing — once its lease expires the next
worker claims the job again — and the job completes exactly once (one result row, one completion
event), with the files of the killed attempt cleaned up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from webhelpers import SAMPLES, Client, pose_available, write_keypoints

from midstance.web.models import AnalysisResult, Job, JobEvent
from midstance.web.settings import WebSettings

pytestmark = pytest.mark.slow


def start_worker(settings: WebSettings, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        MIDSTANCE_DATA_DIR=str(settings.resolved_data_dir()),
        MIDSTANCE_DATABASE_URL=settings.resolved_database_url(),
        MIDSTANCE_LEASE_S=str(settings.lease_s),
        MIDSTANCE_HEARTBEAT_S=str(settings.heartbeat_s),
        MIDSTANCE_POLL_S="0.1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "midstance.web", "worker"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill takes its pose helpers with it
    )


def job_state(factory: sessionmaker[Session]) -> Job:
    with factory() as db:
        job = db.scalars(select(Job)).one()
        db.expunge(job)
        return job


def wait_for(factory: sessionmaker[Session], pred, timeout_s: float, what: str) -> Job:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = job_state(factory)
        if pred(job):
            return job
        time.sleep(0.05)
    raise AssertionError(
        f"timed out waiting for {what}; job is {job.status} at {job.stage} {job.fraction:.2f}"
    )


def count(factory: sessionmaker[Session], kind: str) -> int:
    with factory() as db:
        return int(db.scalar(select(func.count()).where(JobEvent.kind == kind)) or 0)


@pytest.mark.parametrize("clip", ["keypoints", "video"])
def test_killed_worker_job_completes_exactly_once(
    app, coach: Client, settings: WebSettings, tmp_path: Path, backend: str, clip: str
) -> None:
    if clip == "video":
        if not pose_available():
            pytest.skip("video variant skipped: the pose package is not installed")
        if backend != "sqlite":
            pytest.skip(
                "video variant runs on SQLite only (pose takes ~25 s); the keypoint variant covers PostgreSQL"
            )
    factory = app.state.midstance.factory
    runner = coach.add_runner("Kim", "175")
    if clip == "video":
        # pose on every frame of the sample clip: killed while it is finding the runner
        path = SAMPLES / "gaitlab_male_side.mp4"
        running_midway = lambda j: j.status == "running" and 0.02 < j.fraction < 0.8  # noqa: E731
    else:
        # a minute of keypoints: about 2.5 s of cleaning, events, metrics and report to be killed in
        path = write_keypoints(tmp_path / "long.csv", duration_s=60)
        running_midway = lambda j: j.status == "running" and 0.8 <= j.fraction < 1.0  # noqa: E731
    r = coach.upload(runner, path)
    assert r.status_code == 201, r.text
    session_id = r.json()["session_id"]
    log = tmp_path / "workers.log"

    # 1. SIGTERM: the worker hands its job back to the queue and exits cleanly
    w1 = start_worker(settings, log)
    wait_for(factory, running_midway, 120, "the first worker to be analysing")
    w1.send_signal(signal.SIGTERM)
    assert w1.wait(timeout=60) == 0
    job = job_state(factory)
    assert job.status == "queued" and job.attempts == 0 and count(factory, "released") == 1

    # 2. SIGKILL in the middle of the analysis: no goodbye, the lease simply stops being renewed
    w2 = start_worker(settings, log)
    killed = wait_for(factory, running_midway, 120, "the second worker to be analysing")
    os.killpg(w2.pid, signal.SIGKILL)
    w2.wait(timeout=10)
    attempt_dir = settings.resolved_data_dir() / "sessions" / session_id / f"run-{killed.claim_token}"
    assert attempt_dir.is_dir()  # it had begun writing
    job = job_state(factory)
    assert job.status == "running" and job.claim_token == killed.claim_token  # orphaned, not lost

    # 3. a restarted worker takes the job over once the lease has expired, and finishes it
    w3 = start_worker(settings, log)
    try:
        done = wait_for(factory, lambda j: j.status in ("done", "failed"), 240, "the job to finish")
    finally:
        w3.send_signal(signal.SIGTERM)
        w3.wait(timeout=60)
    assert done.status == "done", done.error
    assert done.attempts == 2 and done.claim_token != killed.claim_token
    with factory() as db:
        rows = list(db.scalars(select(AnalysisResult)))
    assert len(rows) == 1
    assert count(factory, "completed") == 1
    assert count(factory, "claimed") == 3
    assert count(factory, "lease_expired") == 1
    runs = sorted(p.name for p in (settings.resolved_data_dir() / "sessions" / session_id).glob("run-*"))
    assert runs == [f"run-{done.claim_token}"]  # the killed attempt's files are gone
    assert rows[0].output_dir.endswith(runs[0])
    assert (settings.resolved_data_dir() / rows[0].output_dir / "result.json").is_file()
    page = coach.get(f"/sessions/{session_id}")
    assert "At midstance" in page.text
