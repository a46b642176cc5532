"""The app in-process (FastAPI's TestClient) with the worker run in-process, on both databases:
signing up, runners, uploads analysed into sessions, the timeline, diary, comparison, export and
deleting (which removes the files too)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from webhelpers import PASSWORD, Client, data_files, run_jobs, streamed_upload, write_keypoints

from midstance.web.models import AnalysisResult, DiaryEntry, Job, JobEvent, RunSession
from midstance.web.settings import WebSettings


def test_signup_login_logout(app, client: Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "Create an account" in r.text
    client.signup("Coach@Example.org", "Coach Q")
    home = client.get("/")
    assert "Your runners" in home.text and "Coach Q" in home.text
    r = client.post("/logout")
    assert r.status_code == 303
    assert client.get("/").text.count("Your runners") == 0
    assert client.get("/runners/whatever").status_code == 303  # signed out: to the sign-in page
    client.get("/login")
    r = client.post("/login", {"email": "coach@example.org", "password": PASSWORD, "next": "/"})
    assert r.status_code == 303
    assert "Your runners" in client.get("/").text
    client.post("/logout")
    client.get("/login")
    bad = client.post("/login", {"email": "coach@example.org", "password": "wrong password!"})
    assert bad.status_code == 400 and "wrong e-mail address or password" in bad.text


def test_signup_rejects_duplicates_and_short_passwords(client: Client) -> None:
    client.signup("dup@example.org")
    other = Client(client.http.app)
    other.get("/signup")
    r = other.post("/signup", {"email": "DUP@example.org", "name": "X", "password": PASSWORD})
    assert r.status_code == 400 and "exists" in r.text
    r = other.post("/signup", {"email": "new@example.org", "name": "X", "password": "short"})
    assert r.status_code == 400 and "at least 10 characters" in r.text


def test_upload_analyse_and_show(app, coach: Client, keypoints_csv: Path, settings: WebSettings) -> None:
    runner_id = coach.add_runner("Ada", "170")
    page = coach.get(f"/runners/{runner_id}/upload")
    # the analysis options come from AnalysisSettings, with their help text
    for name in ("height_cm", "slope_pct", "setting", "kinematics_cutoff_hz", "max_gap_s"):
        assert f'name="{name}"' in page.text
    assert "Treadmill or overground" in page.text
    assert 'value="170"' in page.text  # the runner's height is filled in

    r = coach.upload(runner_id, keypoints_csv, label="treadmill 12 km/h", slope_pct="-2")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "keypoint_csv"
    sid = body["session_id"]
    progress = coach.get(f"/sessions/{sid}/progress").json()
    assert progress["status"] == "queued" and progress["fraction"] == 0

    queued_page = coach.get(f"/sessions/{sid}")
    assert 'data-progress-url="/sessions/' in queued_page.text

    assert run_jobs(app) == 1
    progress = coach.get(f"/sessions/{sid}/progress").json()
    assert progress == {**progress, "status": "done", "fraction": 1.0, "error": None, "attempts": 1}

    page = coach.get(f"/sessions/{sid}")
    assert page.status_code == 200
    assert "At midstance" in page.text and "hip ahead of the ankle" in page.text
    assert "treadmill 12 km/h" in page.text
    assert "slope -2 %" in page.text  # the chosen setting reached the analysis
    with app.state.midstance.factory() as db:
        row = db.scalar(select(AnalysisResult).where(AnalysisResult.session_id == sid))
        assert row is not None
        result = json.loads(row.result_json)
    assert result["runner"]["slope_pct"] == -2.0
    assert result["runner"]["height_cm"] == 170.0
    offsets = [s["hip_ankle_offset_m"] for s in result["stances"] if s["side"] == "left"]
    assert len(offsets) >= 7

    # the stored files are under generated names in the session's folder
    names = [p.relative_to(settings.resolved_data_dir()).as_posix() for p in data_files(settings)]
    assert f"sessions/{sid}/input.csv" in names
    assert any(re.fullmatch(rf"sessions/{sid}/run-[0-9a-f]{{32}}/result.json", n) for n in names)
    assert not any(n.startswith("incoming/") for n in names)

    got = coach.get(f"/sessions/{sid}/result.json")
    assert got.status_code == 200 and got.json()["schema_version"] == 1
    assert coach.get(f"/sessions/{sid}/stances.csv").text.startswith("side,")
    assert coach.get(f"/sessions/{sid}/input").content == keypoints_csv.read_bytes()
    assert coach.get(f"/sessions/{sid}/video").status_code == 404  # not a video


def test_report_is_served_with_its_own_policy(app, coach: Client, mocap_c3d: Path) -> None:
    from midstance.web.worker import report_available

    runner_id = coach.add_runner()
    sid = coach.upload(runner_id, mocap_c3d).json()["session_id"]
    run_jobs(app)
    r = coach.get(f"/sessions/{sid}/report")
    if not report_available():
        assert r.status_code == 303 and r.headers["location"].endswith("#result")
        return
    assert r.status_code == 200
    assert r.text.lstrip().lower().startswith("<!doctype html")
    policy = r.headers["content-security-policy"]
    assert "script-src 'unsafe-inline'" in policy and "img-src data:" in policy
    assert "connect-src 'none'" in policy and "sandbox allow-scripts" in policy
    assert "allow-same-origin" not in policy  # the report cannot act as the signed-in user
    page = coach.get(f"/sessions/{sid}")
    assert f'href="/sessions/{sid}/report"' in page.text


def test_failed_analysis_shows_the_reason_and_can_be_retried(app, coach: Client, tmp_path: Path) -> None:
    runner_id = coach.add_runner()
    # a valid keypoint CSV with too little running in it: one second, no complete stance
    short = write_keypoints(tmp_path / "short.csv", duration_s=0.3)
    sid = coach.upload(runner_id, short).json()["session_id"]
    run_jobs(app)
    progress = coach.get(f"/sessions/{sid}/progress").json()
    assert progress["status"] == "failed"
    assert progress["error"] and "\n" not in progress["error"]
    page = coach.get(f"/sessions/{sid}")
    assert "did not succeed" in page.text and progress["error"].split(";")[0] in page.text
    r = coach.post(f"/sessions/{sid}/retry")
    assert r.status_code == 303
    assert coach.get(f"/sessions/{sid}/progress").json()["status"] == "queued"


def test_timeline_diary_compare_and_export(app, coach: Client, tmp_path: Path) -> None:
    runner_id = coach.add_runner("Ben", "180")
    before = write_keypoints(tmp_path / "before.csv", offset_m=(-0.03, -0.02), seed=1)
    after = write_keypoints(tmp_path / "after.csv", offset_m=(0.08, 0.07), seed=2)
    same = write_keypoints(tmp_path / "same.csv", offset_m=(0.08, 0.07), seed=3)
    ids = []
    for path, day in ((before, "2026-10-01"), (after, "2026-10-15"), (same, "2026-10-29")):
        r = coach.upload(runner_id, path, recorded_on=day, label=path.stem)
        ids.append(r.json()["session_id"])
    assert run_jobs(app) == 3

    for day, sev, where in (("2026-10-02", "6", "below the kneecap"), ("2026-10-20", "2", "knee")):
        r = coach.post(
            f"/runners/{runner_id}/diary",
            {"entry_date": day, "run_km": "10", "pain_onset_km": "4", "location": where, "severity": sev},
        )
        assert r.status_code == 303
    bad = coach.post(f"/runners/{runner_id}/diary", {"entry_date": "2026-10-03", "severity": "11"})
    assert bad.status_code == 400 and "between 0 and 10" in bad.text

    page = coach.get(f"/runners/{runner_id}").text
    assert page.count('<svg class="chart"') == 6  # the offset (wide and narrow, with the diary) and four more
    assert "pain 6/10 (below the kneecap) from 4 km of a 10 km run" in page
    assert "REAL change" in page and "within noise" in page
    assert "Weir" in page and "Efron" in page
    assert "association" in page and "diagnos" in page

    cmp = coach.get(f"/runners/{runner_id}/compare", params={"before": ids[0], "after": ids[1]})
    assert cmp.status_code == 200
    text = cmp.text
    assert "Before" in text and "After" in text
    offset_row = re.search(
        r'Hip–ankle offset at midstance <span class="muted">\(% leg\)</span>.*?</tr>', text, re.S
    )
    assert offset_row and "REAL change" in offset_row.group(0)
    assert "MDC95" in text
    cmp2 = coach.get(f"/runners/{runner_id}/compare", params={"before": ids[1], "after": ids[2]}).text
    row2 = re.search(
        r'Hip–ankle offset at midstance <span class="muted">\(% leg\)</span>.*?</tr>', cmp2, re.S
    )
    assert row2 and "within noise" in row2.group(0)

    rows = list(csv.DictReader(io.StringIO(coach.get(f"/runners/{runner_id}/sessions.csv").text)))
    assert len(rows) == 6  # three sessions × two sides
    first_left = next(r for r in rows if r["session_id"] == ids[0] and r["side"] == "left")
    assert float(first_left["hip_ankle_offset_pct_leg_median"]) < 0  # hip behind the ankle
    diary = list(csv.DictReader(io.StringIO(coach.get(f"/runners/{runner_id}/diary.csv").text)))
    assert [d["severity_0_10"] for d in diary] == ["6", "2"]
    doc = coach.get(f"/runners/{runner_id}/export.json").json()
    assert doc["runner"]["name"] == "Ben" and len(doc["sessions"]) == 3 and len(doc["diary"]) == 2
    assert doc["sessions"][0]["result"]["schema_version"] == 1

    with app.state.midstance.factory() as db:
        entry_id = db.scalar(select(DiaryEntry.id).where(DiaryEntry.severity == 2))
    assert coach.post(f"/diary/{entry_id}/delete").status_code == 303
    assert len(coach.get(f"/runners/{runner_id}/export.json").json()["diary"]) == 1


def test_deleting_a_session_and_a_runner_removes_their_files(
    app, coach: Client, keypoints_csv: Path, mocap_c3d: Path, settings: WebSettings
) -> None:
    runner_id = coach.add_runner()
    s1 = coach.upload(runner_id, keypoints_csv).json()["session_id"]
    s2 = coach.upload(runner_id, mocap_c3d).json()["session_id"]
    run_jobs(app)
    coach.post(f"/runners/{runner_id}/diary", {"entry_date": "2026-10-02", "severity": "3"})
    root = settings.resolved_data_dir()
    assert (root / "sessions" / s1).is_dir() and (root / "sessions" / s2).is_dir()

    assert coach.post(f"/sessions/{s1}/delete").status_code == 303
    assert not (root / "sessions" / s1).exists()
    assert coach.get(f"/sessions/{s1}").status_code == 404
    assert (root / "sessions" / s2).is_dir()

    assert coach.post(f"/runners/{runner_id}/delete").status_code == 303
    assert data_files(settings) == []
    assert coach.get(f"/runners/{runner_id}").status_code == 404
    with app.state.midstance.factory() as db:
        for table in (RunSession, Job, AnalysisResult, JobEvent, DiaryEntry):
            assert db.scalar(select(func.count()).select_from(table)) == 0, table.__tablename__


def test_invited_runner_sees_only_their_own_data(app, coach: Client, keypoints_csv: Path) -> None:
    mine = coach.add_runner("Invited Ivy")
    other = coach.add_runner("Other Olga")
    sid_mine = coach.upload(mine, keypoints_csv).json()["session_id"]
    sid_other = coach.upload(other, keypoints_csv).json()["session_id"]
    run_jobs(app)
    r = coach.post(f"/runners/{mine}/invite")
    link = re.search(r'value="(http://testserver/invite/[^"]+)"', r.text)
    assert link, "no invite link on the page"
    token_path = link.group(1).removeprefix("http://testserver")

    ivy = Client(app)
    ivy.get(token_path)
    r = ivy.post(token_path, {"email": "ivy@example.org", "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/runners/{mine}")
    assert ivy.get("/").headers["location"] == f"/runners/{mine}"
    assert ivy.get(f"/runners/{mine}").status_code == 200
    assert ivy.get(f"/sessions/{sid_mine}").status_code == 200
    assert ivy.get(f"/sessions/{sid_mine}/report").status_code in (200, 303)
    # the runner may keep a diary, but not delete sessions or invite
    assert (
        ivy.post(f"/runners/{mine}/diary", {"entry_date": "2026-10-02", "severity": "4"}).status_code == 303
    )
    for url in (f"/runners/{other}", f"/sessions/{sid_other}", f"/sessions/{sid_other}/progress"):
        assert ivy.get(url).status_code == 404, url
    for url in (
        f"/sessions/{sid_mine}/delete",
        f"/runners/{mine}/delete",
        f"/runners/{mine}/invite",
        "/runners",
    ):
        assert ivy.post(url, {"name": "x"}).status_code == 404, url
    # the link works once
    again = Client(app)
    assert again.get(token_path).status_code == 404


def test_uploads_arriving_in_small_chunks(app, coach: Client, keypoints_csv: Path, mocap_c3d: Path) -> None:
    # the type check on the first bytes must not judge a file that has only partly arrived
    runner_id = coach.add_runner()
    for path in (mocap_c3d, keypoints_csv):
        r = streamed_upload(coach, runner_id, path, path.name, chunk=4096)
        assert r.status_code == 201, r.text
    assert run_jobs(app) == 2


def test_a_failing_report_costs_only_the_report(app, coach: Client, keypoints_csv: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    report = pytest.importorskip("midstance.report", reason="the report module is not installed")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated bug in the report")

    monkeypatch.setattr(report, "write_report", broken)
    runner_id = coach.add_runner()
    sid = coach.upload(runner_id, keypoints_csv).json()["session_id"]
    run_jobs(app)
    assert coach.get(f"/sessions/{sid}/progress").json()["status"] == "done"
    page = coach.get(f"/sessions/{sid}").text
    assert "At midstance" in page
    assert "report could not be made (RuntimeError: simulated bug in the report)" in page
    assert f'href="/sessions/{sid}/report"' not in page
    assert coach.get(f"/sessions/{sid}/result.json").json()["schema_version"] == 1


def test_sweep_removes_files_no_row_refers_to(app, settings: WebSettings) -> None:
    import os
    import time

    from midstance.web.worker import Worker

    root = settings.resolved_data_dir()
    old = time.time() - 7 * 3600
    stale_dir = root / "sessions" / "orphanSession1"
    stale_dir.mkdir(parents=True)
    (stale_dir / "input.csv").write_text("x")
    fresh_dir = root / "sessions" / "uploadInFlight"  # an upload between its move and its commit
    fresh_dir.mkdir()
    partial = root / "incoming" / "abandoned.part"
    partial.write_bytes(b"x")
    for p in (stale_dir, partial):
        os.utime(p, (old, old))
    Worker(settings, app.state.midstance.factory).sweep()
    assert not stale_dir.exists() and not partial.exists()
    assert fresh_dir.exists()
