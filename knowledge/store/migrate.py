"""Bringing the database schema up to date with the Alembic migrations in `migrations/`.

The service calls `upgrade_to_head` on start-up; developers use the same scripts from the shell:

    .venv/service/bin/alembic -c knowledge/store/migrations/alembic.ini upgrade head

Several replicas may start at once against one database, so start-up work (migrating, seeding the
guides, creating the first administrator) runs under `startup_lock`: a PostgreSQL advisory lock, or
a lock file next to a SQLite database.
"""
from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"  # the schema that databases created before migrations already have
_LOCK_KEY = 0x4E415649  # "NAVI": any fixed number shared by all replicas


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    with engine.connect() as conn:
        cfg = alembic_config(conn)
        tables = set(inspect(conn).get_table_names())
        if "guides" in tables and "alembic_version" not in tables:
            command.stamp(cfg, BASELINE)  # created by the pre-migration create_all
        command.upgrade(cfg, "head")
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Only one process at a time runs start-up work on this database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".startup-lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
