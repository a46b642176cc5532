"""A coach's runners: add, edit, invite, the timeline page, before/after comparison, export, delete."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from midstance.web.access import runner_for
from midstance.web.auth import (
    NotFound,
    SignedIn,
    Visitor,
    csrf_protect,
)
from midstance.web.change import RULE_SOURCES, RULE_TEXT, describe
from midstance.web.charts import Band, ChartPoint, ChartSeries, DiaryMark, TimeAxis, metric_chart
from midstance.web.db import transaction
from midstance.web.figures import midstance_figure
from midstance.web.forms import FormError, parse_optional_float, text_field
from midstance.web.models import (
    JOB_DONE,
    AnalysisResult,
    DiaryEntry,
    Invite,
    Job,
    Runner,
    RunSession,
    User,
    utcnow,
)
from midstance.web.pages import redirect, render
from midstance.web.results import as_dict, headlines
from midstance.web.security import new_token, token_hash
from midstance.web.state import AppState, State
from midstance.web.timeline import (
    HEADLINE_BY_KEY,
    HEADLINES,
    OFFSET,
    SIDES,
    SessionSummary,
    compare_sessions,
    consecutive_offset_changes,
    fmt,
    summarise,
)
from midstance.web.views_sessions import keyframe_sides

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[Depends(csrf_protect)])
INVITE_DAYS = 14
#: provisional bands of DESIGN.md §6 / midstance.core.findings, drawn behind the offset chart
OFFSET_BANDS = (
    Band(-1000.0, 0.0, "band-behind", "hip behind the ankle"),
    Band(0.0, 5.0, "band-barely", "barely ahead"),
)
#: other headline metrics drawn as small charts under the offset
#: width of the small charts' coordinate system: their text then shows at a readable size
SMALL_WIDTH = 380
SMALL_CHARTS = ("cadence_spm", "overstride_pct_leg", "knee_flexion_midstance_deg", "contact_time_ms")


# ---------------------------------------------------------------------------------------- data
def session_rows(db: Session, runner_id: str) -> list[tuple[RunSession, Job | None, AnalysisResult | None]]:
    rows = db.execute(
        select(RunSession, Job, AnalysisResult)
        .outerjoin(Job, Job.session_id == RunSession.id)
        .outerjoin(AnalysisResult, AnalysisResult.session_id == RunSession.id)
        .where(RunSession.runner_id == runner_id)
        .order_by(RunSession.recorded_on, RunSession.created_at)
    ).all()
    return [(s, j, r) for s, j, r in rows]


def summaries(rows: Sequence[tuple[RunSession, Job | None, AnalysisResult | None]]) -> list[SessionSummary]:
    return [summarise(s.id, s.recorded_on, s.label, r.id, r.result_json) for s, _, r in rows if r is not None]


def diary_entries(db: Session, runner_id: str) -> list[DiaryEntry]:
    return list(
        db.scalars(
            select(DiaryEntry)
            .where(DiaryEntry.runner_id == runner_id)
            .order_by(DiaryEntry.entry_date.desc(), DiaryEntry.created_at.desc())
        )
    )


def diary_title(e: DiaryEntry) -> str:
    parts = [f"{e.entry_date.isoformat()}: pain {e.severity}/10"]
    if e.location:
        parts.append(f"({e.location})")
    if e.pain_onset_km is not None:
        parts.append(f"from {e.pain_onset_km:g} km")
    if e.run_km is not None:
        parts.append(f"of a {e.run_km:g} km run")
    return " ".join(parts)


def chart_for(
    key: str, sums: Sequence[SessionSummary], axis: TimeAxis, diary: Sequence[DiaryEntry] | None
) -> object:
    h = HEADLINE_BY_KEY[key]
    series = []
    for side in SIDES:
        pts = []
        for order, s in enumerate(sums):
            est = s.estimates[key][side]
            if est is None:
                continue
            ci = (
                ""
                if est.n < 2
                else f", 95 % interval {fmt(est.ci_low, h.digits)} to {fmt(est.ci_high, h.digits)}"
            )
            value = f"{fmt(est.median, h.digits)} {h.unit}"
            title = f"{s.recorded_on.isoformat()} {s.label} · {side}: {value}{ci}, {est.n} steps"
            pts.append(
                ChartPoint(
                    s.recorded_on,
                    order,
                    est.median,
                    est.ci_low if est.n > 1 else None,
                    est.ci_high if est.n > 1 else None,
                    title,
                )
            )
        series.append(ChartSeries(side, side, pts))
    marks = None if diary is None else [DiaryMark(e.entry_date, e.severity, diary_title(e)) for e in diary]
    is_offset = key == OFFSET.key
    return metric_chart(
        axis,
        series,
        h.unit,
        title=f"{h.label} per session",
        bands=OFFSET_BANDS if is_offset else (),
        include=(0.0, 5.0) if is_offset else (),
        diary=marks,
        height=250 if is_offset else 170,
    )


def runner_context(state: AppState, v: Visitor, runner_id: str) -> dict[str, Any]:
    """Everything the runner page shows. The rows are read in one short transaction; the bootstrap
    and the charts are computed after it ends (on SQLite an open transaction holds the write lock)."""
    with state.factory() as db:
        runner = runner_for(db, v, runner_id)
        rows = session_rows(db, runner.id)
        diary = diary_entries(db, runner.id)
    sums = summaries(rows)
    axis = TimeAxis.spanning([s.recorded_on for s in sums] + [e.entry_date for e in diary])
    narrow = axis.narrow(SMALL_WIDTH)
    heads = {s.id: headlines(r.id, r.result_json) for s, _, r in rows if r is not None}
    changes = [
        (before, after, side, change, describe(change, OFFSET.unit))
        for before, after, side, change in consecutive_offset_changes(sums)
    ]
    return {
        "runner": runner,
        "manage": runner.coach_id == v.user_id,
        "has_account": runner.user_id is not None,
        "rows": rows,
        "headlines": heads,
        # the offset chart comes twice: wide for screens, narrow (larger text) for phones; CSS shows one
        "offset_chart": chart_for(OFFSET.key, sums, axis, diary) if sums or diary else None,
        "offset_chart_narrow": chart_for(OFFSET.key, sums, narrow, diary) if sums or diary else None,
        "small_charts": [(HEADLINE_BY_KEY[k], chart_for(k, sums, narrow, None)) for k in SMALL_CHARTS]
        if sums
        else [],
        "changes": changes,
        "diary": diary,
        "done_sessions": [(s, r) for s, _, r in rows if r is not None],
        "rule_text": RULE_TEXT,
        "rule_sources": RULE_SOURCES,
        "today": date.today().isoformat(),
        "fmt": fmt,
    }


# ---------------------------------------------------------------------------------------- pages
@router.post("/runners", response_class=HTMLResponse)
def add_runner(
    request: Request,
    state: State,
    v: SignedIn,
    name: Annotated[str, Form()] = "",
    height_cm: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    if not v.is_coach:
        raise NotFound()
    try:
        runner = Runner(
            coach_id=v.user_id,
            name=text_field(name, "Name", 200, required=True),
            height_cm=parse_optional_float(height_cm, "Height (cm)", 80, 250),
            notes=text_field(notes, "Notes", 4000),
        )
    except FormError as exc:
        with state.factory() as db:
            runners = [
                (r, 0)
                for r in db.scalars(select(Runner).where(Runner.coach_id == v.user_id).order_by(Runner.name))
            ]
        return render(request, state, v, "dashboard.html", status=400, runners=runners, error=exc.message)
    with transaction(state.factory) as db:
        db.add(runner)
    return redirect(f"/runners/{runner.id}", "runner-added")


@router.get("/runners/{runner_id}", response_class=HTMLResponse)
def runner_page(runner_id: str, request: Request, state: State, v: SignedIn) -> Response:
    return render(request, state, v, "runner.html", invite_url=None, **runner_context(state, v, runner_id))


@router.post("/runners/{runner_id}/edit")
def edit_runner(
    runner_id: str,
    state: State,
    v: SignedIn,
    name: Annotated[str, Form()] = "",
    height_cm: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    with transaction(state.factory) as db:
        runner = runner_for(db, v, runner_id, manage=True)
        try:
            runner.name = text_field(name, "Name", 200, required=True)
            runner.height_cm = parse_optional_float(height_cm, "Height (cm)", 80, 250)
            runner.notes = text_field(notes, "Notes", 4000)
        except FormError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
    return redirect(f"/runners/{runner_id}", "runner-saved")


@router.post("/runners/{runner_id}/invite", response_class=HTMLResponse)
def invite_runner(runner_id: str, request: Request, state: State, v: SignedIn) -> Response:
    token = new_token()
    with transaction(state.factory) as db:
        runner = runner_for(db, v, runner_id, manage=True)
        if runner.user_id is not None:
            raise NotFound()
        # a new link replaces any earlier one
        db.execute(delete(Invite).where(Invite.runner_id == runner.id))
        db.add(
            Invite(
                runner_id=runner.id,
                token_hash=token_hash(token),
                expires_at=utcnow() + timedelta(days=INVITE_DAYS),
            )
        )
    url = str(request.url_for("invite_form", token=token))
    ctx = runner_context(state, v, runner_id)
    return render(request, state, v, "runner.html", invite_url=url, invite_days=INVITE_DAYS, **ctx)


@router.post("/runners/{runner_id}/delete")
def delete_runner(runner_id: str, state: State, v: SignedIn) -> Response:
    with transaction(state.factory) as db:
        runner = runner_for(db, v, runner_id, manage=True)
        session_ids = list(db.scalars(select(RunSession.id).where(RunSession.runner_id == runner.id)))
        account = runner.user_id
        db.execute(delete(Runner).where(Runner.id == runner.id))
        if account:
            # the runner's own account shows nothing but this runner: it goes with it
            db.execute(delete(User).where(User.id == account))
    for sid in session_ids:
        state.storage.delete_session_files(sid)
    log.info("deleted runner %s with %d sessions", runner_id, len(session_ids))
    return redirect("/", "runner-deleted")


@router.post("/runners/{runner_id}/diary", response_class=HTMLResponse)
def add_diary(
    runner_id: str,
    request: Request,
    state: State,
    v: SignedIn,
    entry_date: Annotated[str, Form()] = "",
    run_km: Annotated[str, Form()] = "",
    pain_onset_km: Annotated[str, Form()] = "",
    location: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    from midstance.web.forms import parse_date

    try:
        sev = parse_optional_float(severity, "Severity (0–10)", 0, 10)
        if sev is None:
            raise FormError("Severity (0–10): required (0 = no pain)")
        if sev != int(sev):
            raise FormError("Severity (0–10): give a whole number")
        run = parse_optional_float(run_km, "Run distance (km)", 0, 1000)
        onset = parse_optional_float(pain_onset_km, "Pain began at (km)", 0, 1000)
        if run is not None and onset is not None and onset > run:
            raise FormError("Pain began at (km): cannot be beyond the run's distance")
        entry = DiaryEntry(
            runner_id=runner_id,
            entry_date=parse_date(entry_date, "Date"),
            run_km=run,
            pain_onset_km=onset,
            location=text_field(location, "Where it hurts", 200),
            severity=int(sev),
            notes=text_field(notes, "Notes", 4000),
        )
    except FormError as exc:
        ctx = runner_context(state, v, runner_id)
        return render(
            request, state, v, "runner.html", status=400, invite_url=None, diary_error=exc.message, **ctx
        )
    with transaction(state.factory) as db:
        runner_for(db, v, runner_id)
        db.add(entry)
    return redirect(f"/runners/{runner_id}#diary", "diary-added")


@router.post("/diary/{entry_id}/delete")
def delete_diary(entry_id: str, state: State, v: SignedIn) -> Response:
    from midstance.web.access import diary_for

    with transaction(state.factory) as db:
        entry, runner = diary_for(db, v, entry_id)
        db.delete(entry)
    return redirect(f"/runners/{runner.id}#diary", "diary-deleted")


@router.get("/runners/{runner_id}/compare", response_class=HTMLResponse)
def compare(runner_id: str, request: Request, state: State, v: SignedIn) -> Response:
    q = request.query_params
    with state.factory() as db:
        runner = runner_for(db, v, runner_id)
        rows = [(s, r) for s, _, r in session_rows(db, runner.id) if r is not None]
    by_id = {s.id: (s, r) for s, r in rows}
    before_id, after_id = q.get("before", ""), q.get("after", "")
    if not rows:
        raise NotFound()
    if before_id not in by_id or after_id not in by_id:
        # default: the first and the latest analysed sessions
        before_id, after_id = rows[0][0].id, rows[-1][0].id
    pair = []
    for sid, caption in ((before_id, "Before"), (after_id, "After")):
        s, r = by_id[sid]
        result = as_dict(r.id, r.result_json)
        figures = {side: midstance_figure(result, side, f"{caption}, {side} foot") for side in SIDES}
        pair.append(
            {
                "caption": caption,
                "session": s,
                "result": r,
                "summary": summarise(s.id, s.recorded_on, s.label, r.id, r.result_json),
                "figures": figures,
                "headline": headlines(r.id, r.result_json),
                "keyframes": keyframe_sides(state, r),
            }
        )
    changes = compare_sessions(pair[0]["summary"], pair[1]["summary"]) if before_id != after_id else []  # type: ignore[arg-type]
    return render(
        request,
        state,
        v,
        "compare.html",
        runner=runner,
        sessions=rows,
        pair=pair,
        changes=changes,
        before_id=before_id,
        after_id=after_id,
        describe=describe,
        fmt=fmt,
        rule_text=RULE_TEXT,
        rule_sources=RULE_SOURCES,
        same=before_id == after_id,
    )


# ---------------------------------------------------------------------------------------- export
def _cell(text: str) -> str:
    # a cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_response(rows: list[list[object]], filename: str) -> Response:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/runners/{runner_id}/sessions.csv")
def export_sessions_csv(runner_id: str, state: State, v: SignedIn) -> Response:
    with state.factory() as db:
        runner = runner_for(db, v, runner_id)
        rows = session_rows(db, runner.id)
    header: list[object] = ["session_id", "recorded_on", "label", "file", "status", "side"]
    for h in HEADLINES:
        header += [f"{h.key}_median", f"{h.key}_ci95_low", f"{h.key}_ci95_high", f"{h.key}_n"]
    out: list[list[object]] = [header]
    for s, job, r in rows:
        if r is None:
            out.append(
                [
                    s.id,
                    s.recorded_on.isoformat(),
                    _cell(s.label),
                    _cell(s.upload_name),
                    job.status if job else "",
                    "",
                ]
            )
            continue
        summary = summarise(s.id, s.recorded_on, s.label, r.id, r.result_json)
        for side in SIDES:
            line: list[object] = [
                s.id,
                s.recorded_on.isoformat(),
                _cell(s.label),
                _cell(s.upload_name),
                JOB_DONE,
                side,
            ]
            for h in HEADLINES:
                est = summary.estimates[h.key][side]
                if est is None:
                    line += ["", "", "", 0]
                else:
                    line += [round(est.median, 4), _num(est.ci_low), _num(est.ci_high), est.n]
            out.append(line)
    return _csv_response(out, f"midstance-{runner.id}-sessions.csv")


def _num(v: float) -> object:
    return "" if v != v else round(v, 4)  # NaN (a single step has no interval) → empty


@router.get("/runners/{runner_id}/diary.csv")
def export_diary_csv(runner_id: str, state: State, v: SignedIn) -> Response:
    with state.factory() as db:
        runner = runner_for(db, v, runner_id)
        entries = diary_entries(db, runner.id)
    out: list[list[object]] = [["date", "run_km", "pain_onset_km", "where", "severity_0_10", "notes"]]
    for e in reversed(entries):
        out.append(
            [
                e.entry_date.isoformat(),
                e.run_km if e.run_km is not None else "",
                e.pain_onset_km if e.pain_onset_km is not None else "",
                _cell(e.location),
                e.severity,
                _cell(e.notes),
            ]
        )
    return _csv_response(out, f"midstance-{runner.id}-diary.csv")


@router.get("/runners/{runner_id}/export.json")
def export_json(runner_id: str, state: State, v: SignedIn) -> Response:
    with state.factory() as db:
        runner = runner_for(db, v, runner_id)
        rows = session_rows(db, runner.id)
        entries = diary_entries(db, runner.id)
    doc = {
        "format": "midstance-runner-history",
        "version": 1,
        "exported_at": utcnow().isoformat() + "Z",
        "runner": {
            "id": runner.id,
            "name": runner.name,
            "height_cm": runner.height_cm,
            "notes": runner.notes,
        },
        "sessions": [
            {
                "id": s.id,
                "recorded_on": s.recorded_on.isoformat(),
                "label": s.label,
                "file": s.upload_name,
                "kind": s.input_kind,
                "status": job.status if job else None,
                "error": job.error if job else None,
                "settings": json.loads(s.settings_json),
                "result": as_dict(r.id, r.result_json) if r else None,
            }
            for s, job, r in rows
        ],
        "diary": [
            {
                "date": e.entry_date.isoformat(),
                "run_km": e.run_km,
                "pain_onset_km": e.pain_onset_km,
                "where": e.location,
                "severity_0_10": e.severity,
                "notes": e.notes,
            }
            for e in reversed(entries)
        ],
    }
    return Response(
        json.dumps(doc, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="midstance-{runner.id}-history.json"'},
    )
