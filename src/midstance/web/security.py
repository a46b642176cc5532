"""Passwords, tokens and the login rate limit.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile). Tokens
(session cookies, CSRF, invites) are random; only their SHA-256 is stored, so a copy of the database
does not let anyone sign in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from midstance.web.models import LoginFailure, utcnow

_hasher = PasswordHasher()
#: verified against when the e-mail is unknown, so both cases take the same time
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"choose a password of at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 1024:
        return "that password is too long (at most 1024 characters)"
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode(), b.encode())


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"email:{normalise_email(email)}"[:300], f"ip:{address}"[:300]


def login_blocked_for_s(db: Session, email: str, address: str, limit: int, window_s: float) -> float:
    """Seconds until another sign-in may be tried (0 when allowed): too many failures for this
    account, or from this address, within the window."""
    since = utcnow() - timedelta(seconds=window_s)
    wait = 0.0
    for key in _keys(email, address):
        count, oldest = db.execute(
            select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
                LoginFailure.key == key, LoginFailure.at >= since
            )
        ).one()
        if count >= limit and oldest is not None:
            wait = max(wait, (oldest + timedelta(seconds=window_s) - utcnow()).total_seconds())
    return max(wait, 0.0)


def record_login_failure(db: Session, email: str, address: str) -> None:
    for key in _keys(email, address):
        db.add(LoginFailure(key=key))


def clear_login_failures(db: Session, email: str, window_s: float) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.key == _keys(email, "")[0]))
    db.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - timedelta(seconds=window_s)))
