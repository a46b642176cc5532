"""Helpers of the web app's tests: a CSRF-aware test client, synthetic inputs, an in-process worker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx2
from fastapi import FastAPI
from fastapi.testclient import TestClient

from midstance.web.settings import WebSettings

PASSWORD = "correct horse battery"
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


def csrf_of(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]*)"', html)
    assert match, "page without a CSRF token"
    return match.group(1)


class Client:
    """A TestClient that remembers its CSRF token and can sign up, add runners and upload."""

    def __init__(self, app: FastAPI, base_url: str = "http://testserver") -> None:
        self.http = TestClient(app, base_url=base_url, follow_redirects=False)
        self.csrf = ""

    def get(self, url: str, **kw: Any) -> httpx2.Response:
        r = self.http.get(url, **kw)
        if r.headers.get("content-type", "").startswith("text/html") and 'name="csrf-token"' in r.text:
            self.csrf = csrf_of(r.text) or self.csrf
        return r

    def post(self, url: str, data: dict[str, str] | None = None, **kw: Any) -> httpx2.Response:
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.http.post(url, data=form, **kw)

    def signup(self, email: str, name: str = "Coach", password: str = PASSWORD) -> None:
        self.get("/signup")
        r = self.post("/signup", {"email": email, "name": name, "password": password})
        assert r.status_code == 303, r.text
        self.get("/")

    def add_runner(self, name: str = "Runner", height_cm: str = "178") -> str:
        r = self.post("/runners", {"name": name, "height_cm": height_cm})
        assert r.status_code == 303, r.text
        runner_id = r.headers["location"].split("/runners/")[1].split("?")[0]
        self.get(f"/runners/{runner_id}")
        return runner_id

    def upload(self, runner_id: str, path: Path, name: str | None = None, **fields: str) -> httpx2.Response:
        with path.open("rb") as fh:
            return self.http.post(
                f"/runners/{runner_id}/sessions",
                data={"recorded_on": "2026-11-01", **fields},
                files={"file": (name or path.name, fh, "application/octet-stream")},
                headers={"X-CSRF-Token": self.csrf, "Accept": "application/json"},
            )


def write_keypoints(
    path: Path, offset_m: tuple[float, float] = (0.08, 0.06), seed: int = 0, duration_s: float = 10.0
) -> Path:
    """A synthetic side-view keypoint CSV (30 fps) whose hip–ankle offsets are known."""
    from midstance.core.synthetic import SyntheticRunner
    from midstance.io import write_keypoint_csv

    trial = SyntheticRunner(
        rate_hz=30, duration_s=duration_s, offset_m=offset_m, noise=1.0, seed=seed
    ).image()
    write_keypoint_csv(trial.keypoints, path)
    return path


def run_jobs(app: FastAPI) -> int:
    """Run every queued analysis with an in-process worker; returns how many ran."""
    from midstance.web.worker import Worker

    state = app.state.midstance
    worker = Worker(state.settings, state.factory)
    n = 0
    while worker.run_once():
        n += 1
    return n


def data_files(settings: WebSettings) -> list[Path]:
    """Every file in the data folder except the SQLite database."""
    root = settings.resolved_data_dir()
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("midstance.db"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """`python -m midstance.web serve` (the web server and its worker processes) on loopback."""

    def __init__(self, data_dir: Path, database_url: str | None = None, **options: str) -> None:
        import os
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (data_dir.parent / f"server-{self.port}.log").open("wb")
        env = dict(os.environ)
        if database_url:
            env["MIDSTANCE_DATABASE_URL"] = database_url
        args = ["--data-dir", str(data_dir), "--port", str(self.port)]
        for k, v in {"--lease-s": "5", "--heartbeat-s": "1", "--poll-s": "0.2", **options}.items():
            args += [k, v]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "midstance.web", "serve", *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        import time

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if httpx2.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        import signal
        import subprocess

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def pose_available() -> bool:
    """Video analysis needs the pose package (MediaPipe); without it the browser test uploads keypoints."""
    import importlib.util

    return (
        importlib.util.find_spec("midstance.pose") is not None
        and importlib.util.find_spec("mediapipe") is not None
    )


def streamed_upload(
    client: Client, runner_id: str, path: Path, name: str, chunk: int = 16 * 1024
) -> httpx2.Response:
    """Upload ``path`` as a real browser's body arrives: in small chunks, without a Content-Length."""

    def body():  # type: ignore[no-untyped-def]
        boundary = b"--XyZ"
        yield boundary + b'\r\nContent-Disposition: form-data; name="recorded_on"\r\n\r\n2026-11-01\r\n'
        yield (
            boundary + f'\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'.encode()
        )
        data = path.read_bytes()
        for i in range(0, len(data), chunk):
            yield data[i : i + chunk]
        yield b"\r\n" + boundary + b"--\r\n"

    return client.http.post(
        f"/runners/{runner_id}/sessions",
        content=body(),
        headers={
            "Content-Type": "multipart/form-data; boundary=XyZ",
            "Accept": "application/json",
            "X-CSRF-Token": client.csrf,
        },
    )
