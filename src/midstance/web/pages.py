"""Rendering pages: the template context every page gets, and redirects with a fixed message."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from midstance.web.auth import Visitor, apply_cookie
from midstance.web.state import AppState

#: messages a redirect can ask a page to show; only these codes are accepted, so a link cannot make
#: the app display text of someone else's choosing
NOTICES = {
    "signed-out": "You are signed out.",
    "runner-added": "Runner added.",
    "runner-deleted": "The runner and all their sessions, files and diary entries were deleted.",
    "session-deleted": "The session and its files were deleted.",
    "diary-added": "Diary entry added.",
    "diary-deleted": "Diary entry deleted.",
    "retry": "The analysis was queued again.",
    "welcome": "Welcome! Your account is ready.",
    "runner-saved": "Runner details saved.",
}


def render(
    request: Request, state: AppState, v: Visitor, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    notice = NOTICES.get(request.query_params.get("done", ""))
    ctx = {
        "visitor": v,
        "csrf": v.csrf_token or "",
        "notice": notice,
        "max_upload_bytes": state.settings.max_upload_bytes,
        **context,
    }
    response = state.templates.TemplateResponse(request, template, ctx, status_code=status)
    apply_cookie(request, response, v)
    return response


def redirect(
    path: str, done: str | None = None, v: Visitor | None = None, request: Request | None = None
) -> RedirectResponse:
    base, hash_, fragment = path.partition("#")
    url = (
        base + (("&" if "?" in base else "?") + urlencode({"done": done}) if done else "") + hash_ + fragment
    )
    response = RedirectResponse(url, status_code=303)
    if v is not None and request is not None:
        apply_cookie(request, response, v)
    return response


def safe_next(raw: str | None) -> str:
    """A same-site path to go to after signing in (never another host)."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return quote(raw, safe="/?=&-_.~%")
    return "/"
