"""Rasa's conversation trackers, read and deleted where Rasa's SQL tracker store keeps them.

Rasa (3.6, SQLTrackerStore) writes one row per dialogue event into a table `events` (sender_id,
type_name, timestamp as Unix seconds, intent_name, action_name, data as JSON text) and reads the
whole conversation back from it on every turn, with no cache in between, so a row deleted here is
gone for Rasa too. The knowledge service reaches it through TRACKER_DB_URL (an SQLAlchemy URL of the
same database); Rasa creates the table, this module never does. The in-memory tracker store of the
embedded default lives inside the Rasa process and cannot be reached: TRACKER_DB_URL is then unset.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, delete, select
from sqlalchemy.engine import Engine

_metadata = MetaData()
EVENTS = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


class TrackerStore:
    def __init__(self, url: str) -> None:
        # Rasa's database, so none of knowledge.store.db's SQLite pragmas; a short connect timeout
        # elsewhere, so an unreachable store fails the request (503) instead of hanging it.
        self.engine: Engine = (create_engine(url) if url.startswith("sqlite") else
                               create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}))

    def events(self, sender_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
                                .order_by(EVENTS.c.id)).all()
        out = []
        for (data,) in rows:
            try:
                out.append(json.loads(data))
            except (TypeError, ValueError):
                out.append({"unreadable": True})  # exported as such rather than dropped
        return out

    def delete(self, sender_id: str) -> int:
        with self.engine.begin() as conn:
            return conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount or 0

    def delete_older_than(self, unix_seconds: float) -> int:
        """Every event before the cutoff: a conversation idle that long loses its old turns (all of
        them, if it has been idle since), exactly as its events in the knowledge service do."""
        with self.engine.begin() as conn:
            return conn.execute(delete(EVENTS).where(EVENTS.c.timestamp < unix_seconds)).rowcount or 0

    def close(self) -> None:
        self.engine.dispose()
