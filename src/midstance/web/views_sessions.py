"""Sessions: the upload (streamed, checked, queued), the session page with live progress, the served
report, the stored video and result files, deleting and retrying."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy import func, select

from midstance.core.catalog import STANCE_METRICS
from midstance.web import jobs
from midstance.web.access import runner_for, session_for
from midstance.web.auth import (
    CSRF_HEADER,
    CurrentVisitor,
    LoginRequired,
    NotFound,
    SignedIn,
    Visitor,
    csrf_protect,
    csrf_valid,
)
from midstance.web.db import transaction
from midstance.web.figures import midstance_figure
from midstance.web.forms import (
    FormError,
    analysis_fields,
    parse_analysis_settings,
    parse_date,
    settings_json,
    text_field,
)
from midstance.web.keyframes import midstance_frame
from midstance.web.models import JOB_QUEUED, AnalysisResult, Job, JobEvent, RunSession, new_id
from midstance.web.pages import redirect, render
from midstance.web.results import as_dict, headlines
from midstance.web.state import AppState, State
from midstance.web.timeline import SIDES
from midstance.web.uploads import UploadRejected, human_mb, receive_upload
from midstance.web.worker import report_available, settings_from_json

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[Depends(csrf_protect)])
#: the upload checks its CSRF token itself, inside the stream (reading the form first would buffer the file)
upload_router = APIRouter()

#: the report is our own generated HTML with inline scripts, styles and data: images. It runs
#: sandboxed (an opaque origin: no cookies, no requests back to the app) and may load nothing else.
REPORT_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
    "media-src data: blob:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'; "
    "frame-ancestors 'self'; sandbox allow-scripts allow-popups allow-downloads allow-modals"
)
VIDEO_TYPES = {
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
}
KIND_WORDS = {
    "video": "video",
    "c3d": "C3D motion capture",
    "trc": "TRC markers",
    "rbds": "marker text (RBDS)",
    "marker_table": "marker table",
    "keypoint_csv": "keypoint CSV",
}


# ------------------------------------------------------------------------------------ upload
@router.get("/runners/{runner_id}/upload", response_class=HTMLResponse)
def upload_form(runner_id: str, request: Request, state: State, v: SignedIn) -> Response:
    with state.factory() as db:
        runner = runner_for(db, v, runner_id)
    return render(
        request,
        state,
        v,
        "upload.html",
        runner=runner,
        options=analysis_fields(),
        error=None,
        today=_today(),
        limit_text=human_mb(state.settings.max_upload_bytes),
    )


def _today() -> str:
    from datetime import date

    return date.today().isoformat()


def _rejected(
    request: Request, state: AppState, v: Visitor, runner_id: str, status: int, message: str
) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    with state.factory() as db:
        runner = runner_for(db, v, runner_id)
    return render(
        request,
        state,
        v,
        "upload.html",
        status=status,
        runner=runner,
        options=analysis_fields(),
        error=message,
        today=_today(),
        limit_text=human_mb(state.settings.max_upload_bytes),
    )


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@upload_router.post("/runners/{runner_id}/sessions")
async def upload(runner_id: str, request: Request, state: State, v: CurrentVisitor) -> Response:
    if not v.signed_in:
        if _wants_json(request):
            return JSONResponse({"error": "sign in again to upload"}, status_code=401)
        raise LoginRequired()

    def runner_height() -> float | None:
        with state.factory() as db:
            return runner_for(db, v, runner_id).height_cm

    height_cm = await run_in_threadpool(runner_height)
    partial = state.storage.new_partial()
    try:
        up = await receive_upload(
            request.headers.get("content-type", ""),
            request.headers.get("content-length"),
            request.stream(),
            partial,
            state.settings.max_upload_bytes,
            lambda token: csrf_valid(v, token),
            request.headers.get(CSRF_HEADER),
        )
    except UploadRejected as exc:
        log.info("upload rejected (%d): %s", exc.status, exc.message)
        return await run_in_threadpool(_rejected, request, state, v, runner_id, exc.status, exc.message)
    try:
        fields = dict(up.fields)
        if "height_cm" not in fields and height_cm is not None:
            # a client that sends no height (e.g. a script) gets the runner's; an empty field means none
            fields["height_cm"] = f"{height_cm:g}"
        settings = parse_analysis_settings(fields)
        recorded_on = parse_date(up.fields.get("recorded_on"), "Date of the run")
        label = text_field(up.fields.get("label"), "Label", 200)
    except FormError as exc:
        partial.unlink(missing_ok=True)
        return await run_in_threadpool(_rejected, request, state, v, runner_id, 400, exc.message)

    session_id = new_id()
    relative = state.storage.input_name(session_id, up.kind, up.head)
    final = state.storage.resolve(relative)

    def store() -> None:
        final.parent.mkdir(parents=True, exist_ok=False)
        partial.replace(final)
        with transaction(state.factory) as db:
            runner_for(db, v, runner_id)  # still there and still theirs
            db.add(
                RunSession(
                    id=session_id,
                    runner_id=runner_id,
                    recorded_on=recorded_on,
                    label=label,
                    upload_name=up.display_name,
                    input_kind=up.kind,
                    input_file=relative,
                    size_bytes=up.size_bytes,
                    settings_json=settings_json(settings),
                )
            )
            db.flush()
            jobs.enqueue(db, session_id)

    try:
        await run_in_threadpool(store)
    except BaseException:
        partial.unlink(missing_ok=True)
        state.storage.delete_session_files(session_id)
        raise
    log.info("session %s queued: %s, %d bytes", session_id, up.kind, up.size_bytes)
    url = f"/sessions/{session_id}"
    if _wants_json(request):
        return JSONResponse({"session_id": session_id, "url": url, "kind": up.kind}, status_code=201)
    return redirect(url)


# ------------------------------------------------------------------------------------ pages
def metric_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    metrics = (result.get("summary") or {}).get("metrics") or {}
    rows = []
    for spec in STANCE_METRICS:
        m = metrics.get(spec.name)
        if not m or not any((m.get(side) or {}).get("n") for side in SIDES):
            continue
        rows.append(
            {
                "spec": spec,
                "left": m.get("left") or {},
                "right": m.get("right") or {},
                "asym": m.get("asymmetry_pct"),
            }
        )
    return rows


def report_path(state: AppState, result: AnalysisResult | None) -> Path | None:
    if result is None:
        return None
    path = state.storage.resolve(result.output_dir) / "report" / "index.html"
    return path if path.is_file() else None


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(session_id: str, request: Request, state: State, v: SignedIn) -> Response:
    with state.factory() as db:
        session, runner = session_for(db, v, session_id)
        job = db.scalar(select(Job).where(Job.session_id == session.id))
        result = db.scalar(select(AnalysisResult).where(AnalysisResult.session_id == session.id))
        ahead = _queued_ahead(db, job)
        report_error = (
            db.scalar(
                select(JobEvent.detail).where(JobEvent.job_id == job.id, JobEvent.kind == jobs.REPORT_FAILED)
            )
            if job is not None
            else None
        )
    ctx: dict[str, Any] = {
        "report_error": report_error,
        "session": session,
        "runner": runner,
        "job": job,
        "ahead": ahead,
        "result_row": result,
        "kind_words": KIND_WORDS,
        "manage": runner.coach_id == v.user_id,
        "settings": settings_from_json(session.settings_json),
    }
    if result is not None:
        data = as_dict(result.id, result.result_json)
        ctx.update(
            result=data,
            headline=headlines(result.id, result.result_json),
            rows=metric_rows(data),
            figures={side: midstance_figure(data, side, f"{side.capitalize()} foot") for side in SIDES},
            has_report=report_path(state, result) is not None,
            keyframes=keyframe_sides(state, result),
            report_pending=not report_available(),
        )
    return render(request, state, v, "session.html", **ctx)


def _queued_ahead(db: Any, job: Job | None) -> int:
    if job is None or job.status != JOB_QUEUED:
        return 0
    return int(
        db.scalar(select(func.count(Job.id)).where(Job.status == JOB_QUEUED, Job.created_at < job.created_at))
        or 0
    )


@router.get("/sessions/{session_id}/progress")
def progress(session_id: str, state: State, v: SignedIn) -> Response:
    with state.factory() as db:
        session, _ = session_for(db, v, session_id)
        job = db.scalar(select(Job).where(Job.session_id == session.id))
        if job is None:
            raise NotFound()
        ahead = _queued_ahead(db, job)
        doc = {
            "status": job.status,
            "stage": job.stage,
            "fraction": round(job.fraction, 4),
            "error": job.error,
            "queued_ahead": ahead,
            "attempts": job.attempts,
        }
    return JSONResponse(doc, headers={"Cache-Control": "no-store"})


@router.get("/sessions/{session_id}/report")
def report(session_id: str, state: State, v: SignedIn) -> Response:
    with state.factory() as db:
        session, _ = session_for(db, v, session_id)
        result = db.scalar(select(AnalysisResult).where(AnalysisResult.session_id == session.id))
    path = report_path(state, result)
    if path is None:
        if result is None:
            raise NotFound()
        # no HTML report for this session (made before the report module existed): the session page
        # shows the same result from its JSON
        return redirect(f"/sessions/{session_id}#result")
    return FileResponse(
        path, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": REPORT_CSP}
    )


def _input_file(state: AppState, v: Visitor, session_id: str) -> tuple[RunSession, Path]:
    with state.factory() as db:
        session, _ = session_for(db, v, session_id)
    path = state.storage.resolve(session.input_file)
    if not path.is_file():
        raise NotFound()
    return session, path


def keyframe_sides(state: AppState, result: AnalysisResult | None) -> dict[str, bool]:
    """Which sides have a midstance key frame in the session's report."""
    path = report_path(state, result)
    return {side: path is not None and midstance_frame(path, side) is not None for side in SIDES}


@router.get("/sessions/{session_id}/keyframe/{side}")
def keyframe(session_id: str, side: str, state: State, v: SignedIn) -> Response:
    with state.factory() as db:
        session, _ = session_for(db, v, session_id)
        result = db.scalar(select(AnalysisResult).where(AnalysisResult.session_id == session.id))
    path = report_path(state, result)
    frame = midstance_frame(path, side) if path is not None and side in SIDES else None
    if frame is None:
        raise NotFound()
    media_type, data = frame
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/sessions/{session_id}/video")
def video(session_id: str, state: State, v: SignedIn) -> Response:
    session, path = _input_file(state, v, session_id)
    if session.input_kind != "video":
        raise NotFound()
    return FileResponse(
        path,
        media_type=VIDEO_TYPES.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": "private, max-age=3600"},
    )


@router.get("/sessions/{session_id}/input")
def input_file(session_id: str, state: State, v: SignedIn) -> Response:
    session, path = _input_file(state, v, session_id)
    # a generated download name: the stored display name is user text and never goes into a header
    return FileResponse(
        path, media_type="application/octet-stream", filename=f"midstance-{session.id}-input{path.suffix}"
    )


def _output_file(state: AppState, v: Visitor, session_id: str, name: str) -> Path:
    with state.factory() as db:
        session, _ = session_for(db, v, session_id)
        result = db.scalar(select(AnalysisResult).where(AnalysisResult.session_id == session.id))
    if result is None:
        raise NotFound()
    path = state.storage.resolve(result.output_dir) / name
    if not path.is_file():
        raise NotFound()
    return path


@router.get("/sessions/{session_id}/result.json")
def result_json(session_id: str, state: State, v: SignedIn) -> Response:
    path = _output_file(state, v, session_id, "result.json")
    return FileResponse(path, media_type="application/json", filename=f"midstance-{session_id}.json")


@router.get("/sessions/{session_id}/stances.csv")
def stances_csv(session_id: str, state: State, v: SignedIn) -> Response:
    path = _output_file(state, v, session_id, "stances.csv")
    return FileResponse(
        path, media_type="text/csv; charset=utf-8", filename=f"midstance-{session_id}-stances.csv"
    )


@router.post("/sessions/{session_id}/delete")
def delete_session(session_id: str, state: State, v: SignedIn) -> Response:
    with transaction(state.factory) as db:
        session, runner = session_for(db, v, session_id, manage=True)
        runner_id = runner.id
        db.delete(session)
    state.storage.delete_session_files(session_id)
    return redirect(f"/runners/{runner_id}", "session-deleted")


@router.post("/sessions/{session_id}/retry")
def retry(session_id: str, state: State, v: SignedIn) -> Response:
    with transaction(state.factory) as db:
        session, _ = session_for(db, v, session_id)
        job = db.scalar(select(Job).where(Job.session_id == session.id))
        if job is not None:
            jobs.retry(db, job.id)
    return redirect(f"/sessions/{session_id}", "retry")
