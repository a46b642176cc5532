"""`midstance serve`: migrate, start the analysis worker process(es), run the web server.

Workers are separate processes (never threads of the server): an analysis that crashes or runs out
of memory takes down its worker, not the site, and the job is picked up again when the worker is
restarted (the supervisor here restarts it)."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

from midstance.web.settings import WebSettings, env_name

log = logging.getLogger(__name__)
PARENT_ENV = "MIDSTANCE_WORKER_PARENT_PID"
RESTART_BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def worker_environment(settings: WebSettings) -> dict[str, str]:
    """The worker's settings go through the environment, so a database password never shows in `ps`."""
    env = dict(os.environ)
    env[env_name("data_dir")] = str(settings.resolved_data_dir())
    env[env_name("database_url")] = settings.resolved_database_url()
    for name in ("lease_s", "heartbeat_s", "poll_s", "max_attempts"):
        env[env_name(name)] = str(getattr(settings, name))
    # a worker started here stops when this server process is gone, even if it was killed
    env[PARENT_ENV] = str(os.getpid())
    return env


def start_worker(settings: WebSettings) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "midstance.web", "worker"],
        env=worker_environment(settings),
        start_new_session=True,
    )


class WorkerSupervisor:
    """Keeps ``count`` worker processes running until stopped."""

    def __init__(self, settings: WebSettings, count: int) -> None:
        self.settings = settings
        self.count = count
        self.procs: list[subprocess.Popen[bytes]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self.procs = [start_worker(self.settings) for _ in range(self.count)]
        log.info(
            "started %d analysis worker(s): pid %s", self.count, ", ".join(str(p.pid) for p in self.procs)
        )
        self.thread.start()

    def _watch(self) -> None:
        failures = 0
        while not self.stopping.wait(1.0):
            for i, proc in enumerate(self.procs):
                code = proc.poll()
                if code is None or self.stopping.is_set():
                    continue
                delay = RESTART_BACKOFF_S[min(failures, len(RESTART_BACKOFF_S) - 1)]
                log.warning("analysis worker %d exited with %s; restarting in %.0f s", proc.pid, code, delay)
                failures += 1
                if self.stopping.wait(delay):
                    return
                self.procs[i] = start_worker(self.settings)

    def stop(self, timeout_s: float = 30.0) -> None:
        self.stopping.set()
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # the worker gives its job back to the queue first
        deadline = time.monotonic() + timeout_s
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker %d did not stop in time; killing it (its job will be retried)", proc.pid)
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(settings: WebSettings) -> int:
    import uvicorn

    from midstance.web.app import create_app

    data = settings.resolved_data_dir()
    data.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)  # applies migrations before any worker starts
    if not _is_loopback(settings.host):
        log.warning(
            "listening on %s: the app is reachable from the network; serve it over https (a reverse proxy) "
            "so that sign-in cookies are sent securely",
            settings.host,
        )
    log.info("data folder %s", data)
    supervisor = WorkerSupervisor(settings, settings.workers) if settings.workers > 0 else None
    if supervisor:
        supervisor.start()
    else:
        log.info("no worker started (--workers 0): run `midstance worker` to analyse uploads")
    log.info(
        "midstance is at http://%s:%d/",
        settings.host if ":" not in settings.host else f"[{settings.host}]",
        settings.port,
    )
    # uvicorn re-raises a captured SIGTERM/SIGINT after its graceful shutdown; with these handlers
    # that becomes an exception here, so the workers are still stopped cleanly below
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _raise_stop)
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            server_header=False,
        )
    except _Stop:
        log.info("stopping")
    finally:
        if supervisor:
            supervisor.stop()
    return 0


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signum)
