"""Reading a guide's record: the guide and its versions (or a NotFound refusal), and what changed
between two versions."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from knowledge.editing import diff
from knowledge.editing.refusals import NotFound
from knowledge.store import guides as store
from knowledge.store.tables import GuideRow, GuideVersionRow


def guide_row(session: Session, guide_id: str, for_update: bool = False) -> GuideRow:
    row = store.get_guide(session, guide_id, for_update=for_update)
    if row is None:
        raise NotFound(f"没有找到指南「{guide_id[:64]}」")
    return row


def version_row(session: Session, guide_id: str, version: int) -> GuideVersionRow:
    row = store.get_version(session, guide_id, version)
    if row is None:
        raise NotFound(f"指南「{guide_id[:64]}」没有版本 {version}")
    return row


@dataclass
class GuideRecord:
    row: GuideRow
    draft: GuideVersionRow | None  # the newest version, when it is newer than the live one
    published: GuideVersionRow | None


def record(session: Session, guide_id: str) -> GuideRecord:
    row = guide_row(session, guide_id)
    published = store.get_version(session, row.id, row.published_version) if row.published_version else None
    return GuideRecord(row, store.draft_of(session, row), published)


def versions(session: Session, guide_id: str) -> list[GuideVersionRow]:
    """Newest first."""
    guide_row(session, guide_id)
    return store.versions(session, guide_id)


def version_diff(session: Session, guide_id: str, from_: int | None = None, to: int | None = None) -> dict:
    """{"from", "to", "changes", "unified"}. Defaults: from the live version (or the one before `to`)
    to the newest."""
    row = guide_row(session, guide_id)
    to = to or row.latest_version
    if from_ is None:
        from_ = row.published_version if row.published_version and row.published_version != to else max(1, to - 1)
    before, after = version_row(session, guide_id, from_), version_row(session, guide_id, to)
    return {"from": from_, "to": to, **diff.between(before.data, after.data, f"{guide_id} 版本 {from_}",
                                                    f"{guide_id} 版本 {to}")}
