"""Load on the web app: `midstance serve` (web server + analysis workers) on loopback, driven by
concurrent clients that sign up, add a runner, upload small keypoint / motion-capture files, poll the
analysis' progress and fetch pages.

Prints jobs submitted and completed, lost and duplicated jobs (both must be 0; the exit code is 1
otherwise) and page latency percentiles. Bounded: a fixed number of clients and uploads, and a
deadline; every request goes to 127.0.0.1.

    .venv/bin/python benchmarks/web_load.py                    # 20 clients × 2 uploads, SQLite
    .venv/bin/python benchmarks/web_load.py --database-url "$MIDSTANCE_TEST_DATABASE_URL"
    .venv/bin/python benchmarks/web_load.py --kill-worker      # SIGKILL a worker half way through
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

log = logging.getLogger("web_load")
REPO = Path(__file__).resolve().parents[1]
PASSWORD = "load test password"
#: sign-up e-mails are unique per run, so the benchmark can run again on the same database
RUN = os.urandom(4).hex()


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    page_s: list[float] = field(default_factory=list)
    poll_s: list[float] = field(default_factory=list)
    upload_s: list[float] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    finished: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            getattr(self, f"{kind}_s").append(seconds)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def make_inputs(folder: Path, n: int) -> list[Path]:
    """Small analysable files: synthetic keypoint CSVs (10 s at 30 fps) and the sample C3D."""
    sys.path.insert(0, str(REPO / "src"))
    from midstance.core.synthetic import SyntheticRunner
    from midstance.io import write_keypoint_csv

    out = []
    for i in range(n):
        trial = SyntheticRunner(
            rate_hz=30, duration_s=10, offset_m=(0.02 * i, 0.01 * i), noise=1.0, seed=i
        ).image()
        path = folder / f"run{i}.csv"
        write_keypoint_csv(trial.keypoints, path)
        out.append(path)
    out.append(REPO / "samples" / "Running_0002.c3d")
    return out


def csrf(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]*)"', html)
    return m.group(1) if m else ""


def timed_get(client: httpx2.Client, stats: Stats, kind: str, url: str) -> httpx2.Response:
    t = time.perf_counter()
    r = client.get(url)
    stats.add(kind, time.perf_counter() - t)
    return r


def run_client(i: int, base: str, files: list[Path], uploads: int, stats: Stats, deadline: float) -> None:
    with httpx2.Client(base_url=base, timeout=60.0, follow_redirects=False) as c:
        token = csrf(timed_get(c, stats, "page", "/signup").text)
        r = c.post(
            "/signup",
            data={
                "csrf_token": token,
                "email": f"load{i}-{RUN}@example.org",
                "name": f"Coach {i}",
                "password": PASSWORD,
            },
        )
        if r.status_code != 303:
            stats.errors.append(f"client {i}: sign-up answered {r.status_code}")
            return
        token = csrf(timed_get(c, stats, "page", "/").text)
        r = c.post("/runners", data={"csrf_token": token, "name": f"Runner {i}", "height_cm": "175"})
        runner = r.headers["location"].split("/runners/")[1].split("?")[0]
        token = csrf(timed_get(c, stats, "page", f"/runners/{runner}").text)
        sessions = []
        for k in range(uploads):
            path = files[(i + k) % len(files)]
            t = time.perf_counter()
            with path.open("rb") as fh:
                r = c.post(
                    f"/runners/{runner}/sessions",
                    data={"recorded_on": f"2026-10-{k + 1:02d}"},
                    files={"file": (path.name, fh, "application/octet-stream")},
                    headers={"X-CSRF-Token": token, "Accept": "application/json"},
                )
            stats.add("upload", time.perf_counter() - t)
            if r.status_code != 201:
                stats.errors.append(f"client {i}: upload answered {r.status_code} {r.text[:100]}")
                continue
            sid = r.json()["session_id"]
            sessions.append(sid)
            with stats.lock:
                stats.submitted.append(sid)
        pending = set(sessions)
        while pending and time.monotonic() < deadline:
            for sid in list(pending):
                p = timed_get(c, stats, "poll", f"/sessions/{sid}/progress").json()
                if p["status"] in ("done", "failed"):
                    pending.discard(sid)
                    with stats.lock:
                        stats.finished[sid] = p["status"]
                    timed_get(c, stats, "page", f"/sessions/{sid}")
            timed_get(c, stats, "page", f"/runners/{runner}")
            time.sleep(0.5)
        if len(sessions) >= 2:
            timed_get(c, stats, "page", f"/runners/{runner}/compare")


def worker_pids(server_pid: int) -> list[int]:
    """The analysis workers `serve` started (its child processes), from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields_ = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields_[1]) == server_pid:
            pids.append(int(stat.parent.name))
    return pids


def db_counts(url: str, submitted: list[str]) -> dict[str, object]:
    """What the database says about the submitted sessions' jobs."""
    from sqlalchemy import create_engine, func, select

    from midstance.web.models import AnalysisResult, Job, JobEvent

    engine = create_engine(url)
    with engine.connect() as conn:
        status_of = dict(conn.execute(select(Job.session_id, Job.status)).all())
        by_status: dict[str, int] = defaultdict(int)
        for sid in submitted:
            by_status[status_of.get(sid, "missing")] += 1
        completions = conn.execute(
            select(JobEvent.job_id, func.count())
            .where(JobEvent.kind == "completed")
            .group_by(JobEvent.job_id)
        ).all()
        results = conn.execute(
            select(AnalysisResult.session_id, func.count()).group_by(AnalysisResult.session_id)
        ).all()
        takeovers = conn.scalar(select(func.count()).where(JobEvent.kind == "lease_expired"))
    engine.dispose()
    return {
        "by_status": by_status,
        "jobs_completed_twice": sum(1 for _, n in completions if n > 1),
        "sessions_with_two_results": sum(1 for _, n in results if n > 1),
        "takeovers": takeovers,
    }


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--uploads", type=int, default=2, help="uploads per client")
    ap.add_argument("--workers", type=int, default=1, help="analysis worker processes beside the server")
    ap.add_argument(
        "--database-url",
        help="a throwaway database (its rows are left there); default: SQLite in a temporary folder",
    )
    ap.add_argument(
        "--deadline-s", type=float, default=600.0, help="stop waiting for analyses after this long"
    )
    ap.add_argument("--kill-worker", action="store_true", help="SIGKILL an analysis worker half way through")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("httpx", "httpx2", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    work = Path(tempfile.mkdtemp(prefix="midstance-load-"))
    data = work / "data"
    files = make_inputs(work, 4)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    url = args.database_url or f"sqlite:///{data / 'midstance.db'}"
    env["MIDSTANCE_DATABASE_URL"] = url
    server_log = (work / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "midstance.web",
            "serve",
            "--data-dir",
            str(data),
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--lease-s",
            "10",
            "--heartbeat-s",
            "2",
            "--poll-s",
            "0.2",
            # every client signs in from 127.0.0.1: the per-address limit must not trip on the load itself
            "--login-attempts",
            "1000",
        ],
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                if httpx2.get(base + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"server did not start; see {work / 'server.log'}")
        log.info(
            "server on %s (%s, %d worker(s)); %d clients × %d uploads",
            base,
            "PostgreSQL" if url.startswith("postgresql") else "SQLite",
            args.workers,
            args.clients,
            args.uploads,
        )
        stats = Stats()
        start = time.monotonic()
        deadline = start + args.deadline_s
        killer = None
        if args.kill_worker:

            def kill_one() -> None:
                time.sleep(8.0)
                pids = worker_pids(server.pid)
                if pids:
                    log.info("SIGKILL analysis worker %d (serve restarts it; its job is taken over)", pids[0])
                    os.kill(pids[0], signal.SIGKILL)

            killer = threading.Thread(target=kill_one, daemon=True)
            killer.start()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            futures = [
                pool.submit(run_client, i, base, files, args.uploads, stats, deadline)
                for i in range(args.clients)
            ]
            for f in futures:
                f.result()
        wall = time.monotonic() - start
        counts = db_counts(url, stats.submitted)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()

    submitted = len(stats.submitted)
    by_status = counts["by_status"]
    assert isinstance(by_status, dict)
    done = int(by_status.get("done", 0))
    failed = int(by_status.get("failed", 0))
    # a job is lost when its session was accepted but no job row exists for it; one still queued or
    # running when the deadline passed is unfinished (also a failure of the run, reported apart)
    lost = int(by_status.get("missing", 0))
    unfinished = int(by_status.get("queued", 0)) + int(by_status.get("running", 0))
    duplicated = int(counts["jobs_completed_twice"]) + int(counts["sessions_with_two_results"])  # type: ignore[call-overload]
    statuses: dict[str, int] = defaultdict(int)
    for s in stats.finished.values():
        statuses[s] += 1
    print(
        f"clients {args.clients}, uploads per client {args.uploads}, workers {args.workers}, wall {wall:.1f} s"
    )
    print(
        f"jobs submitted {submitted}, completed {done}, failed {failed}, unfinished at deadline {unfinished}"
    )
    print(f"lost jobs {lost}, duplicated jobs {duplicated}, lease take-overs {counts['takeovers']}")
    print(
        f"page latency  p50 {1000 * pct(stats.page_s, 50):.0f} ms  p95 {1000 * pct(stats.page_s, 95):.0f} ms  "
        f"(n {len(stats.page_s)}, max {1000 * max(stats.page_s or [0]):.0f} ms)"
    )
    print(
        f"progress poll p50 {1000 * pct(stats.poll_s, 50):.0f} ms  p95 {1000 * pct(stats.poll_s, 95):.0f} ms  "
        f"(n {len(stats.poll_s)})"
    )
    print(
        f"upload        p50 {1000 * pct(stats.upload_s, 50):.0f} ms  p95 {1000 * pct(stats.upload_s, 95):.0f} ms  "
        f"(n {len(stats.upload_s)})"
    )
    if stats.finished:
        print(f"throughput {done / wall * 60:.1f} analyses/min")
    for e in stats.errors[:10]:
        print("error:", e)
    ok = lost == 0 and duplicated == 0 and unfinished == 0 and not stats.errors
    if ok:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work} for inspection")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
