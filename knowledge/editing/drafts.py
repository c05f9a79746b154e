"""Drafts: creating a guide, saving a new version of it, adding an alias. Nothing here goes live.

Every save adds a version (history is never rewritten). A save names the version the editor started
from (`base_version`); if someone saved a newer one meanwhile, nothing is stored and the refusal
carries both versions and their diff, so two editors never overwrite each other silently. Every
guide is checked (schema and cross-guide rules) before it is stored, each problem tied to its field.
"""
from __future__ import annotations

import json

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.catalogue import Catalogue
from knowledge.editing import diff
from knowledge.editing.history import guide_row, version_row
from knowledge.editing.refusals import Conflict, Unusable, VersionConflict
from knowledge.editing.validation import FieldError, GuideInvalid, check_guide, with_guides
from knowledge.schema import guide_adapter
from knowledge.store import audit
from knowledge.store import guides as store
from knowledge.store import users as user_store
from knowledge.store.tables import GuideVersionRow

MAX_DATA_CHARS = 200_000  # far above the largest sample guide (about 8 000 characters as JSON)


def working_catalogue(session: Session, live: Catalogue) -> Catalogue:
    """What a draft is checked against: the live guides plus guides that exist only as drafts, so a
    new route may name a new item before either is published."""
    drafts = [guide_adapter.validate_python(v.data) for v in store.unpublished_latest(session)]
    return with_guides(live, drafts)


def check_size(data: dict) -> None:
    if len(json.dumps(data, ensure_ascii=False)) > MAX_DATA_CHARS:
        raise GuideInvalid([FieldError("", f"指南内容太长（超过 {MAX_DATA_CHARS} 个字符）")])


def create(session: Session, live: Catalogue, username: str, kind: str, data: dict,
           comment: str | None = None) -> GuideVersionRow:
    """A new guide: its version 1, a draft."""
    check_size(data)
    guide = check_guide(data, working_catalogue(session, live), kind=kind)
    taken = Conflict(f"id「{guide.id}」已被另一份指南使用，请换一个")
    if store.get_guide(session, guide.id) is not None:
        raise taken
    try:
        row = store.create_guide(session, guide, username, comment)
        audit.record(session, username, "create", guide.id, 1, f"新建{store.KIND_NAMES[guide.kind]}「{guide.name}」")
        session.commit()
    except IntegrityError:  # created by someone else a moment earlier
        session.rollback()
        raise taken from None
    return row


def save(session: Session, live: Catalogue, username: str, guide_id: str, base_version: int, data: dict,
         comment: str | None = None) -> GuideVersionRow:
    """A new draft version with `data`, if `base_version` is still the newest."""
    return _save(session, live, username, guide_id, base_version, data, comment, "save", comment or "保存草稿")


def add_alias(session: Session, live: Catalogue, username: str, guide_id: str, alias: str) -> GuideVersionRow:
    """A new draft with one more alias (FAQ entries: one more way to ask the question)."""
    row = guide_row(session, guide_id)
    latest = version_row(session, guide_id, row.latest_version)
    alias = alias.strip()
    if not alias:
        raise Unusable("别名不能为空")
    field = "alt_questions" if row.kind == "faq" else "aliases"
    current = list(latest.data.get(field) or [])
    if alias in current or alias == store.title_of(latest.data):
        raise Conflict(f"「{alias}」已是这份指南的名称或别名")
    data = {**latest.data, field: [*current, alias]}
    what = f"添加别名「{alias}」"
    return _save(session, live, username, guide_id, row.latest_version, data, what, "alias", what)


def _save(session: Session, live: Catalogue, username: str, guide_id: str, base_version: int, data: dict,
          comment: str | None, action: str, detail: str) -> GuideVersionRow:
    row = guide_row(session, guide_id)
    if row.latest_version != base_version:
        raise _conflict(session, guide_id, base_version, data)
    check_size(data)
    guide = check_guide(data, working_catalogue(session, live), kind=row.kind, guide_id=guide_id)
    try:
        row = guide_row(session, guide_id, for_update=True)
        if row.latest_version != base_version:
            raise _conflict(session, guide_id, base_version, data)
        version = store.add_version(session, row, guide, username, comment)
        audit.record(session, username, action, guide_id, version.version, detail)
        session.commit()
    except IntegrityError:  # another save took the same version number a moment earlier
        raise _conflict(session, guide_id, base_version, data) from None
    return version


def _conflict(session: Session, guide_id: str, base_version: int, data: dict) -> VersionConflict:
    session.rollback()
    theirs = version_row(session, guide_id, guide_row(session, guide_id).latest_version)
    author = user_store.get_user(session, theirs.author)
    return VersionConflict(theirs, author.display_name if author else theirs.author,
                           yours={"base_version": base_version, "data": data},
                           diff=diff.between(theirs.data, data, f"{guide_id} 已保存的版本 {theirs.version}",
                                             f"{guide_id} 我的修改（基于版本 {base_version}）"))
