"""The Alembic migrations on real SQLite and PostgreSQL databases: they build exactly the ORM tables,
upgrade a database made before migrations existed, run backwards, and work from the command line."""
from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from knowledge.store import tables  # noqa: F401 — every table on Base.metadata
from knowledge.store.db import Base, make_engine
from knowledge.store.migrate import MIGRATIONS, alembic_config, current_revision, startup_lock, upgrade_to_head
from tests.stack import ROOT, SERVICE_VENV

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
TABLES = {"guides", "guide_versions", "conversation_events", "users", "user_sessions", "publications", "audit_log",
          "import_jobs", "import_drafts", "import_headers"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Callable[[], Engine]:
    """Makes fresh, empty databases of the parametrised kind."""
    engines: list[Engine] = []

    def make() -> Engine:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'db-{len(engines)}.db'}"
        else:
            url = request.getfixturevalue("postgres_database")()
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for e in engines:
        e.dispose()


def differences(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)


def test_upgrade_builds_exactly_the_orm_tables(database):
    engine = database()
    assert current_revision(engine) is None
    upgrade_to_head(engine)
    assert current_revision(engine) == HEAD
    assert TABLES <= set(inspect(engine).get_table_names())
    assert differences(engine) == []
    upgrade_to_head(engine)  # a second start finds nothing to do
    assert current_revision(engine) == HEAD


def test_a_database_from_before_migrations_is_upgraded_in_place(database):
    engine = database()
    # What the service's old create_all left behind: the baseline tables, no alembic_version.
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO guides (id, kind, published_version, latest_version) "
                          "VALUES ('passport', 'item', 1, 1)"))
        conn.execute(text("INSERT INTO conversation_events (conversation_id, type, data, status) "
                          "VALUES ('c1', 'handoff', '{}', 'open')"))
        conn.commit()
    upgrade_to_head(engine)
    assert current_revision(engine) == HEAD and differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, published_version FROM guides")).all() == [("passport", 1)]
        assert conn.execute(text("SELECT conversation_id, status FROM conversation_events")).all() == [("c1", "open")]
        assert conn.execute(text("SELECT updated_by FROM guides")).scalar() is None  # the new column


def test_downgrade_to_nothing_and_back(database):
    engine = database()
    upgrade_to_head(engine)
    with engine.connect() as conn:
        command.downgrade(alembic_config(conn), "base")
        conn.commit()
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(engine)
    assert differences(engine) == []


def test_replicas_starting_at_once_migrate_once(database):
    engine = database()
    errors: list[BaseException] = []

    def start() -> None:
        try:
            with startup_lock(engine):
                upgrade_to_head(engine)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and current_revision(engine) == HEAD


def test_the_developer_command_line(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    alembic = [str(SERVICE_VENV / "alembic"), "-c", str(MIGRATIONS / "alembic.ini")]

    def run(*args: str) -> str:
        done = subprocess.run([*alembic, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    assert f"-> {HEAD}" in run("upgrade", "head")
    assert HEAD in run("current")
    assert "No new upgrade operations detected" in run("check")
    assert (ROOT / "knowledge" / "store" / "migrations" / "env.py").exists()
