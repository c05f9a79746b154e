"""Rasa's conversation trackers, read and deleted where Rasa's SQL tracker store keeps them.

Rasa (3.6, SQLTrackerStore; bot/tracker_store.py) writes one row per dialogue event into a table
`events` (sender_id, type_name, timestamp as Unix seconds, intent_name, action_name, data as JSON
text). Each turn checks the sender's latest row before it reuses anything it kept in memory, so a
row deleted here is gone for Rasa too. The knowledge service reaches the table through
TRACKER_DB_URL (an SQLAlchemy URL of the same database); Rasa creates it, this module never does.
Rasa's in-memory tracker store lives inside the Rasa process and cannot be reached: TRACKER_DB_URL
is then unset.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (Column, Float, Integer, MetaData, String, Table, Text, create_engine, delete, inspect,
                        select, text)
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
        """The events before the cutoff, except those of a sender's latest session while that session
        has newer events: a conversation idle since before the cutoff goes entirely, an active one
        loses its earlier sessions' old events and is never cut in the middle of the session it is
        in (Rasa would continue it with its slots gone). Returns the number of rows deleted; 0
        before Rasa has created the table."""
        with self.engine.begin() as conn:
            if not inspect(conn).has_table(EVENTS.name):
                return 0
            return conn.execute(text(
                "DELETE FROM events WHERE timestamp < :cutoff AND ("
                " sender_id NOT IN (SELECT r.sender_id FROM events r WHERE r.timestamp >= :cutoff)"
                " OR id < (SELECT max(s.id) FROM events s"
                "          WHERE s.sender_id = events.sender_id AND s.type_name = 'session_started'))"),
                {"cutoff": unix_seconds}).rowcount or 0

    def close(self) -> None:
        self.engine.dispose()
