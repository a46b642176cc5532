"""Who may see what. A coach sees their own runners; a runner with an account sees only their own
record. Anything else — someone else's runner, session, report, video or diary entry, or an id that
does not exist — raises NotFound, answered 404 (never 403, which would confirm the id exists)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from midstance.web.auth import NotFound, Visitor
from midstance.web.models import ROLE_COACH, DiaryEntry, Runner, RunSession


def can_see(v: Visitor, runner: Runner) -> bool:
    if v.user_id is None:
        return False
    return runner.user_id == v.user_id or (v.role == ROLE_COACH and runner.coach_id == v.user_id)


def can_manage(v: Visitor, runner: Runner) -> bool:
    """Deleting a runner or a session, inviting, editing: the runner's coach only."""
    return v.role == ROLE_COACH and runner.coach_id == v.user_id


def runner_for(db: Session, v: Visitor, runner_id: str, manage: bool = False) -> Runner:
    runner = db.get(Runner, runner_id)
    if runner is None or not (can_manage(v, runner) if manage else can_see(v, runner)):
        raise NotFound()
    return runner


def session_for(db: Session, v: Visitor, session_id: str, manage: bool = False) -> tuple[RunSession, Runner]:
    session = db.get(RunSession, session_id)
    if session is None:
        raise NotFound()
    return session, runner_for(db, v, session.runner_id, manage)


def diary_for(db: Session, v: Visitor, entry_id: str) -> tuple[DiaryEntry, Runner]:
    entry = db.get(DiaryEntry, entry_id)
    if entry is None:
        raise NotFound()
    return entry, runner_for(db, v, entry.runner_id)
