"""ORM tables."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.store.db import Base


class GuideRow(Base):
    """One guide (item, route or FAQ); its content lives in versions."""

    __tablename__ = "guides"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    published_version: Mapped[int | None] = mapped_column(Integer)
    latest_version: Mapped[int] = mapped_column(Integer, default=1)


class GuideVersionRow(Base):
    __tablename__ = "guide_versions"
    guide_id: Mapped[str] = mapped_column(ForeignKey("guides.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(64), default="import")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConversationEventRow(Base):
    """What happened in a conversation that staff and editors need: handoffs, ratings, unanswered questions."""

    __tablename__ = "conversation_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    type: Mapped[str] = mapped_column(String(16), index=True)  # handoff | rating | gap
    text: Mapped[str | None] = mapped_column(Text)
    guide_id: Mapped[str | None] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
