"""Migrations on both databases: applied on start, idempotent, safe when several processes start at
once, and in agreement with the table declarations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from midstance.web.db import current_revision, head_revision, make_engine, migrate
from midstance.web.models import Base
from midstance.web.settings import WebSettings


def test_migrations_match_the_models_and_are_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_concurrent_starts_migrate_once(database_url: str) -> None:
    # the server and its workers start at the same time, each applying migrations: three processes
    code = "import sys; from midstance.web.db import make_engine, migrate; migrate(make_engine(sys.argv[1]))"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, database_url], stderr=subprocess.PIPE) for _ in range(3)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_first_run_creates_the_data_folder_and_database(tmp_path: Path) -> None:
    from midstance.web.app import create_app

    data = tmp_path / "fresh" / "midstance"
    app = create_app(WebSettings(data_dir=str(data)))
    assert (data / "midstance.db").is_file()
    assert (data / "sessions").is_dir() and (data / "incoming").is_dir()
    assert current_revision(app.state.midstance.engine) == head_revision()
    app.state.midstance.engine.dispose()
