"""The durable job queue on both databases: one claim per job even when workers race, leases that
expire and are taken over, completion that happens once and only under a live claim."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from midstance.web import jobs
from midstance.web.db import make_engine, migrate, session_factory, transaction
from midstance.web.models import (
    ROLE_COACH,
    AnalysisResult,
    Job,
    JobEvent,
    Runner,
    RunSession,
    User,
)


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def add_jobs(factory: sessionmaker[Session], n: int) -> list[str]:
    import datetime as dt

    with transaction(factory) as db:
        user = User(
            email=f"u{time.monotonic_ns()}@x.org", display_name="u", role=ROLE_COACH, password_hash="x"
        )
        db.add(user)
        db.flush()
        runner = Runner(coach_id=user.id, name="r", notes="")
        db.add(runner)
        db.flush()
        ids = []
        for i in range(n):
            s = RunSession(
                runner_id=runner.id,
                recorded_on=dt.date(2026, 1, 1),
                label=str(i),
                upload_name="x.csv",
                input_kind="keypoint_csv",
                input_file="sessions/x/input.csv",
                size_bytes=1,
                settings_json="{}",
            )
            db.add(s)
            db.flush()
            ids.append(jobs.enqueue(db, s.id).id)
    return ids


def events(factory: sessionmaker[Session], job_id: str, kind: str) -> int:
    with factory() as db:
        return int(
            db.scalar(select(func.count()).where(JobEvent.job_id == job_id, JobEvent.kind == kind)) or 0
        )


def results(factory: sessionmaker[Session]) -> int:
    with factory() as db:
        return int(db.scalar(select(func.count()).select_from(AnalysisResult)) or 0)


def test_racing_workers_claim_each_job_exactly_once(factory: sessionmaker[Session]) -> None:
    ids = add_jobs(factory, 40)
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (claim := jobs.claim_next(factory, name, lease_s=60, max_attempts=3)) is not None:
            with lock:
                claimed.append(claim.job_id)
            assert jobs.complete(factory, claim, "{}", "sessions/x")

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(claimed) == sorted(ids)  # every job once, none twice
    assert results(factory) == 40
    with factory() as db:
        assert set(db.scalars(select(Job.status))) == {"done"}
        assert db.scalar(select(func.count()).where(JobEvent.kind == "completed")) == 40


def test_expired_lease_is_taken_over_and_the_old_claim_cannot_complete(
    factory: sessionmaker[Session],
) -> None:
    (job_id,) = add_jobs(factory, 1)
    first = jobs.claim_next(factory, "w1", lease_s=0.3, max_attempts=3)
    assert first is not None and first.attempt == 1 and not first.taken_over
    assert jobs.claim_next(factory, "w2", lease_s=0.3, max_attempts=3) is None  # the lease holds
    assert jobs.heartbeat(factory, first, lease_s=0.3)
    time.sleep(0.5)  # w1 stops reporting (killed, hung)
    second = jobs.claim_next(factory, "w2", lease_s=60, max_attempts=3)
    assert second is not None and second.job_id == job_id
    assert second.taken_over and second.attempt == 2 and second.token != first.token
    # the first worker comes back to life: every write of its old claim is refused
    assert not jobs.heartbeat(factory, first, lease_s=60)
    assert not jobs.report_progress(factory, first, "metrics", 0.5, lease_s=60)
    assert not jobs.complete(factory, first, '{"from": "w1"}', "sessions/x/run-w1")
    assert not jobs.fail(factory, first, "late failure")
    assert results(factory) == 0
    assert jobs.report_progress(factory, second, "metrics", 0.5, lease_s=60)
    assert jobs.complete(factory, second, '{"from": "w2"}', "sessions/x/run-w2")
    assert not jobs.complete(factory, second, '{"from": "w2"}', "sessions/x/run-w2")  # idempotent
    with factory() as db:
        rows = list(db.scalars(select(AnalysisResult)))
        job = db.get(Job, job_id)
    assert [r.result_json for r in rows] == ['{"from": "w2"}']
    assert job is not None and job.status == "done" and job.attempts == 2
    assert events(factory, job_id, "completed") == 1
    assert events(factory, job_id, "lease_expired") == 1
    assert events(factory, job_id, "claimed") == 2


def test_a_job_that_keeps_killing_workers_is_failed(factory: sessionmaker[Session]) -> None:
    (job_id,) = add_jobs(factory, 1)
    for attempt in (1, 2):
        claim = jobs.claim_next(factory, "w", lease_s=0.05, max_attempts=2)
        assert claim is not None and claim.attempt == attempt
        time.sleep(0.1)
    assert jobs.claim_next(factory, "w", lease_s=0.05, max_attempts=2) is None
    with factory() as db:
        job = db.get(Job, job_id)
        assert job is not None and job.status == "failed"
        assert job.error is not None and "stopped its worker 2 times" in job.error
    with transaction(factory) as db:
        assert jobs.retry(db, job_id)
    claim = jobs.claim_next(factory, "w", lease_s=60, max_attempts=2)
    assert claim is not None and claim.attempt == 1


def test_release_gives_the_job_back_without_using_an_attempt(factory: sessionmaker[Session]) -> None:
    (job_id,) = add_jobs(factory, 1)
    claim = jobs.claim_next(factory, "w1", lease_s=60, max_attempts=3)
    assert claim is not None
    assert jobs.release(factory, claim)
    again = jobs.claim_next(factory, "w2", lease_s=60, max_attempts=3)
    assert again is not None and again.job_id == job_id and again.attempt == 1 and not again.taken_over
    assert not jobs.release(factory, claim)  # the old claim is gone


def test_failure_is_recorded_once_with_its_message(factory: sessionmaker[Session]) -> None:
    (job_id,) = add_jobs(factory, 1)
    claim = jobs.claim_next(factory, "w", lease_s=60, max_attempts=3)
    assert claim is not None
    assert jobs.fail(factory, claim, "no complete stance in the clip")
    assert not jobs.complete(factory, claim, "{}", "x")
    with factory() as db:
        job = db.get(Job, job_id)
        assert job is not None and job.status == "failed" and job.error == "no complete stance in the clip"
    assert events(factory, job_id, "failed") == 1
    assert results(factory) == 0
    with transaction(factory) as db:
        assert jobs.retry(db, job_id)
        assert not jobs.retry(db, job_id)  # only a failed job is retried
