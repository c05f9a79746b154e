"""Conversations that asked for a person (转人工): the console's work queue.

A handoff event is posted by the action server with the transcript in its `data`. Marking it
handled moves its `status` from open to handled and records who did it and when in `data`, so no
extra column is needed. The change is a conditional UPDATE (only while still open), so when two
staff members click at once exactly one of them wins and the other is told who was first.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast

from pydantic import BaseModel
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from knowledge.catalogue import Catalogue
from knowledge.store.tables import ConversationEventRow

HandoffStatus = Literal["open", "handled"]
MAX_LISTED = 200
MAX_LINES = 60  # the last lines of a transcript are the ones staff need
MAX_LINE_CHARS = 1000


class TranscriptLine(BaseModel):
    who: str
    text: str


class Handoff(BaseModel):
    id: int
    conversation_id: str
    status: str
    created_at: dt.datetime
    channel: str | None
    reason: str | None
    text: str | None
    transcript: list[TranscriptLine]
    guide_id: str | None
    guide_kind: str | None
    guide_title: str | None
    handled_by: str | None = None
    handled_by_name: str | None = None
    handled_at: dt.datetime | None = None
    note: str | None = None


class AlreadyHandled(Exception):
    def __init__(self, handoff: Handoff):
        self.handoff = handoff
        who = handoff.handled_by_name or handoff.handled_by or "其他工作人员"
        when = handoff.handled_at.astimezone().strftime("%Y-%m-%d %H:%M") if handoff.handled_at else ""
        super().__init__(f"该转人工请求已由 {who}{(' 于 ' + when) if when else ''} 标记为已处理")


def list_handoffs(session: Session, catalogue: Catalogue, status: HandoffStatus) -> list[Handoff]:
    q = select(ConversationEventRow).where(ConversationEventRow.type == "handoff",
                                           ConversationEventRow.status == status)
    # Open ones: whoever has waited longest first. Handled ones: the latest first.
    order = ConversationEventRow.id.asc() if status == "open" else ConversationEventRow.id.desc()
    return [to_handoff(r, catalogue) for r in session.scalars(q.order_by(order).limit(MAX_LISTED))]


def get_handoff(session: Session, event_id: int) -> ConversationEventRow | None:
    row = session.get(ConversationEventRow, event_id)
    return row if row is not None and row.type == "handoff" else None


def mark_handled(session: Session, catalogue: Catalogue, row: ConversationEventRow, username: str,
                 display_name: str | None, note: str | None) -> Handoff:
    """Raises AlreadyHandled when someone else marked it first."""
    if row.status != "open":
        raise AlreadyHandled(to_handoff(row, catalogue))
    data = {**(row.data or {}), "handled_by": username, "handled_by_name": display_name or username,
            "handled_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    if note:
        data["handled_note"] = note
    # Session.execute is typed as returning a Result; an UPDATE's is a CursorResult, which has the count.
    done = cast(CursorResult, session.execute(
        update(ConversationEventRow)
        .where(ConversationEventRow.id == row.id, ConversationEventRow.status == "open")
        .values(status="handled", data=data)
    ))
    session.commit()
    session.refresh(row)
    if done.rowcount == 0:
        raise AlreadyHandled(to_handoff(row, catalogue))
    return to_handoff(row, catalogue)


def to_handoff(row: ConversationEventRow, catalogue: Catalogue) -> Handoff:
    # `data` comes from an unauthenticated endpoint: read it defensively, never trust its shape.
    data: dict[str, Any] = row.data if isinstance(row.data, dict) else {}
    guide = catalogue.get(row.guide_id) if row.guide_id else None
    return Handoff(
        id=row.id, conversation_id=row.conversation_id, status=row.status, created_at=_aware(row.created_at),
        channel=_text(data.get("channel")), reason=_text(data.get("reason")), text=row.text,
        transcript=_transcript(data.get("transcript")),
        guide_id=row.guide_id, guide_kind=guide.kind if guide else None,
        guide_title=getattr(guide, "name", None) if guide else None,
        handled_by=_text(data.get("handled_by")), handled_by_name=_text(data.get("handled_by_name")),
        handled_at=_time(data.get("handled_at")), note=_text(data.get("handled_note")),
    )


def _transcript(raw: Any) -> list[TranscriptLine]:
    if not isinstance(raw, list):
        return []
    lines = [TranscriptLine(who=_text(x.get("who"), 16) or "", text=_text(x.get("text"), MAX_LINE_CHARS))
             for x in raw if isinstance(x, dict) and _text(x.get("text"))]
    return lines[-MAX_LINES:]


def _text(value: Any, limit: int = 200) -> str | None:
    # Scalars only: str() of a deeply nested list would recurse (and say nothing useful to staff).
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
        return str(value)[:limit]
    return None


def _time(value: Any) -> dt.datetime | None:
    try:
        return _aware(dt.datetime.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _aware(t: dt.datetime) -> dt.datetime:
    # SQLite hands back naive timestamps (stored as UTC by server_default=now()).
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)
