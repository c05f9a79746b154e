"""Engine and session factory for DATABASE_URL."""
from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker


log = logging.getLogger(__name__)
# What a JSON column reads as when its stored text nests too deeply for Python's parser.
UNREADABLE_JSON = {"unreadable": "存储的内容嵌套过深，无法读取"}


class Base(DeclarativeBase):
    pass


def load_stored_json(text: str):
    """json.loads for JSON columns: one row nested thousands of levels deep (stored by an older version,
    or by hand) must not make every query that touches it fail with RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        log.error("a JSON column holds %d characters nested too deeply to parse; read as unreadable", len(text))
        return dict(UNREADABLE_JSON)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, json_deserializer=load_stored_json)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # noqa: ANN001 — DBAPI objects
            # WAL lets the API read while an editor's publish writes.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")

        return engine
    # A short connect timeout: during an outage a request (or the catalogue poll) fails fast instead of hanging.
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5},
                         json_deserializer=load_stored_json)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back without a zone; everything this service writes is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
