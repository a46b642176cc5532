"""Security: others' data answers 404, uploads are checked from their content and size with nothing
left behind, user text never becomes a path or markup, CSRF on every state-changing request, the
login rate limit, cookies and headers."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from webhelpers import PASSWORD, Client, data_files, run_jobs

from midstance.web.models import RunSession
from midstance.web.settings import WebSettings


@pytest.fixture
def two_coaches(app, keypoints_csv: Path) -> tuple[Client, Client, dict[str, str]]:
    """Coach A with a runner, an analysed session and a diary entry; coach B with nothing."""
    a, b = Client(app), Client(app)
    a.signup("a@example.org", "A")
    b.signup("b@example.org", "B")
    runner = a.add_runner("A's runner")
    session = a.upload(runner, keypoints_csv).json()["session_id"]
    run_jobs(app)
    a.post(f"/runners/{runner}/diary", {"entry_date": "2026-10-01", "severity": "5", "location": "knee"})
    page = a.get(f"/runners/{runner}").text
    diary = re.search(r'action="/diary/([^/]+)/delete"', page)
    assert diary
    return a, b, {"runner": runner, "session": session, "diary": diary.group(1)}


def test_others_data_answers_404(two_coaches: tuple[Client, Client, dict[str, str]]) -> None:
    a, b, ids = two_coaches
    r, s = ids["runner"], ids["session"]
    reads = [
        f"/runners/{r}",
        f"/runners/{r}/upload",
        f"/runners/{r}/compare",
        f"/runners/{r}/sessions.csv",
        f"/runners/{r}/diary.csv",
        f"/runners/{r}/export.json",
        f"/sessions/{s}",
        f"/sessions/{s}/progress",
        f"/sessions/{s}/report",
        f"/sessions/{s}/video",
        f"/sessions/{s}/input",
        f"/sessions/{s}/result.json",
        f"/sessions/{s}/stances.csv",
        f"/sessions/{s}/keyframe/left",
    ]
    for url in reads:
        assert a.get(url).status_code in (200, 303, 404), url  # the owner gets there (video: not a video)
        got = b.get(url)
        assert got.status_code == 404, url
        assert "A's runner" not in got.text
    writes = [
        f"/runners/{r}/edit",
        f"/runners/{r}/delete",
        f"/runners/{r}/invite",
        f"/runners/{r}/diary",
        f"/sessions/{s}/delete",
        f"/sessions/{s}/retry",
        f"/diary/{ids['diary']}/delete",
    ]
    for url in writes:
        assert b.post(url, {"name": "x", "severity": "1"}).status_code == 404, url
    with b.http.app.state.midstance.factory() as db:  # nothing of A's changed
        assert db.get(RunSession, s) is not None
    up = b.upload(r, Path(__file__))
    assert up.status_code == 404
    # an id that does not exist looks the same as someone else's
    assert b.get("/sessions/doesnotexist1").status_code == 404
    assert b.get("/runners/doesnotexist1").text == b.get(f"/runners/{r}").text


def test_oversize_upload_is_rejected_while_streaming(
    app, coach: Client, settings: WebSettings, tmp_path: Path
) -> None:
    runner = coach.add_runner()
    big = tmp_path / "big.mp4"
    # a real video header, then more than the 5 MB limit of the test settings
    big.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (6 * 1024 * 1024))
    r = coach.upload(runner, big)
    assert r.status_code == 413
    assert "larger than the 5.0 MB limit" in r.json()["error"]
    assert data_files(settings) == []

    # without a Content-Length the limit still holds: the stream is counted as it arrives
    def chunks():  # type: ignore[no-untyped-def]
        boundary = b"--XyZ"
        yield boundary + b"\r\n"
        yield f'Content-Disposition: form-data; name="csrf_token"\r\n\r\n{coach.csrf}\r\n'.encode()
        yield boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="x.mp4"\r\n\r\n'
        yield b"\x00\x00\x00\x18ftypmp42"
        for _ in range(7):
            yield b"\x00" * (1024 * 1024)
        yield b"\r\n" + boundary + b"--\r\n"

    r = coach.http.post(
        f"/runners/{runner}/sessions",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=XyZ", "Accept": "application/json"},
    )
    assert r.status_code == 413 and "limit" in r.json()["error"]
    assert data_files(settings) == []


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello" * 1000)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # a PDF's first two bytes happen to match C3D's magic: the reader has the last word
        ("clip.mp4", b"%PDF-1.7\n" + bytes(range(256)) * 40, "not a file midstance can read"),
        ("clip.mp4", b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 40, "not a file midstance can read"),
        ("clip.mp4", _zip_bytes(), "not a file midstance can read"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, "still image"),
        ("notes.csv", b"name,age\nbob,3\n", "not a format midstance reads"),
        ("empty.mp4", b"", "is empty"),
    ],
)
def test_wrong_kinds_of_file_are_rejected(
    app, coach: Client, settings: WebSettings, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    runner = coach.add_runner()
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    r = coach.upload(runner, path, name=name)
    assert r.status_code in (400, 415), r.text
    error = r.json()["error"]
    assert message in error
    assert name in error  # the message names the file as the user knows it, not our temporary name
    assert ".part" not in error
    assert data_files(settings) == []
    with app.state.midstance.factory() as db:
        assert db.scalars(select(RunSession)).first() is None


def test_html_form_upload_rejection_renders_the_form_with_the_message(coach: Client, tmp_path: Path) -> None:
    runner = coach.add_runner()
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with bad.open("rb") as fh:
        r = coach.http.post(
            f"/runners/{runner}/sessions",
            data={"csrf_token": coach.csrf},
            files={"file": ("holiday.png", fh, "image/png")},
        )
    assert r.status_code == 415
    assert "holiday.png is a still image" in r.text and 'name="file"' in r.text


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.mp4", "..\\..\\boot.ini", "läufer 🏃‍♀️ 東京.csv", "/abs/x.csv"]
)
def test_file_names_are_display_text_only(
    app, coach: Client, keypoints_csv: Path, settings: WebSettings, name: str
) -> None:
    runner = coach.add_runner()
    r = coach.upload(runner, keypoints_csv, name=name)
    assert r.status_code == 201, r.text
    sid = r.json()["session_id"]
    root = settings.resolved_data_dir()
    stored = [p.relative_to(root).as_posix() for p in data_files(settings)]
    assert stored == [f"sessions/{sid}/input.csv"]
    with app.state.midstance.factory() as db:
        session = db.get(RunSession, sid)
        assert session is not None
        shown = session.upload_name
    assert "/" not in shown and "\\" not in shown
    assert shown == name.replace("\\", "/").rsplit("/", 1)[-1]
    page = coach.get(f"/sessions/{sid}").text
    assert shown in page
    assert not Path("/etc/passwd.mp4").exists()


def test_injection_strings_are_stored_and_shown_verbatim(app, coach: Client) -> None:
    evil = "Robert'); DROP TABLE runners;-- <img src=x onerror=alert(1)> \" OR 1=1 --"
    runner = coach.add_runner(evil)
    coach.post(
        f"/runners/{runner}/diary",
        {"entry_date": "2026-10-01", "severity": "2", "location": evil, "notes": evil},
    )
    page = coach.get(f"/runners/{runner}").text
    escaped = "Robert&#39;); DROP TABLE runners;-- &lt;img src=x onerror=alert(1)&gt; &#34; OR 1=1 --"
    assert page.count(escaped) >= 3  # heading, diary location and notes
    assert "<img src=x" not in page
    assert coach.get(f"/runners/{runner}/export.json").json()["runner"]["name"] == evil
    home = coach.get("/").text
    assert escaped in home
    # and the login form: an injection in the e-mail is just a wrong e-mail
    other = Client(app)
    other.get("/login")
    r = other.post("/login", {"email": "' OR '1'='1", "password": "' OR '1'='1"})
    assert r.status_code == 400


def test_every_state_changing_route_requires_the_csrf_token(app, coach: Client, keypoints_csv: Path) -> None:
    runner = coach.add_runner()
    sid = coach.upload(runner, keypoints_csv).json()["session_id"]
    ids = {"runner_id": runner, "session_id": sid, "entry_id": "x", "token": "x"}
    from midstance.web import views_auth, views_runners, views_sessions

    # every router but the upload's checks the token as a router dependency; the upload checks it
    # inside the stream, and that router holds nothing else
    assert [r.path for r in views_sessions.upload_router.routes] == ["/runners/{runner_id}/sessions"]
    unsafe = [
        (route.path, method)
        for router in (views_auth.router, views_runners.router, views_sessions.router)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if method not in ("GET", "HEAD", "OPTIONS")
    ]
    assert len(unsafe) >= 12
    for path, method in unsafe:
        url = path.format(**ids)
        r = coach.http.request(method, url, data={"name": "x", "email": "x@y.z", "password": PASSWORD})
        assert r.status_code == 403, f"{method} {path}: {r.status_code}"
        r = coach.http.request(method, url, data={"csrf_token": "forged", "name": "x"})
        assert r.status_code == 403, f"{method} {path} with a forged token"
    # the upload without a token: rejected before the file is stored
    with keypoints_csv.open("rb") as fh:
        r = coach.http.post(
            f"/runners/{runner}/sessions",
            files={"file": ("a.csv", fh)},
            headers={"Accept": "application/json"},
        )
    assert r.status_code == 403
    # the session is still there, the runner too
    assert coach.get(f"/sessions/{sid}").status_code == 200


def test_login_is_rate_limited(app, client: Client, settings: WebSettings) -> None:
    client.signup("victim@example.org")
    client.post("/logout")
    attacker = Client(app)
    attacker.get("/login")
    limit = settings.login_attempts
    for _ in range(limit):
        r = attacker.post("/login", {"email": "victim@example.org", "password": "guess guess guess"})
        assert r.status_code == 400
    r = attacker.post("/login", {"email": "victim@example.org", "password": PASSWORD})
    assert r.status_code == 429 and "too many failed sign-ins" in r.text
    # the limit is per account and per address: another account from this address is limited too
    r = attacker.post("/login", {"email": "someone@example.org", "password": PASSWORD})
    assert r.status_code == 429


def test_cookies_and_headers(app) -> None:
    fresh = Client(app)
    r = fresh.http.get("/login")
    set_cookie = r.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "samesite=lax" in set_cookie.lower()
    assert "Secure" not in set_cookie  # plain http on loopback
    secure = Client(app, base_url="https://testserver")
    assert "Secure" in secure.http.get("/login").headers["set-cookie"]
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "default-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    # the cookie is an opaque token: nothing about the user is in it, and a guessed one is nobody
    c = Client(app)
    c.signup("who@example.org", "Who")
    token = c.http.cookies.get("midstance_session")
    assert token and "who" not in token.lower() and len(token) >= 40
    assert c.get("/").status_code == 200 and "Who" in c.get("/").text
    c.http.cookies.clear()
    c.http.cookies.set("midstance_session", "A" * 43)
    assert c.get("/runners/x").status_code == 303


def test_sign_in_rotates_the_session(app) -> None:
    c = Client(app)
    c.get("/login")
    before = c.http.cookies.get("midstance_session")
    c.signup("rot@example.org")
    after = c.http.cookies.get("midstance_session")
    assert before and after and before != after
    # the pre-login session is gone: replaying it gives an anonymous visitor
    replay = Client(app)
    replay.http.cookies.clear()
    replay.http.cookies.set("midstance_session", before)
    assert replay.get("/runners/x").status_code == 303


@pytest.mark.parametrize(
    ("next_", "where"),
    [
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/runners/abc?x=1", "/runners/abc?x=1"),
    ],
)
def test_sign_in_redirects_only_within_the_site(app, next_: str, where: str) -> None:
    c = Client(app)
    c.signup("nav@example.org")
    c.post("/logout")
    c.get("/login")
    r = c.post("/login", {"email": "nav@example.org", "password": PASSWORD, "next": next_})
    assert r.status_code == 303 and r.headers["location"] == where
