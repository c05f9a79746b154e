"""Guide storage: every saved version kept, one of them published; seeding from the YAML folder on first run.

A guide's versions move draft → published → superseded (when a later one is published) or
withdrawn (下线). Saving never changes an existing version: it adds version latest+1. The `version`
and `status` fields inside a version's data always say which version it is and whether it went live.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.catalogue import Catalogue
from knowledge.schema import Guide, guide_adapter
from knowledge.store.db import as_utc, utcnow
from knowledge.store.tables import GuideRow, GuideVersionRow, PublicationRow

KIND_NAMES = {"item": "事项", "route": "一件事", "faq": "问答", "industry": "行业"}


def seed_if_empty(session: Session, folder: Path) -> int:
    """Import the guide folder when the store has no guides yet; returns how many were imported."""
    if session.scalar(select(func.count()).select_from(GuideRow)):
        return 0
    catalogue = Catalogue.from_folder(folder)
    now = utcnow()
    for guide in catalogue.all():
        session.add(GuideRow(id=guide.id, kind=guide.kind, published_version=guide.version,
                             latest_version=guide.version, updated_at=now, updated_by="import"))
        session.add(GuideVersionRow(guide_id=guide.id, version=guide.version, status="published",
                                    data=guide.model_dump(mode="json"), author="import", created_at=now,
                                    published_at=now, published_by="import", comment="从指南文件夹导入"))
    session.commit()
    return len(catalogue.all())


def load_published(session: Session) -> Catalogue:
    rows = session.execute(
        select(GuideVersionRow).join(GuideRow, GuideRow.id == GuideVersionRow.guide_id)
        .where(GuideVersionRow.version == GuideRow.published_version)
    ).scalars()
    catalogue = Catalogue()
    for row in rows:
        catalogue.add(guide_adapter.validate_python(row.data))
    return catalogue


def published_guides(session: Session, guide_ids: Iterable[str]) -> dict[str, Guide | None]:
    """The live version of each guide, or None for guides that are not live (withdrawn or never published)."""
    ids = list(set(guide_ids))
    out: dict[str, Guide | None] = dict.fromkeys(ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(GuideVersionRow).join(GuideRow, GuideRow.id == GuideVersionRow.guide_id)
            .where(GuideRow.id.in_(ids[start:start + 500]), GuideVersionRow.version == GuideRow.published_version)
        ).scalars()
        for row in rows:
            out[row.guide_id] = guide_adapter.validate_python(row.data)
    return out


def last_publication(session: Session) -> int:
    return session.scalar(select(func.max(PublicationRow.seq))) or 0


def publications_after(session: Session, seq: int) -> list[PublicationRow]:
    return list(session.scalars(select(PublicationRow).where(PublicationRow.seq > seq).order_by(PublicationRow.seq)))


# ---- reading ------------------------------------------------------------------------------------

def get_guide(session: Session, guide_id: str, for_update: bool = False) -> GuideRow | None:
    if for_update:
        # Row lock on PostgreSQL; SQLite serialises writers anyway.
        return session.scalar(select(GuideRow).where(GuideRow.id == guide_id).with_for_update())
    return session.get(GuideRow, guide_id)


def get_version(session: Session, guide_id: str, version: int) -> GuideVersionRow | None:
    return session.get(GuideVersionRow, (guide_id, version))


def versions(session: Session, guide_id: str) -> list[GuideVersionRow]:
    return list(session.scalars(select(GuideVersionRow).where(GuideVersionRow.guide_id == guide_id)
                                .order_by(GuideVersionRow.version.desc())))


def draft_of(session: Session, row: GuideRow) -> GuideVersionRow | None:
    """The newest version when it has not been published yet (what the editor continues from)."""
    latest = get_version(session, row.id, row.latest_version)
    return latest if latest is not None and latest.status == "draft" else None


def latest_data(session: Session) -> dict[str, tuple[GuideRow, GuideVersionRow]]:
    rows = session.execute(
        select(GuideRow, GuideVersionRow).join(GuideVersionRow, GuideVersionRow.guide_id == GuideRow.id)
        .where(GuideVersionRow.version == GuideRow.latest_version)
    ).all()
    return {g.id: (g, v) for g, v in rows}


def unpublished_latest(session: Session) -> list[GuideVersionRow]:
    """The newest version of each guide that is not live (new guides, withdrawn ones)."""
    return list(session.scalars(
        select(GuideVersionRow).join(GuideRow, GuideRow.id == GuideVersionRow.guide_id)
        .where(GuideRow.published_version.is_(None), GuideVersionRow.version == GuideRow.latest_version)
    ))


def content_of(data: dict) -> dict:
    """A version's data without the bookkeeping that differs between versions (to tell real changes)."""
    return {k: v for k, v in data.items() if k not in ("version", "status", "updated_at")}


@dataclass
class GuideSummary:
    id: str
    kind: str
    title: str
    department: str
    published_version: int | None
    latest_version: int
    has_draft: bool
    updated_at: dt.datetime | None
    updated_by: str | None


def title_of(data: dict) -> str:
    return str(data.get("name") or data.get("question") or data.get("id") or "")


def department_of(data: dict) -> str:
    if data.get("kind") == "industry":
        return f"行业指引 · {data.get('category') or ''}".rstrip(" ·")
    return "多部门联办" if data.get("kind") == "route" else str(data.get("department") or "")


def list_guides(session: Session, q: str = "", kind: str | None = None, status: str | None = None,
                limit: int = 1000) -> list[GuideSummary]:
    """Guides by their newest version. status: published (live), draft (has unpublished changes),
    unpublished (not live at all)."""
    needle = q.strip().lower()
    out = []
    for g, v in latest_data(session).values():
        if kind and g.kind != kind:
            continue
        has_draft = v.status == "draft"
        if status == "published" and g.published_version is None:
            continue
        if status == "draft" and not has_draft:
            continue
        if status in ("unpublished", "withdrawn") and g.published_version is not None:
            continue
        data = v.data
        if needle:
            words = [g.id, title_of(data), department_of(data), *data.get("aliases", []), *data.get("alt_questions", [])]
            if not any(needle in str(w).lower() for w in words):
                continue
        out.append(GuideSummary(id=g.id, kind=g.kind, title=title_of(data), department=department_of(data),
                                published_version=g.published_version, latest_version=g.latest_version,
                                has_draft=has_draft, updated_at=g.updated_at and as_utc(g.updated_at),
                                updated_by=g.updated_by))
    out.sort(key=lambda s: (s.updated_at or dt.datetime.min.replace(tzinfo=dt.timezone.utc)), reverse=True)
    return out[:limit]


# ---- writing (the caller commits) ---------------------------------------------------------------

def stamped(guide: Guide, version: int, status: str = "draft") -> dict:
    """The guide's data as stored for `version`: its own version number and draft/published flag inside."""
    data = guide.model_dump(mode="json")
    data["version"], data["status"] = version, "published" if status == "published" else "draft"
    return data


def create_guide(session: Session, guide: Guide, author: str, comment: str | None = None) -> GuideVersionRow:
    now = utcnow()
    session.add(GuideRow(id=guide.id, kind=guide.kind, published_version=None, latest_version=1,
                         updated_at=now, updated_by=author))
    row = GuideVersionRow(guide_id=guide.id, version=1, status="draft", data=stamped(guide, 1, "draft"),
                          author=author, created_at=now, comment=comment)
    session.add(row)
    session.flush()
    return row


def add_version(session: Session, guide_row: GuideRow, guide: Guide, author: str,
                comment: str | None = None) -> GuideVersionRow:
    """A new draft version after the newest one."""
    now = utcnow()
    number = guide_row.latest_version + 1
    row = GuideVersionRow(guide_id=guide_row.id, version=number, status="draft",
                          data=stamped(guide, number, "draft"), author=author, created_at=now, comment=comment)
    session.add(row)
    guide_row.latest_version = number
    guide_row.updated_at, guide_row.updated_by = now, author
    session.flush()
    return row


def mark_published(session: Session, guide_row: GuideRow, version_row: GuideVersionRow,
                   username: str) -> PublicationRow:
    """Make `version_row` the live version; the previously live one becomes superseded."""
    now = utcnow()
    if guide_row.published_version is not None and guide_row.published_version != version_row.version:
        previous = get_version(session, guide_row.id, guide_row.published_version)
        if previous is not None:
            previous.status = "superseded"
    version_row.status = "published"
    version_row.data = {**version_row.data, "status": "published"}  # a new dict, so the change is saved
    version_row.published_at, version_row.published_by = now, username
    guide_row.published_version = version_row.version
    guide_row.updated_at, guide_row.updated_by = now, username
    publication = PublicationRow(guide_id=guide_row.id, version=version_row.version, username=username, at=now)
    session.add(publication)
    session.flush()
    return publication


def mark_withdrawn(session: Session, guide_row: GuideRow, username: str) -> PublicationRow:
    """Take the guide off line (its live version becomes withdrawn)."""
    now = utcnow()
    if guide_row.published_version is not None:
        row = get_version(session, guide_row.id, guide_row.published_version)
        if row is not None:
            row.status = "withdrawn"
    guide_row.published_version = None
    guide_row.updated_at, guide_row.updated_by = now, username
    publication = PublicationRow(guide_id=guide_row.id, version=None, username=username, at=now)
    session.add(publication)
    session.flush()
    return publication
