"""Signing up, in and out, and accepting a runner's invite."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from midstance.web.auth import (
    CurrentVisitor,
    clear_cookie,
    csrf_protect,
    end_session,
    ensure_session,
    start_user_session,
)
from midstance.web.db import transaction
from midstance.web.models import ROLE_COACH, ROLE_RUNNER, Invite, Runner, RunSession, User, utcnow
from midstance.web.pages import redirect, render, safe_next
from midstance.web.security import (
    clear_login_failures,
    hash_password,
    login_blocked_for_s,
    normalise_email,
    password_problem,
    record_login_failure,
    token_hash,
    verify_password,
)
from midstance.web.state import AppState, State

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, state: State, v: CurrentVisitor) -> Response:
    if not v.signed_in:
        return render(request, state, v, "landing.html")  # no form here, so no session is made
    with state.factory() as db:
        if v.is_coach:
            rows = db.execute(
                select(Runner, func.count(RunSession.id))
                .outerjoin(RunSession, RunSession.runner_id == Runner.id)
                .where(Runner.coach_id == v.user_id)
                .group_by(Runner.id)
                .order_by(Runner.name)
            ).all()
            return render(request, state, v, "dashboard.html", runners=[(r, n) for r, n in rows])
        own = db.scalar(select(Runner).where(Runner.user_id == v.user_id))
    if own is not None:
        return redirect(f"/runners/{own.id}")
    return render(request, state, v, "dashboard.html", runners=[])


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, state: State, v: CurrentVisitor) -> Response:
    v = ensure_session(request, state, v)
    return render(request, state, v, "signup.html", error=None, form={})


def _create_user(state: AppState, email: str, name: str, password: str, role: str) -> User | str:
    email_n = normalise_email(email)
    if "@" not in email_n or len(email_n) > 254 or len(email_n) < 3:
        return "give a valid e-mail address"
    name = name.strip()
    if not name or len(name) > 200:
        return "give your name (at most 200 characters)"
    problem = password_problem(password)
    if problem:
        return problem
    user = User(email=email_n, display_name=name, role=role, password_hash=hash_password(password))
    try:
        with transaction(state.factory) as db:
            if db.scalar(select(User.id).where(User.email == email_n)):
                return "an account with this e-mail address exists; sign in instead"
            db.add(user)
    except IntegrityError:
        return "an account with this e-mail address exists; sign in instead"
    return user


@router.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request,
    state: State,
    v: CurrentVisitor,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    made = _create_user(state, email, name, password, ROLE_COACH)
    if isinstance(made, str):
        return render(
            request, state, v, "signup.html", status=400, error=made, form={"email": email, "name": name}
        )
    v = start_user_session(request, state, v, made)
    return redirect("/", "welcome", v, request)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: State, v: CurrentVisitor) -> Response:
    v = ensure_session(request, state, v)
    return render(
        request,
        state,
        v,
        "login.html",
        error=None,
        email="",
        next=safe_next(request.query_params.get("next")),
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    state: State,
    v: CurrentVisitor,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    s = state.settings
    address = _client(request)
    with transaction(state.factory) as db:
        wait = login_blocked_for_s(db, email, address, s.login_attempts, s.login_window_s)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        message = (
            f"too many failed sign-ins for this account or from this address; try again in {minutes} min"
        )
        return render(
            request, state, v, "login.html", status=429, error=message, email=email, next=safe_next(next)
        )
    with state.factory() as db:
        user = db.scalar(select(User).where(User.email == normalise_email(email)))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        with transaction(state.factory) as db:
            record_login_failure(db, email, address)
        return render(
            request,
            state,
            v,
            "login.html",
            status=400,
            error="wrong e-mail address or password",
            email=email,
            next=safe_next(next),
        )
    with transaction(state.factory) as db:
        clear_login_failures(db, email, s.login_window_s)
    v = start_user_session(request, state, v, user)
    return redirect(safe_next(next), None, v, request)


@router.post("/logout")
def logout(request: Request, state: State, v: CurrentVisitor) -> Response:
    end_session(state, v)
    response = redirect("/login", "signed-out")
    clear_cookie(request, response)
    return response


def _open_invite(state: AppState, token: str) -> tuple[Invite, Runner] | None:
    with state.factory() as db:
        invite = db.scalar(select(Invite).where(Invite.token_hash == token_hash(token)))
        if invite is None or invite.used_at is not None or invite.expires_at < utcnow():
            return None
        runner = db.get(Runner, invite.runner_id)
        if runner is None or runner.user_id is not None:
            return None
        return invite, runner


@router.get("/invite/{token}", response_class=HTMLResponse)
def invite_form(token: str, request: Request, state: State, v: CurrentVisitor) -> Response:
    opened = _open_invite(state, token)
    if opened is None:
        return render(request, state, v, "invite_invalid.html", status=404)
    v = ensure_session(request, state, v)
    return render(request, state, v, "invite.html", runner=opened[1], token=token, error=None, form={})


@router.post("/invite/{token}", response_class=HTMLResponse)
def invite_accept(
    token: str,
    request: Request,
    state: State,
    v: CurrentVisitor,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    opened = _open_invite(state, token)
    if opened is None:
        return render(request, state, v, "invite_invalid.html", status=404)
    invite, runner = opened
    made = _create_user(state, email, runner.name, password, ROLE_RUNNER)
    if isinstance(made, str):
        return render(
            request,
            state,
            v,
            "invite.html",
            status=400,
            runner=runner,
            token=token,
            error=made,
            form={"email": email},
        )
    with transaction(state.factory) as db:
        row = db.get(Invite, invite.id)
        target = db.get(Runner, runner.id)
        if row is None or target is None or row.used_at is not None or target.user_id is not None:
            db.delete(db.get(User, made.id))
            return render(request, state, v, "invite_invalid.html", status=404)
        row.used_at = utcnow()
        target.user_id = made.id
    v = start_user_session(request, state, v, made)
    return redirect(f"/runners/{runner.id}", "welcome", v, request)
