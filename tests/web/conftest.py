"""Fixtures of the web app's tests: a database per test on each backend (SQLite always, PostgreSQL
when MIDSTANCE_TEST_DATABASE_URL is set — `eval "$(sh scripts/start-postgres)"` starts one), the app
in-process, signed-in clients, and small analysable inputs."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from webhelpers import SAMPLES, Client, write_keypoints

from midstance.web.db import make_engine
from midstance.web.settings import WebSettings

PG_ENV = "MIDSTANCE_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


def pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'midstance.db'}"
        return
    base = pg_base_url()
    if base is None:
        pytest.skip(f'PostgreSQL variant skipped: {PG_ENV} is not set (eval "$(sh scripts/start-postgres)")')
    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> WebSettings:
    return WebSettings(
        data_dir=str(tmp_path / "data"),
        database_url=database_url,
        lease_s=3.0,
        heartbeat_s=0.5,
        poll_s=0.1,
        max_upload_mb=5.0,
    )


@pytest.fixture
def app(settings: WebSettings):
    from midstance.web.app import create_app

    application = create_app(settings)
    yield application
    application.state.midstance.engine.dispose()


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def coach(app) -> Client:
    c = Client(app)
    c.signup(f"coach-{secrets.token_hex(3)}@example.org", "Coach One")
    return c


@pytest.fixture
def keypoints_csv(tmp_path: Path) -> Path:
    return write_keypoints(tmp_path / "run.csv")


@pytest.fixture
def mocap_c3d() -> Path:
    return SAMPLES / "Running_0002.c3d"
