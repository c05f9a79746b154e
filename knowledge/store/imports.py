"""Import jobs, their drafts and the centre's header mapping (the caller commits)."""
from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from knowledge.importing.fields import normalise_label
from knowledge.store.db import utcnow
from knowledge.store.tables import ImportDraftRow, ImportHeaderRow, ImportJobRow

UNFINISHED = ("queued", "running")  # reading files into drafts
TAKING = ("storing", "publishing")  # clean drafts going into the guides


def create_job(session: Session, job_id: str, username: str, files: list[dict]) -> ImportJobRow:
    row = ImportJobRow(id=job_id, status="queued", created_by=username, created_at=utcnow(), files=files,
                       progress=0.0, cancel_requested=False, drafts_count=0, report={}, message="排队等待")
    session.add(row)
    session.flush()
    return row


def get_job(session: Session, job_id: str) -> ImportJobRow | None:
    return session.get(ImportJobRow, job_id)


def recent_jobs(session: Session, limit: int = 20) -> list[ImportJobRow]:
    return list(session.scalars(select(ImportJobRow).order_by(ImportJobRow.created_at.desc()).limit(limit)))


def unfinished_jobs(session: Session) -> list[ImportJobRow]:
    return list(session.scalars(select(ImportJobRow).where(ImportJobRow.status.in_(UNFINISHED))
                                .order_by(ImportJobRow.created_at)))


def jobs_taking(session: Session) -> list[ImportJobRow]:
    """Jobs whose drafts were being stored or published."""
    return list(session.scalars(select(ImportJobRow).where(ImportJobRow.status.in_(TAKING))))


def clear_drafts(session: Session, job_id: str) -> None:
    session.execute(delete(ImportDraftRow).where(ImportDraftRow.job_id == job_id))


def drafts_of(session: Session, job_id: str, status: str | None = None) -> list[ImportDraftRow]:
    q = select(ImportDraftRow).where(ImportDraftRow.job_id == job_id)
    if status:
        q = q.where(ImportDraftRow.status == status)
    return list(session.scalars(q.order_by(ImportDraftRow.seq)))


def draft_counts(session: Session, job_id: str) -> dict[str, int]:
    rows = session.execute(select(ImportDraftRow.status, func.count()).where(ImportDraftRow.job_id == job_id)
                           .group_by(ImportDraftRow.status)).all()
    return {status: n for status, n in rows}


def get_draft(session: Session, draft_id: int) -> ImportDraftRow | None:
    return session.get(ImportDraftRow, draft_id)


def header_mapping(session: Session) -> dict[str, str]:
    """The centre's own headers → field keys (normalised the way fields.item_field looks them up)."""
    return {normalise_label(r.header): r.field for r in session.scalars(select(ImportHeaderRow))}


def set_headers(session: Session, mapping: dict[str, str | None], username: str) -> None:
    for header, field in mapping.items():
        existing = session.get(ImportHeaderRow, header)
        if not field:
            if existing is not None:
                session.delete(existing)
        elif existing is None:
            session.add(ImportHeaderRow(header=header, field=field, created_by=username, created_at=utcnow()))
        else:
            existing.field, existing.created_by = field, username
    session.flush()
