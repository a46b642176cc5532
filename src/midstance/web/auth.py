"""Who is asking: server-side sessions behind an opaque cookie, CSRF tokens, and the login gate.

The cookie holds a random token; the database keeps only its SHA-256 with the session's CSRF token
(synchronizer pattern: forms carry it in a hidden field, fetch/XHR in the X-CSRF-Token header).
Anonymous visitors get a session too when a form is shown, so the sign-in and sign-up forms are
protected as well; signing in replaces that session (no session fixation). Cookies are HttpOnly,
SameSite=Lax, and Secure whenever the request came over https."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from midstance.web.db import transaction
from midstance.web.models import ROLE_COACH, AuthSession, User, utcnow
from midstance.web.security import new_token, same, token_hash
from midstance.web.state import AppState, State

COOKIE = "midstance_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
ANONYMOUS_DAYS = 1.0


class LoginRequired(Exception):
    """The page needs a signed-in user (answered with a redirect to the sign-in page)."""


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token (answered 403)."""


class NotFound(Exception):
    """Missing, or not this user's to see: both answer 404, so ids of others' data reveal nothing."""


@dataclass
class Visitor:
    session_id: str | None
    csrf_token: str | None
    user_id: str | None
    email: str = ""
    display_name: str = ""
    role: str = ""
    #: a cookie to set on the response (a session was created for this request)
    new_cookie: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_coach(self) -> bool:
        return self.role == ROLE_COACH


def _load(db: Session, token: str | None) -> Visitor | None:
    if not token:
        return None
    row = db.get(AuthSession, token_hash(token))
    if row is None or row.expires_at < utcnow():
        return None
    v = Visitor(row.id, row.csrf_token, row.user_id)
    if row.user_id:
        user = db.get(User, row.user_id)
        if user is None:
            return None
        v.email, v.display_name, v.role = user.email, user.display_name, user.role
    return v


def visitor(request: Request, state: State) -> Visitor:
    """The visitor behind the cookie (no session: an empty visitor, nothing written)."""
    cached = getattr(request.state, "visitor", None)
    if isinstance(cached, Visitor):
        return cached
    with state.factory() as db:
        v = _load(db, request.cookies.get(COOKIE)) or Visitor(None, None, None)
    request.state.visitor = v
    return v


def viewer(v: Annotated[Visitor, Depends(visitor)]) -> Visitor:
    """A signed-in visitor, or LoginRequired."""
    if not v.signed_in:
        raise LoginRequired()
    return v


def ensure_session(request: Request, state: AppState, v: Visitor) -> Visitor:
    """Give an anonymous visitor a session (for a form's CSRF token)."""
    if v.session_id is not None:
        return v
    token = new_token()
    csrf = new_token()
    with transaction(state.factory) as db:
        db.add(
            AuthSession(
                id=token_hash(token),
                user_id=None,
                csrf_token=csrf,
                expires_at=utcnow() + timedelta(days=ANONYMOUS_DAYS),
            )
        )
    v = Visitor(token_hash(token), csrf, None, new_cookie=token)
    request.state.visitor = v
    return v


def start_user_session(request: Request, state: AppState, old: Visitor, user: User) -> Visitor:
    token = new_token()
    csrf = new_token()
    with transaction(state.factory) as db:
        if old.session_id:
            db.execute(delete(AuthSession).where(AuthSession.id == old.session_id))
        # drop this user's expired sessions while here
        db.execute(delete(AuthSession).where(AuthSession.expires_at < utcnow()))
        db.add(
            AuthSession(
                id=token_hash(token),
                user_id=user.id,
                csrf_token=csrf,
                expires_at=utcnow() + timedelta(days=state.settings.session_days),
            )
        )
    v = Visitor(token_hash(token), csrf, user.id, user.email, user.display_name, user.role, new_cookie=token)
    request.state.visitor = v
    return v


def end_session(state: AppState, v: Visitor) -> None:
    if v.session_id:
        with transaction(state.factory) as db:
            db.execute(delete(AuthSession).where(AuthSession.id == v.session_id))


def apply_cookie(request: Request, response: Response, v: Visitor) -> None:
    if v.new_cookie:
        response.set_cookie(
            COOKIE,
            v.new_cookie,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


def csrf_valid(v: Visitor, token: str | None) -> bool:
    return same(v.csrf_token, token)


async def csrf_protect(request: Request, v: Annotated[Visitor, Depends(visitor)]) -> None:
    """Every state-changing request must carry the session's CSRF token (header or form field)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form(max_files=0, max_fields=100, max_part_size=64 * 1024)
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not csrf_valid(v, token):
        raise CsrfFailed()


CurrentVisitor = Annotated[Visitor, Depends(visitor)]
SignedIn = Annotated[Visitor, Depends(viewer)]
