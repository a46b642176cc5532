"""Alembic environment: migrations run on the engine that midstance.web.db hands over (no alembic.ini).

Concurrent starts (the server and a worker) are serialised: on PostgreSQL by an advisory lock held
for the migration's transaction, on SQLite by the BEGIN IMMEDIATE of every transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from midstance.web.db import MIGRATION_LOCK_KEY
from midstance.web.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("midstance migrations run online only (they are applied on start)")
run_migrations_online()
