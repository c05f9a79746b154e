"""Conversation state on the embedded default: Rasa's SQL tracker store on SQLite (bot/endpoints.yml).

Real processes (tests/stack.py). Time is moved by ageing a conversation in the database — its
events' timestamps, in the column and in the stored event — which is what Rasa reads to decide
whether a session has expired and what the retention purge compares with its cutoff.
"""
from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path

import pytest

from tests.stack import ADMIN_PASSWORD, Stack, login, say, texts

HOUR = 3600.0
DAY = 24 * HOUR


@pytest.fixture(scope="module")
def state_stack(tmp_path_factory) -> Stack:
    # Retention of one day, purged every second by the knowledge service (the one owner of retention,
    # reaching Rasa's store through TRACKER_DB_URL as tests/stack.py sets it), so it is seen within the test.
    stack = Stack(tmp_path_factory.mktemp("state"),
                  knowledge_env={"CONVERSATION_RETENTION_DAYS": "1", "RETENTION_PURGE_INTERVAL_S": "1"})
    stack.start()
    yield stack
    stack.stop()


# The REST channel stores a web sender under its channel prefix (channels/web.py).
WEB = "web:"


def conversations_db(stack: Stack) -> Path:
    return stack.workdir / "conversations.db"


def events_of(stack: Stack, sender: str) -> list[tuple[str, float]]:
    with sqlite3.connect(conversations_db(stack), timeout=10) as db:
        return db.execute("SELECT type_name, timestamp FROM events WHERE sender_id = ? ORDER BY id",
                          (WEB + sender,)).fetchall()


def age(stack: Stack, sender: str, seconds: float, before_latest_session: bool = False) -> None:
    """Moves the stored events of `sender` `seconds` into the past: all of them, or only those of
    the sessions before the latest one."""
    with sqlite3.connect(conversations_db(stack), timeout=10) as db:
        (latest_start,) = db.execute("SELECT max(id) FROM events WHERE sender_id = ? AND type_name = 'session_started'",
                                     (WEB + sender,)).fetchone()
        db.execute("UPDATE events SET timestamp = timestamp - :s, "
                   "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - :s) "
                   "WHERE sender_id = :sender AND id < :before",
                   {"s": seconds, "sender": WEB + sender,
                    "before": latest_start if before_latest_session else 2**62})


def sessions(events: list[tuple[str, float]]) -> int:
    return sum(1 for type_name, _ in events if type_name == "session_started")


def new_sender() -> str:
    return f"state-{uuid.uuid4().hex[:10]}"


def test_a_conversation_resumes_after_the_stack_restarts(state_stack):
    sender = new_sender()
    assert "普通护照签发" in texts(say(state_stack.rasa_url, sender, "办护照"))
    state_stack.stop()
    state_stack.start()
    reply = texts(say(state_stack.rasa_url, sender, "要多久"))
    assert "普通护照签发" in reply and "工作日" in reply, reply
    assert sessions(events_of(state_stack, sender)) == 1


def test_a_new_day_starts_a_new_session_without_the_old_focus(state_stack):
    sender = new_sender()
    assert "普通护照签发" in texts(say(state_stack.rasa_url, sender, "办护照"))
    follow_up = texts(say(state_stack.rasa_url, sender, "要多久"))
    assert "普通护照签发" in follow_up, "within the session the focus answers follow-ups"

    age(state_stack, sender, 3 * HOUR)  # past the 120-minute session expiry, within retention
    reply = texts(say(state_stack.rasa_url, sender, "要多久"))
    # (The question may name 办护照 as an example; the answer about the passport names its item.)
    assert "普通护照签发" not in reply and "工作日" not in reply, f"the old focus was carried over: {reply}"
    assert "哪" in reply, f"the citizen should be asked which service: {reply}"
    assert sessions(events_of(state_stack, sender)) == 2

    # The new session goes on normally with a new goal.
    assert "驾驶证" in texts(say(state_stack.rasa_url, sender, "换驾照要带什么"))


def test_retention_purges_old_sessions_and_idle_conversations(state_stack):
    idle, returning, recent = new_sender(), new_sender(), new_sender()
    for sender in (idle, returning, recent):
        say(state_stack.rasa_url, sender, "办护照")
    # The returning citizen came back after three hours (a new session, within the retention) …
    age(state_stack, returning, 3 * HOUR)
    say(state_stack.rasa_url, returning, "换驾照要带什么")
    assert sessions(events_of(state_stack, returning)) == 2
    # … and the first session was in fact two days ago; the idle citizen left two days ago.
    age(state_stack, returning, 2 * DAY, before_latest_session=True)
    age(state_stack, idle, 2 * DAY)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (events_of(state_stack, idle) or sessions(events_of(state_stack, returning)) != 1):
        time.sleep(0.5)

    assert events_of(state_stack, idle) == [], "a conversation idle for longer than the retention is deleted"
    kept = events_of(state_stack, returning)
    cutoff = time.time() - DAY
    assert sessions(kept) == 1 and all(ts >= cutoff for _, ts in kept), kept
    assert len(events_of(state_stack, recent)) > 3, "a recent conversation is kept"
    # The current session is untouched: its focus still answers follow-ups.
    reply = texts(say(state_stack.rasa_url, returning, "要多久"))
    assert "驾驶证" in reply and "普通护照签发" not in reply, reply


def test_a_long_conversation_hands_off_with_its_recent_transcript(state_stack):
    """The action server is sent the current turn and the last 30 messages (bot/server.py), which is
    what the handoff's transcript shows; a long conversation's earlier turns are not needed."""
    sender = new_sender()
    questions = ["办护照", "要带哪些材料", "要多久", "收费吗", "在哪里办", "能网上办吗"] * 3  # 18 turns
    for text in questions:
        assert texts(say(state_stack.rasa_url, sender, text))
    say(state_stack.rasa_url, sender, "转人工")
    with login(state_stack.knowledge_url, "admin", ADMIN_PASSWORD) as staff:
        resp = staff.get("/api/conversations/events", params={"type": "handoff"})
    resp.raise_for_status()
    [handoff] = [e for e in resp.json() if e["conversation_id"] == WEB + sender]
    transcript = handoff["data"]["transcript"]
    said = [line["text"] for line in transcript if line["who"] == "市民"]
    assert len(transcript) == 30, transcript
    assert said[-1] == "转人工" and said[-7:-1] == questions[-6:], said
