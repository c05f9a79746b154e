"""Conversation events: handoffs for staff, ratings (评议), and questions the assistant could not answer."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.store.tables import ConversationEventRow


def record(session: Session, **fields) -> ConversationEventRow:
    row = ConversationEventRow(**fields)
    session.add(row)
    session.commit()
    return row


def list_events(session: Session, type_: str, status: str | None = None, limit: int = 200) -> list[ConversationEventRow]:
    q = select(ConversationEventRow).where(ConversationEventRow.type == type_)
    if status:
        q = q.where(ConversationEventRow.status == status)
    return list(session.scalars(q.order_by(ConversationEventRow.id.desc()).limit(limit)))
