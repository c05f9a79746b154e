"""Rasa's SQL tracker store, reading only the recent turns of the current session.

Stock SQLTrackerStore.retrieve loads every event since the latest SessionStarted, and Rasa then
replays them into a tracker, featurises all of them for RulePolicy and sends all of them to the
action server, on every turn. A citizen who keeps talking (or a WeChat user who comes back within
the session) therefore pays more for each turn than for the one before: 42 ms at turn 1, 268 ms at
turn 200 (issue 16, and the profile in docs/conversation-state.md).

This store gives Rasa a tracker that is equivalent for everything the dialogue reads, at a bounded
size:

    [SessionStarted] + [the latest value of each slot, the active loop, pause] + [the last N turns]

The slot values and the active loop *at the cut* are read with one indexed query per kind (the
latest `slot` row per slot name and so on since the last reset), not by replaying the history, so
the cost of a turn no longer depends on how long the session is. N (`recent_turns`, default 10)
is far beyond what the rules look back at (one turn; RulePolicy rules here never use
`conversation_start`) and the action server's transcript (last 30 messages).

Writing is the stock row layout (one row per event, same table and columns), so stock Rasa, the
HTTP API's full tracker and the knowledge service's retention purge read the same data. What is
new is only *which* rows are appended: the events added to the tracker after it was loaded.

Retention is not decided here: the knowledge service's personal-data purge deletes old rows of this
table with the same rule and setting as its own conversation events (knowledge/conversation_data.py,
CONVERSATION_RETENTION_DAYS); a turn notices deleted rows (see `retrieve`).

On SQLite (the embedded default) the database runs in WAL mode with synchronous=NORMAL: a commit per
turn then costs no fsync, and the knowledge service's purge can write while turns are read.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from typing import Any, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, AllSlotsReset, ConversationPaused, ConversationResumed,
                                     Restarted, SessionStarted, SlotSet)
from rasa.shared.core.trackers import DialogueStateTracker


# How many events of a tracker are already in the database. Set on every tracker this store hands
# out, so `save` appends exactly the events added since (stock Rasa counts the rows of the session
# instead, which is wrong for a tracker that holds only part of them).
STORED = "_navigator_events_stored"
# Set on trackers that hold the current session's window (not a full multi-session tracker), the
# only ones kept between turns.
WINDOWED = "_navigator_windowed"

DEFAULT_RECENT_TURNS = 10
DEFAULT_KEPT_TRACKERS = 200

SLOT = SlotSet.type_name
LOOP = ActiveLoop.type_name
PAUSE_TYPES = (ConversationPaused.type_name, ConversationResumed.type_name)
# Events after which no earlier slot value or loop applies any more.
RESETS = (SessionStarted.type_name, Restarted.type_name, AllSlotsReset.type_name)


class SessionWindowSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose `retrieve` costs the same at turn 200 as at turn 1 (module docstring)."""

    def __init__(self, domain=None, recent_turns: int = DEFAULT_RECENT_TURNS,
                 kept_trackers: int = DEFAULT_KEPT_TRACKERS, **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        if int(recent_turns) < 2:
            raise ValueError("recent_turns must be at least 2 (the rules look back one turn)")
        self.recent_turns = int(recent_turns)
        # Trackers as saved, by sender: reused when the database's latest event for the sender is
        # still the one saved with them (see `retrieve`). Bounded, least recently used goes first.
        self.kept_trackers = max(0, int(kept_trackers))
        self._kept: "OrderedDict[Text, Tuple[Tuple[int, float], DialogueStateTracker]]" = OrderedDict()
        if self.engine.dialect.name == "sqlite":
            self._tune_sqlite()

    # ---- SQLite ---------------------------------------------------------------------------------

    def _tune_sqlite(self) -> None:
        # SQLAlchemy 1.4 opens and closes a file database's connection for every session (NullPool);
        # closing the last connection of a WAL database checkpoints it, so each turn paid two opens,
        # two closes and a checkpoint (a fifth of Rasa's CPU per turn in the profile). A small pool
        # keeps them open.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=4,
                                       connect_args={"check_same_thread": False})
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

        @sa.event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")  # the knowledge service's purge writes to it too
            cursor.close()

        with self.engine.connect() as conn:  # persistent in the file: once is enough
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")

    # ---- reading --------------------------------------------------------------------------------

    def init_tracker(self, sender_id: Text) -> DialogueStateTracker:
        tracker = super().init_tracker(sender_id)
        setattr(tracker, STORED, 0)
        setattr(tracker, WINDOWED, True)
        return tracker

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        # A kept tracker is handed over, not shared: it leaves the cache, and comes back only when
        # `save` has stored what the turn added. A turn that fails half-way therefore never leaves
        # a changed-but-unsaved tracker behind. It is reused only if no event was stored for the
        # sender since (another replica's turn, a purge, a deletion), which one indexed query tells;
        # the latest row's timestamp is compared too, so an edit of the stored times is seen.
        kept = self._kept.pop(sender_id, None)
        with self.session_scope() as session:
            latest = self._latest_row(session, sender_id)
            if latest is None:  # a new conversation
                return None
            if kept is not None and kept[0] == latest:
                return kept[1]
            rows = self._window_rows(session, sender_id)
        return self._tracker(sender_id, [row.data for row in rows])

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        tracker = await super().retrieve_full_tracker(conversation_id)
        if tracker is not None:
            setattr(tracker, STORED, len(tracker.events))
        return tracker

    def _tracker(self, sender_id: Text, serialised: List[str]) -> Optional[DialogueStateTracker]:
        if not serialised or not self.domain:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(d) for d in serialised],
                                                 self.domain.slots)
        setattr(tracker, STORED, len(tracker.events))
        setattr(tracker, WINDOWED, True)
        return tracker

    # Twice per turn, so plain SQL: the ORM query cost three times as much CPU as the database.
    _LATEST_ROW = sa.text("SELECT id, timestamp FROM events WHERE sender_id = :sender ORDER BY id DESC LIMIT 1")

    def _latest_row(self, session, sender_id: Text) -> Optional[Tuple[int, float]]:
        row = session.execute(self._LATEST_ROW, {"sender": sender_id}).first()
        return (row[0], row[1]) if row else None

    def _keep(self, tracker: DialogueStateTracker, latest: Tuple[int, float]) -> None:
        if not self.kept_trackers or not getattr(tracker, WINDOWED, False):
            return
        # A kept tracker grows by a turn each time; past twice the window it is read afresh (and so
        # cut back to the window) on the next turn, which keeps its size and cost bounded.
        # A tracker in which a new session started still holds the old one: read afresh as well.
        turns = sum(1 for e in tracker.events
                    if isinstance(e, ActionExecuted) and e.action_name == ACTION_LISTEN_NAME)
        sessions = sum(1 for e in tracker.events if isinstance(e, SessionStarted))
        if turns > 2 * self.recent_turns or sessions > 1:
            return
        self._kept[tracker.sender_id] = (latest, tracker)
        self._kept.move_to_end(tracker.sender_id)
        while len(self._kept) > self.kept_trackers:
            self._kept.popitem(last=False)

    def _window_rows(self, session, sender_id: Text) -> list:
        """The stored events (`data` only) that make up the tracker: see the module docstring."""
        E = self.SQLEvent
        mine = E.sender_id == sender_id
        session_start = session.query(sa.func.max(E.id)).filter(
            mine, E.type_name == SessionStarted.type_name).scalar() or 0
        in_session = sa.and_(mine, E.id >= session_start)
        cut = session.query(E.id).filter(
            in_session, E.type_name == "action", E.action_name == ACTION_LISTEN_NAME,
        ).order_by(E.id.desc()).offset(self.recent_turns - 1).limit(1).scalar()
        if cut is None:  # a short session: all of it, as stock Rasa does
            return session.query(E.data).filter(in_session).order_by(E.id).all()

        # The state at the cut: after the last reset before it, the latest row of each slot, of the
        # active loop and of pause/resume. Together with the session start they replay to the same
        # slots and loop as the full history.
        reset = session.query(sa.func.max(E.id)).filter(
            mine, E.id >= session_start, E.id < cut, E.type_name.in_(RESETS)).scalar() or session_start
        before_cut = sa.and_(mine, E.id >= reset, E.id < cut)
        latest = [
            session.query(sa.func.max(E.id)).filter(before_cut, E.type_name == SLOT).group_by(E.action_name),
            session.query(sa.func.max(E.id)).filter(before_cut, E.type_name == LOOP),
            session.query(sa.func.max(E.id)).filter(before_cut, E.type_name.in_(PAUSE_TYPES)),
        ]
        state_ids = {i for q in latest for (i,) in q.all() if i is not None}
        state_ids.update({session_start, reset} - {0})
        return session.query(E.data).filter(
            sa.or_(sa.and_(mine, E.id >= cut), E.id.in_(sorted(state_ids)))).order_by(E.id).all()

    # ---- writing --------------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored = getattr(tracker, STORED, None)
        if stored is None:  # a tracker built elsewhere: stock behaviour
            await super().save(tracker)
            setattr(tracker, STORED, len(tracker.events))
            return
        new_events = list(itertools.islice(tracker.events, stored, None))
        if not new_events:
            return
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

        rows = []
        for event in new_events:  # the stock row layout (SQLTrackerStore.save), one insert for all
            data = event.as_dict()
            rows.append({"sender_id": tracker.sender_id, "type_name": event.type_name,
                         "timestamp": data.get("timestamp"),
                         "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                         "action_name": data.get("name"), "data": json.dumps(data)})
        E = self.SQLEvent
        with self.session_scope() as session:
            session.execute(E.__table__.insert(), rows)
            # Under the conversation's lock (Rasa's lock store) no other turn writes for this sender.
            latest = self._latest_row(session, tracker.sender_id)
            session.commit()
        setattr(tracker, STORED, len(tracker.events))
        self._keep(tracker, latest)
