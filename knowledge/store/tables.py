"""ORM tables. The schema is created and changed only by the Alembic migrations in `migrations/`."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.store.db import Base


class GuideRow(Base):
    """One guide (item, route or FAQ); its content lives in versions."""

    __tablename__ = "guides"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    # NULL: not live (a new guide never published, or withdrawn).
    published_version: Mapped[int | None] = mapped_column(Integer)
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64))


class GuideVersionRow(Base):
    """Every saved version is kept: drafts, the published one, the superseded and withdrawn ones."""

    __tablename__ = "guide_versions"
    guide_id: Mapped[str] = mapped_column(ForeignKey("guides.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # draft | published | superseded | withdrawn
    data: Mapped[dict] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(64), default="import")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    comment: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(64))


class PublicationRow(Base):
    """Each change of what is live, in order; every replica replays the ones it has not seen."""

    __tablename__ = "publications"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guide_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int | None] = mapped_column(Integer)  # NULL: withdrawn
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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
    status: Mapped[str] = mapped_column(String(16), default="open")  # handoffs: open → handled
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class UserRow(Base):
    """A staff account: hotline staff, editors, reviewers, administrators."""

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # admin | reviewer | editor | staff
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class UserSessionRow(Base):
    """A signed-in browser or API client. Only a hash of the token is stored, so a leaked table signs nobody in."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Who did what and when: sign-ins, saves, publications, rollbacks, withdrawals, imports, account changes."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    guide_id: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_log_guide_id_id", "guide_id", "id"),)


class ImportJobRow(Base):
    """An upload of a centre's own guides being read into import drafts (knowledge/importing/jobs.py)."""

    __tablename__ = "import_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # queued | running | done | cancelled | failed
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    files: Mapped[list] = mapped_column(JSON, default=list)  # [{"name", "size", "path"}], the uploaded files
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0–1
    message: Mapped[str | None] = mapped_column(Text)  # what it is doing now, or why it failed
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    drafts_count: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict] = mapped_column(JSON, default=dict)  # {"files": [per-file report]}


class ImportDraftRow(Base):
    """One recognised guide of an import: its data (valid or not), what was recognised, the text kept
    in notes, its errors. It reaches the guides only when an editor stores it or a reviewer publishes it."""

    __tablename__ = "import_drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(String(500))
    locator: Mapped[str] = mapped_column(String(200))
    guide_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    match_id: Mapped[str | None] = mapped_column(String(64))  # the existing guide this one updates
    match_by: Mapped[str | None] = mapped_column(String(8))  # code | name
    data: Mapped[dict] = mapped_column(JSON)
    recognised: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    aliases_proposed: Mapped[list] = mapped_column(JSON, default=list)
    duplicate_of: Mapped[str | None] = mapped_column(String(800))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | stored | published | discarded
    version: Mapped[int | None] = mapped_column(Integer)  # the guide version it became
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ImportHeaderRow(Base):
    """A centre's own column header mapped once to a field, used by every later import."""

    __tablename__ = "import_headers"
    header: Mapped[str] = mapped_column(String(100), primary_key=True)
    field: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
