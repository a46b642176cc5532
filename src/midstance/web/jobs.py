"""The durable job queue, in the database: enqueue, claim under a lease, heartbeat, progress, and a
completion that happens at most once.

A job is claimed by one worker at a time: the claim sets a random ``claim_token`` and a lease. On
PostgreSQL the candidate row is picked with ``SELECT … FOR UPDATE SKIP LOCKED`` (workers never wait
for each other); on SQLite every transaction takes the write lock up front (BEGIN IMMEDIATE), and the
conditional UPDATE below is the atomic step on both. Every later write of the worker — heartbeat,
progress, completion, failure — is an UPDATE guarded by ``id`` *and* ``claim_token`` *and* status
``running``; when a lease expired and another worker took the job over, the old worker's writes
match no row, so its late completion is ignored and its files are discarded. The result row is
inserted in the same transaction as the guarded completion, and is unique per job and per session.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from midstance.web.db import transaction
from midstance.web.models import (
    JOB_DONE,
    JOB_FAILED,
    JOB_QUEUED,
    JOB_RUNNING,
    AnalysisResult,
    Job,
    JobEvent,
    utcnow,
)

log = logging.getLogger(__name__)
#: event kind of a job whose analysis succeeded but whose HTML report could not be made
REPORT_FAILED = "report_failed"


@dataclass(frozen=True)
class Claim:
    job_id: str
    session_id: str
    token: str
    attempt: int
    #: the job had been running under another worker whose lease expired
    taken_over: bool = False


def _run(db: Session, statement: Executable) -> CursorResult[Any]:
    """Execute an UPDATE (its rowcount says whether the guarded row matched)."""
    return cast(CursorResult[Any], db.execute(statement))


def enqueue(db: Session, session_id: str) -> Job:
    job = Job(session_id=session_id, status=JOB_QUEUED, attempts=0, stage="queued", fraction=0.0)
    db.add(job)
    db.flush()
    db.add(JobEvent(job_id=job.id, kind="queued"))
    return job


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(Job.status == JOB_QUEUED, and_(Job.status == JOB_RUNNING, Job.lease_until < now))


def _guard(claim: Claim) -> ColumnElement[bool]:
    return and_(Job.id == claim.job_id, Job.claim_token == claim.token, Job.status == JOB_RUNNING)


def claim_next(
    factory: sessionmaker[Session], worker_id: str, lease_s: float, max_attempts: int
) -> Claim | None:
    """Claim the oldest queued job (or one whose lease expired); None when there is none."""
    while True:
        with transaction(factory) as db:
            now = utcnow()
            row = db.execute(
                select(Job.id, Job.session_id, Job.status, Job.attempts)
                .where(_claimable(now))
                .order_by(Job.created_at, Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            job_id, session_id, status, attempts = row
            taken_over = status == JOB_RUNNING
            if taken_over and attempts >= max_attempts:
                # the job keeps killing its worker (a crash or running out of memory): stop retrying
                message = (
                    f"the analysis stopped its worker {attempts} times (a crash or too little memory); "
                    "try a shorter clip, or report the problem"
                )
                res = _run(
                    db,
                    update(Job)
                    .where(Job.id == job_id, _claimable(now))
                    .values(
                        status=JOB_FAILED,
                        error=message,
                        claim_token=None,
                        lease_until=None,
                        finished_at=now,
                        updated_at=now,
                        stage="failed",
                    ),
                )
                if res.rowcount == 1:
                    db.add(JobEvent(job_id=job_id, kind="failed", detail=message))
                continue
            token = secrets.token_hex(16)
            res = _run(
                db,
                update(Job)
                .where(Job.id == job_id, _claimable(now))
                .values(
                    status=JOB_RUNNING,
                    claim_token=token,
                    worker_id=worker_id[:100],
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=Job.attempts + 1,
                    started_at=now,
                    updated_at=now,
                    stage="starting",
                    fraction=0.0,
                    error=None,
                ),
            )
            if res.rowcount != 1:
                continue  # taken by another worker between the select and the update (SQLite never)
            detail = f"worker {worker_id}, attempt {attempts + 1}"
            if taken_over:
                db.add(
                    JobEvent(job_id=job_id, kind="lease_expired", detail="previous worker stopped reporting")
                )
            db.add(JobEvent(job_id=job_id, kind="claimed", detail=detail))
            return Claim(job_id, session_id, token, attempts + 1, taken_over)


def heartbeat(factory: sessionmaker[Session], claim: Claim, lease_s: float) -> bool:
    """Renew the lease; False when the claim was lost (the job was taken over or deleted)."""
    with transaction(factory) as db:
        now = utcnow()
        res = _run(
            db,
            update(Job)
            .where(_guard(claim))
            .values(lease_until=now + timedelta(seconds=lease_s), updated_at=now),
        )
        return res.rowcount == 1


def report_progress(
    factory: sessionmaker[Session], claim: Claim, stage: str, fraction: float, lease_s: float
) -> bool:
    with transaction(factory) as db:
        now = utcnow()
        res = _run(
            db,
            update(Job)
            .where(_guard(claim))
            .values(
                stage=stage[:40],
                fraction=min(max(float(fraction), 0.0), 1.0),
                lease_until=now + timedelta(seconds=lease_s),
                updated_at=now,
            ),
        )
        return res.rowcount == 1


def complete(
    factory: sessionmaker[Session], claim: Claim, result_json: str, output_dir: str, note: str | None = None
) -> bool:
    """Mark the job done and store its result, in one transaction, only while the claim holds.

    True when this call completed the job; False when the claim was lost (nothing is written)."""
    with transaction(factory) as db:
        now = utcnow()
        res = _run(
            db,
            update(Job)
            .where(_guard(claim))
            .values(
                status=JOB_DONE, stage="done", fraction=1.0, lease_until=None, finished_at=now, updated_at=now
            ),
        )
        if res.rowcount != 1:
            return False
        db.add(
            AnalysisResult(
                session_id=claim.session_id,
                job_id=claim.job_id,
                result_json=result_json,
                output_dir=output_dir,
            )
        )
        db.add(JobEvent(job_id=claim.job_id, kind="completed", detail=f"attempt {claim.attempt}"))
        if note:
            db.add(JobEvent(job_id=claim.job_id, kind=REPORT_FAILED, detail=note))
        return True


def fail(factory: sessionmaker[Session], claim: Claim, message: str) -> bool:
    with transaction(factory) as db:
        now = utcnow()
        res = _run(
            db,
            update(Job)
            .where(_guard(claim))
            .values(
                status=JOB_FAILED,
                stage="failed",
                error=message,
                lease_until=None,
                finished_at=now,
                updated_at=now,
            ),
        )
        if res.rowcount == 1:
            db.add(JobEvent(job_id=claim.job_id, kind="failed", detail=message))
        return res.rowcount == 1


def release(factory: sessionmaker[Session], claim: Claim) -> bool:
    """Give the job back to the queue (the worker is shutting down); this attempt does not count."""
    with transaction(factory) as db:
        now = utcnow()
        res = _run(
            db,
            update(Job)
            .where(_guard(claim))
            .values(
                status=JOB_QUEUED,
                stage="queued",
                fraction=0.0,
                claim_token=None,
                lease_until=None,
                attempts=Job.attempts - 1,
                worker_id=None,
                updated_at=now,
            ),
        )
        if res.rowcount == 1:
            db.add(JobEvent(job_id=claim.job_id, kind="released", detail="worker stopped"))
        return res.rowcount == 1


def retry(db: Session, job_id: str) -> bool:
    """Queue a failed job again (the user asked for it); False when it was not failed."""
    now = utcnow()
    res = _run(
        db,
        update(Job)
        .where(Job.id == job_id, Job.status == JOB_FAILED)
        .values(
            status=JOB_QUEUED,
            stage="queued",
            fraction=0.0,
            error=None,
            attempts=0,
            claim_token=None,
            finished_at=None,
            updated_at=now,
        ),
    )
    if res.rowcount == 1:
        db.add(JobEvent(job_id=job_id, kind="queued", detail="retry"))
    return res.rowcount == 1
