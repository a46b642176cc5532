"""The FastAPI application: routes, security headers, error pages, static files.

Everything the pages need is served from here — no fonts, scripts or styles from elsewhere — and
the Content-Security-Policy says so to the browser."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from midstance import __version__
from midstance.web.auth import CsrfFailed, LoginRequired, NotFound, Visitor
from midstance.web.db import make_engine, migrate, session_factory
from midstance.web.settings import WebSettings
from midstance.web.state import STATIC, TEMPLATES, AppState
from midstance.web.storage import Storage

log = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; manifest-src 'self'"
)
SECURITY_HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    b"cross-origin-opener-policy": b"same-origin",
    b"cross-origin-resource-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class SecurityHeaders:
    """Adds the security headers to every response (a route may set its own CSP, e.g. the report),
    and keeps pages with personal data out of caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, val in SECURITY_HEADERS.items():
                    if k not in present:
                        headers.append((k, val))
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.globals["version"] = __version__
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates


def create_app(settings: WebSettings, *, apply_migrations: bool = True) -> FastAPI:
    """The app for ``settings``; the database schema is brought up to date first."""
    from midstance.web import views_auth, views_runners, views_sessions

    engine = make_engine(settings.resolved_database_url())
    if apply_migrations:
        migrate(engine)
    storage = Storage(settings.resolved_data_dir()).prepare()
    app = FastAPI(title="midstance", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.midstance = AppState(settings, engine, session_factory(engine), storage, _templates())
    app.include_router(views_auth.router)
    app.include_router(views_runners.router)
    app.include_router(views_sessions.router)
    app.include_router(views_sessions.upload_router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    _error_pages(app)
    app.add_middleware(SecurityHeaders)
    return app


def _is_api(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or request.url.path.endswith(
        ("/progress", ".json")
    )


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    state: AppState = request.app.state.midstance
    v = getattr(request.state, "visitor", None) or Visitor(None, None, None)
    ctx: dict[str, Any] = {
        "visitor": v,
        "csrf": v.csrf_token or "",
        "title": title,
        "message": message,
        "notice": None,
    }
    return state.templates.TemplateResponse(request, "error.html", ctx, status_code=status)


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, _exc: NotFound) -> Response:
        return _error_page(request, 404, "Not found", "There is nothing here, or it is not yours to see.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_page(request, 404, "Not found", "There is nothing here, or it is not yours to see.")
        return _error_page(request, exc.status_code, "Request failed", str(exc.detail))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if _is_api(request) or request.method != "GET":
            return JSONResponse({"error": "sign in first"}, status_code=401)
        from urllib.parse import urlencode

        from midstance.web.pages import safe_next

        target = safe_next(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        return _error_page(
            request,
            403,
            "Form expired",
            "This form has expired or did not come from this site. Go back, reload the page and try again.",
        )
