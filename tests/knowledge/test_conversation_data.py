"""Retention, export and deletion of conversations' data, on a real migrated SQLite database (fast,
in-process). The end-to-end version — Rasa's real SQL tracker store, the admin endpoints and the
scheduled purge in a running service — is tests/security/test_personal_data.py."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from knowledge import conversation_data
from knowledge.store import events
from knowledge.store.db import make_engine, make_sessionmaker
from knowledge.store.migrate import upgrade_to_head
from knowledge.store.tables import ConversationEventRow

ID_NUMBER, PHONE, CARD = "11010519491231002X", "13800138000", "6217000000001236"


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'navigator.db'}")
    upgrade_to_head(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def age(sessions, conversation_id: str, days: float) -> None:
    with sessions() as session:
        session.execute(update(ConversationEventRow).where(ConversationEventRow.conversation_id == conversation_id)
                        .values(created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)))
        session.commit()


def test_events_are_stored_masked_whoever_posts_them(sessions) -> None:
    with sessions() as session:
        row = events.record(session, conversation_id="web:a", type="handoff", text=f"我手机{PHONE}，转人工",
                            data={"transcript": [{"who": "市民", "text": f"身份证{ID_NUMBER} 卡号{CARD}"}],
                                  "channel": "rest"})
    assert row.text == "我手机138****8000，转人工"
    assert row.data["transcript"][0]["text"] == "身份证110105********002X 卡号6217********1236"
    assert row.data["channel"] == "rest"


def test_purge_deletes_only_what_is_older_than_the_retention(sessions) -> None:
    with sessions() as session:
        for conv in ("web:old", "web:old", "web:recent", "wx:new"):
            events.record(session, conversation_id=conv, type="gap", text="失业金怎么领")
    age(sessions, "web:old", 181)
    age(sessions, "web:recent", 179)
    done = conversation_data.purge(sessions, None, days=180)
    assert (done.events, done.tracker_events) == (2, None)
    with sessions() as session:
        left = sorted(r.conversation_id for r in session.query(ConversationEventRow))
    assert left == ["web:recent", "wx:new"]
    assert conversation_data.purge(sessions, None, days=180).events == 0  # repeating is harmless


def test_purge_deletes_old_tracker_rows_but_never_the_session_a_citizen_is_in(sessions, tmp_path) -> None:
    """Rasa's tracker rows go by the same setting and in the same purge as the events (one owner);
    the session a conversation is still in is kept whole, however long ago it began."""
    import json
    import time

    from sqlalchemy import insert, select

    from knowledge.store.trackers import EVENTS, TrackerStore

    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    assert TrackerStore(url).delete_older_than(time.time()) == 0, "nothing to purge before Rasa made its table"
    trackers = TrackerStore(url)
    EVENTS.metadata.create_all(trackers.engine)  # as Rasa's SQL tracker store creates it
    now, old = time.time(), time.time() - 3 * 86400
    rows = [("idle", "session_started", old), ("idle", "user", old), ("idle", "bot", old),
            ("returning", "session_started", old), ("returning", "user", old),
            ("returning", "session_started", now), ("returning", "user", now),
            ("ongoing", "session_started", old), ("ongoing", "user", old), ("ongoing", "user", now),
            ("recent", "session_started", now), ("recent", "user", now)]
    with trackers.engine.begin() as conn:
        conn.execute(insert(EVENTS), [{"sender_id": f"web:{sender}", "type_name": kind, "timestamp": ts,
                                       "data": json.dumps({"event": kind, "timestamp": ts})}
                                      for sender, kind, ts in rows])
    with sessions() as session:
        events.record(session, conversation_id="web:idle", type="gap", text="失业金怎么领")
    age(sessions, "web:idle", 3)

    done = conversation_data.purge(sessions, trackers, days=1)
    assert (done.events, done.tracker_events) == (1, 5)
    with trackers.engine.connect() as conn:
        left = conn.execute(select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp)
                            .order_by(EVENTS.c.id)).all()
    assert [(s, k) for s, k, _ in left] == [
        ("web:returning", "session_started"), ("web:returning", "user"),
        ("web:ongoing", "session_started"), ("web:ongoing", "user"), ("web:ongoing", "user"),
        ("web:recent", "session_started"), ("web:recent", "user")]
    assert all(ts == now for s, _, ts in left if s == "web:returning"), "only the earlier session went"
    assert conversation_data.purge(sessions, trackers, days=1).tracker_events == 0  # repeating is harmless
    trackers.close()


def test_export_then_delete_one_conversation(sessions) -> None:
    with sessions() as session:
        events.record(session, conversation_id="wx:oUser", type="handoff", text="转人工", data={"channel": "wechat"})
        events.record(session, conversation_id="wx:oUser", type="rating", rating=5)
        events.record(session, conversation_id="web:other", type="rating", rating=1)
        exported = conversation_data.export(session, None, "wx:oUser")
        assert [e["type"] for e in exported["events"]] == ["handoff", "rating"]
        assert exported["tracker"] is None and exported["conversation_id"] == "wx:oUser"
        removed = conversation_data.delete(session, None, "wx:oUser")
        session.commit()
        assert removed.events == 2
        assert conversation_data.export(session, None, "wx:oUser")["events"] == []
        assert len(events.of_conversation(session, "web:other")) == 1
