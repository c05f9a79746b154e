"""Conversation events: handoffs for staff, ratings (评议), and questions the assistant could not answer.

What a citizen typed is stored with ID, phone and bank card numbers masked (privacy.masking). The
channels mask before the dialogue already; masking here again means no caller of this module can
store them, whatever it sends.
"""
from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from knowledge.store.tables import ConversationEventRow
from privacy.masking import mask_data, mask_text


def record(session: Session, **fields) -> ConversationEventRow:
    if fields.get("text"):
        fields["text"] = mask_text(fields["text"])
    if fields.get("data"):
        fields["data"] = mask_data(fields["data"])
    row = ConversationEventRow(**fields)
    session.add(row)
    session.commit()
    return row


def of_conversation(session: Session, conversation_id: str) -> list[ConversationEventRow]:
    q = select(ConversationEventRow).where(ConversationEventRow.conversation_id == conversation_id)
    return list(session.scalars(q.order_by(ConversationEventRow.id)))


def delete_conversation(session: Session, conversation_id: str) -> int:
    """Deletes every event of the conversation (the caller commits); returns how many."""
    # Session.execute is typed as returning a Result; a DELETE's is a CursorResult, which has the count.
    result = cast(CursorResult, session.execute(delete(ConversationEventRow)
                                                .where(ConversationEventRow.conversation_id == conversation_id)))
    return result.rowcount or 0


def delete_older_than(session: Session, cutoff: dt.datetime) -> int:
    """Deletes events recorded before `cutoff` (the caller commits); returns how many."""
    result = cast(CursorResult, session.execute(delete(ConversationEventRow)
                                                .where(ConversationEventRow.created_at < cutoff)))
    return result.rowcount or 0


def list_events(session: Session, type_: str, status: str | None = None, limit: int = 200) -> list[ConversationEventRow]:
    q = select(ConversationEventRow).where(ConversationEventRow.type == type_)
    if status:
        q = q.where(ConversationEventRow.status == status)
    return list(session.scalars(q.order_by(ConversationEventRow.id.desc()).limit(limit)))
