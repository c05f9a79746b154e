"""Citizens' personal data (issue 12), end to end: Rasa with its real SQL tracker store (SQLite file),
the action server and the knowledge service reaching that store through TRACKER_DB_URL.

- an administrator exports one conversation (events + tracker) and deletes it; other roles cannot;
- the scheduled retention purge deletes events and tracker rows older than CONVERSATION_RETENTION_DAYS.
"""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.stack import (ADMIN_PASSWORD, SERVICE_TOKEN, Process, actions_process, knowledge_process, login,
                         password_for, rasa_process, say, texts)

ID_NUMBER, PHONE = "11010519491231002X", "13800138000"


class PrivacyStack:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.trackers = workdir / "trackers.db"
        self.knowledge = knowledge_process(workdir, SERVICE_TOKEN=SERVICE_TOKEN,
                                           TRACKER_DB_URL=f"sqlite:///{self.trackers}")
        self.knowledge_url = self.knowledge.health_url.removesuffix("/healthz")
        self.actions = actions_process(workdir, self.knowledge_url)
        self.rasa = rasa_process(workdir, self.actions.health_url.removesuffix("/health"), endpoints_extra=(
            f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {self.trackers}\n"))
        self.rasa_url = self.rasa.health_url.rstrip("/")
        self.processes: list[Process] = [self.knowledge, self.actions, self.rasa]

    def start(self) -> "PrivacyStack":
        for p in self.processes:
            p.start()
        for p in self.processes:
            p.wait_healthy()
        return self

    def stop(self) -> None:
        for p in reversed(self.processes):
            p.stop()

    def tracker_rows(self, sender_id: str) -> list[str]:
        with sqlite3.connect(self.trackers) as conn:
            return [d for (d,) in conn.execute("SELECT data FROM events WHERE sender_id = ?", (sender_id,))]


@pytest.fixture(scope="module")
def privacy_stack(tmp_path_factory) -> PrivacyStack:
    stack = PrivacyStack(tmp_path_factory.mktemp("privacy")).start()
    yield stack
    stack.stop()


def test_admin_exports_and_deletes_one_conversation(privacy_stack):
    s = privacy_stack
    sender = f"citizen-{uuid.uuid4().hex[:8]}"
    conversation = f"web:{sender}"
    assert "餐饮" in texts(say(s.rasa_url, sender, f"我的身份证{ID_NUMBER}，我想开个饭店"))
    assert "0000-12345" in texts(say(s.rasa_url, sender, "转人工"))
    # The tracker Rasa stored holds the masked number only.
    rows = s.tracker_rows(conversation)
    assert rows and not any(ID_NUMBER in r for r in rows)
    assert any("110105********002X" in r for r in rows)

    export_url = f"/api/conversations/{conversation}/export"
    assert httpx.get(s.knowledge_url + export_url, timeout=10).status_code == 401
    with login(s.knowledge_url, "admin", ADMIN_PASSWORD) as admin:
        created = admin.post("/api/users", json={"username": "staff9", "password": password_for("staff9"),
                                                 "role": "staff"})
        assert created.status_code == 201, created.text
        with login(s.knowledge_url, "staff9", password_for("staff9")) as staff:
            assert staff.get(export_url).status_code == 403
            assert staff.delete(f"/api/conversations/{conversation}").status_code == 403

        exported = admin.get(export_url)
        assert exported.status_code == 200 and exported.headers["cache-control"] == "no-store"
        data = exported.json()
        assert data["conversation_id"] == conversation
        assert [e["type"] for e in data["events"]] == ["handoff"]
        user_turns = [e["text"] for e in data["tracker"] if e.get("event") == "user"]
        assert any("饭店" in t for t in user_turns) and "转人工" in user_turns
        assert ID_NUMBER not in json.dumps(data, ensure_ascii=False)

        deleted = admin.delete(f"/api/conversations/{conversation}")
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["deleted_events"] == 1 and deleted.json()["deleted_tracker_events"] == len(rows)
        again = admin.get(export_url).json()
        assert again["events"] == [] and again["tracker"] == []
        assert s.tracker_rows(conversation) == []
        audit = admin.get("/api/editor/audit").json()
        assert {("conversation_export", conversation), ("conversation_delete", conversation)} <= {
            (a["action"], a["detail"]) for a in audit}
    # Rasa reads the store on every turn: the citizen's next message starts a new conversation.
    texts(say(s.rasa_url, sender, "你好"))
    assert not any("饭店" in r for r in s.tracker_rows(conversation))


def test_retention_purge_runs_on_schedule(privacy_stack, tmp_path):
    """A second knowledge service on the same tracker store, keeping conversations ~3 s, purging every 1 s."""
    s = privacy_stack
    sender = f"old-{uuid.uuid4().hex[:8]}"
    texts(say(s.rasa_url, sender, "办护照"))
    assert s.tracker_rows(f"web:{sender}")
    short = knowledge_process(tmp_path, SERVICE_TOKEN=SERVICE_TOKEN, TRACKER_DB_URL=f"sqlite:///{s.trackers}",
                              CONVERSATION_RETENTION_DAYS=str(3 / 86400), RETENTION_PURGE_INTERVAL_S="1").start()
    try:
        short.wait_healthy()
        base = short.health_url.removesuffix("/healthz")
        posted = httpx.post(f"{base}/api/conversations/events", headers={"X-Service-Token": SERVICE_TOKEN},
                            json={"conversation_id": f"web:{sender}", "type": "gap", "text": "失业金怎么领"}, timeout=10)
        assert posted.status_code == 201
        with login(base, "admin", ADMIN_PASSWORD) as admin:
            def gaps() -> list[dict]:
                return [e for e in admin.get("/api/conversations/events", params={"type": "gap"}).json()
                        if e["conversation_id"] == f"web:{sender}"]

            assert len(gaps()) == 1
            deadline = time.monotonic() + 60
            while (gaps() or s.tracker_rows(f"web:{sender}")) and time.monotonic() < deadline:
                time.sleep(1)
            assert gaps() == [] and s.tracker_rows(f"web:{sender}") == []
    finally:
        short.stop()
