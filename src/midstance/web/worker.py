"""The analysis worker: a separate process (``midstance worker``) that takes jobs from the database
queue and runs the analysis (midstance.pipeline.run_full) — never inside a web request.

While a job runs, a heartbeat thread renews its lease; progress from the pipeline is written to the
job row (throttled) for the page to show. A worker that is killed simply stops renewing: when its
lease expires another worker (or the same one restarted) claims the job again. SIGTERM/SIGINT make a
worker give its job back to the queue at the next progress report and exit."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import FrameType

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from midstance.errors import MidstanceError
from midstance.settings import AnalysisSettings
from midstance.web import jobs
from midstance.web.db import make_engine, migrate, session_factory, transaction
from midstance.web.models import (
    JOB_RUNNING,
    AnalysisResult,
    AuthSession,
    Job,
    LoginFailure,
    RunSession,
    utcnow,
)
from midstance.web.settings import WebSettings
from midstance.web.storage import Storage

log = logging.getLogger(__name__)

#: progress is written at most this often (s); the page polls about as often
PROGRESS_EVERY_S = 0.5
#: stray files older than this are swept (in-flight uploads and attempts are far younger)
STALE_FILES_S = 6 * 3600


class _Abort(Exception):
    """Raised from the progress callback to stop an analysis whose claim is gone or whose worker stops."""


def report_available() -> bool:
    """The HTML report module is optional until it lands; without it sessions show the JSON-based page."""
    return importlib.util.find_spec("midstance.report") is not None


def settings_from_json(text: str) -> AnalysisSettings:
    values = json.loads(text)
    known = {k: v for k, v in values.items() if k in AnalysisSettings.__dataclass_fields__}
    return AnalysisSettings(**known)


class Worker:
    """Claims and runs analysis jobs until told to stop."""

    def __init__(
        self,
        settings: WebSettings,
        factory: sessionmaker[Session] | None = None,
        parent_pid: int | None = None,
    ) -> None:
        self.settings = settings
        self.storage = Storage(settings.resolved_data_dir()).prepare()
        if factory is None:
            engine = make_engine(settings.resolved_database_url())
            migrate(engine)
            factory = session_factory(engine)
        self.factory = factory
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self) % 10000}"
        self.stopping = threading.Event()
        self._last_sweep = 0.0
        self.parent_pid = parent_pid
        if parent_pid is not None:
            threading.Thread(target=self._watch_parent, name="parent-watch", daemon=True).start()

    def _watch_parent(self) -> None:
        while not self.stopping.wait(1.0):
            if os.getppid() != self.parent_pid:
                log.warning("worker %s: the server that started it is gone; stopping", self.worker_id)
                self.stopping.set()

    # ------------------------------------------------------------------ loop
    def run_forever(self) -> None:
        log.info("worker %s waiting for analyses", self.worker_id)
        while not self.stopping.is_set():
            if time.monotonic() - self._last_sweep > 600:
                self.sweep()
            if not self.run_once():
                self.stopping.wait(self.settings.poll_s)
        log.info("worker %s stopped", self.worker_id)

    def run_once(self) -> bool:
        """Claim and run one job; False when the queue was empty."""
        s = self.settings
        claim = jobs.claim_next(self.factory, self.worker_id, s.lease_s, s.max_attempts)
        if claim is None:
            return False
        if claim.taken_over:
            log.warning("job %s: taking over after its previous worker stopped reporting", claim.job_id)
        self.process(claim)
        return True

    def install_signal_handlers(self) -> None:
        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("worker %s: signal %d, stopping after giving back its job", self.worker_id, signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    # ------------------------------------------------------------------ one job
    def process(self, claim: jobs.Claim) -> None:
        s = self.settings
        with self.factory() as db:
            session = db.get(RunSession, claim.session_id)
            input_file = session.input_file if session else None
            settings_text = session.settings_json if session else "{}"
        attempt = self.storage.attempt_dir(claim.session_id, claim.token)
        lost = threading.Event()
        done = threading.Event()

        def beat() -> None:
            while not done.wait(s.heartbeat_s):
                if not jobs.heartbeat(self.factory, claim, s.lease_s):
                    lost.set()
                    return

        last = [0.0]

        def progress(stage: str, fraction: float) -> None:
            if lost.is_set() or self.stopping.is_set():
                raise _Abort()
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or fraction >= 1.0:
                last[0] = now
                if not jobs.report_progress(self.factory, claim, stage, fraction, s.lease_s):
                    lost.set()
                    raise _Abort()

        if claim.taken_over:
            # folders of earlier attempts of this job belong to claims that can no longer complete
            for old in self.storage.session_dir(claim.session_id).glob("run-*"):
                if old != attempt:
                    _remove(old)
        heart = threading.Thread(target=beat, name=f"heartbeat-{claim.job_id}", daemon=True)
        heart.start()
        try:
            if input_file is None:
                raise _Abort()  # the session was deleted after the claim
            self._analyse(
                claim, self.storage.resolve(input_file), settings_from_json(settings_text), attempt, progress
            )
        except _Abort:
            if self.stopping.is_set() and not lost.is_set():
                jobs.release(self.factory, claim)
                log.info("job %s given back to the queue", claim.job_id)
            else:
                log.warning(
                    "job %s: claim lost (taken over or deleted); discarding this attempt", claim.job_id
                )
            _remove(attempt)
        except MidstanceError as exc:
            # the user's file cannot be analysed: the one-line reason is what the page shows
            log.info("job %s failed: %s", claim.job_id, exc.message)
            jobs.fail(self.factory, claim, exc.message)
            _remove(attempt)
        except Exception as exc:
            log.exception("job %s: internal error", claim.job_id)
            jobs.fail(
                self.factory,
                claim,
                f"internal error ({type(exc).__name__}: {exc}); this is a bug — please report it with the file",
            )
            _remove(attempt)
        finally:
            done.set()
            heart.join(timeout=5)
        self._drop_if_orphaned(claim.session_id)

    def _analyse(
        self,
        claim: jobs.Claim,
        input_path: Path,
        settings: AnalysisSettings,
        attempt: Path,
        progress: Callable[[str, float], None],
    ) -> None:
        from midstance.pipeline import InputOptions, OutputPlan, run_full

        _remove(attempt)
        attempt.mkdir(parents=True)
        plan = OutputPlan(
            json=attempt / "result.json",
            csv=attempt / "stances.csv",
            report_dir=attempt / "report" if report_available() else None,
            force=True,
        )
        note = None
        try:
            result_json = run_full(input_path, settings, InputOptions(), plan, progress=progress).to_json(
                indent=None
            )
        except (_Abort, MidstanceError):
            raise
        except Exception as exc:
            # the result is written before the report: a bug in the report costs the report only
            assert plan.json is not None
            if plan.report_dir is None or not plan.json.is_file():
                raise
            log.exception("job %s: the report failed; keeping the analysis without it", claim.job_id)
            note = f"The HTML report could not be made ({type(exc).__name__}: {exc}); please report this bug"
            _remove(plan.report_dir)
            result_json = json.dumps(json.loads(plan.json.read_text(encoding="utf-8")), ensure_ascii=False)
        if jobs.complete(self.factory, claim, result_json, self.storage.relative(attempt), note=note):
            log.info("job %s done", claim.job_id)
        else:
            log.warning("job %s finished after its claim was lost; result discarded", claim.job_id)
            _remove(attempt)

    # ------------------------------------------------------------------ housekeeping
    def _drop_if_orphaned(self, session_id: str) -> None:
        with self.factory() as db:
            exists = db.get(RunSession, session_id) is not None
        if not exists:
            self.storage.delete_session_files(session_id)

    def sweep(self) -> None:
        """Delete files no row refers to: old partial uploads, folders of deleted sessions, and
        attempt folders of claims that were lost."""
        self._last_sweep = time.monotonic()
        cutoff = time.time() - STALE_FILES_S
        for part in self.storage.incoming.glob("*.part"):
            if _mtime(part) < cutoff:
                part.unlink(missing_ok=True)
        with transaction(self.factory) as db:
            # expired sign-ins (anonymous ones come from every visit to a form) and old login failures
            db.execute(delete(AuthSession).where(AuthSession.expires_at < utcnow()))
            db.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - timedelta(days=1)))
            sessions = set(db.scalars(select(RunSession.id)))
            kept = set(db.scalars(select(AnalysisResult.output_dir)))
            running = {
                f"run-{tok}"
                for tok in db.scalars(select(Job.claim_token).where(Job.status == JOB_RUNNING))
                if tok
            }
        for sid in self.storage.session_dirs():
            folder = self.storage.session_dir(sid)
            if sid not in sessions:
                if _mtime(folder) < cutoff:
                    self.storage.delete_session_files(sid)
                continue
            for attempt in folder.glob("run-*"):
                rel = self.storage.relative(attempt)
                if rel not in kept and attempt.name not in running and _mtime(attempt) < time.time() - 3600:
                    _remove(attempt)


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def _remove(p: Path) -> None:
    shutil.rmtree(p, ignore_errors=True)


def run_worker(settings: WebSettings) -> int:
    parent = os.environ.get("MIDSTANCE_WORKER_PARENT_PID")
    worker = Worker(settings, parent_pid=int(parent) if parent and parent.isdigit() else None)
    worker.install_signal_handlers()
    worker.sweep()
    worker.run_forever()
    return 0
