"""What the service keeps of citizens' conversations, and for how long (个人信息保护法).

- Retention has one owner, this purge, and one setting, CONVERSATION_RETENTION_DAYS: what is older is
  deleted from both stores — the conversation events here and, through TRACKER_DB_URL, the rows of
  Rasa's SQL tracker store (Rasa itself purges nothing). The one exception is the session a citizen
  is still in: its tracker rows stay until the session ends, so a conversation is never cut in the
  middle (knowledge/store/trackers.py). The purge runs when the service starts and every
  RETENTION_PURGE_INTERVAL_S after. Each replica runs it; a DELETE by date is harmless to repeat, so
  no coordination is needed.
- One conversation's data can be exported and deleted by an administrator
  (knowledge/api/routes/conversation_data.py), e.g. when a citizen asks for it.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from knowledge.store import events
from knowledge.store.trackers import TrackerStore

log = logging.getLogger("knowledge.conversation_data")


@dataclass
class Purged:
    events: int
    tracker_events: int | None  # None: no tracker store configured


def cutoff(days: float, now: dt.datetime | None = None) -> dt.datetime:
    return (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days)


def purge(sessions: sessionmaker, trackers: TrackerStore | None, days: float,
          now: dt.datetime | None = None) -> Purged:
    before = cutoff(days, now)
    with sessions() as session:
        removed = events.delete_older_than(session, before)
        session.commit()
    tracker_removed = trackers.delete_older_than(before.timestamp()) if trackers else None
    return Purged(removed, tracker_removed)


async def purge_regularly(sessions: sessionmaker, trackers: TrackerStore | None, days: float,
                          interval_s: float) -> None:
    """Runs until cancelled. A failed purge (database down) is logged and tried again next time."""
    while True:
        try:
            done = await asyncio.to_thread(purge, sessions, trackers, days)
            if done.events or done.tracker_events:
                log.info("retention: deleted %d conversation events and %s tracker events older than %g days",
                         done.events, done.tracker_events if done.tracker_events is not None else "no", days)
        except Exception:
            log.exception("retention purge failed; next try in %gs", interval_s)
        await asyncio.sleep(interval_s)


def export(session: Session, trackers: TrackerStore | None, conversation_id: str) -> dict[str, Any]:
    rows = events.of_conversation(session, conversation_id)
    return {
        "conversation_id": conversation_id,
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "events": [
            {"id": r.id, "type": r.type, "text": r.text, "guide_id": r.guide_id, "rating": r.rating,
             "data": r.data, "status": r.status, "created_at": r.created_at.isoformat() if r.created_at else None}
            for r in rows
        ],
        # None: the dialogue's tracker is not reachable from here (in-memory tracker store).
        "tracker": trackers.events(conversation_id) if trackers else None,
    }


def delete(session: Session, trackers: TrackerStore | None, conversation_id: str) -> Purged:
    removed = events.delete_conversation(session, conversation_id)
    tracker_removed = trackers.delete(conversation_id) if trackers else None
    return Purged(removed, tracker_removed)
