"""Going live: publishing a draft version, rolling back to an earlier one, withdrawing (下线) a guide.

Each is checked against what is live first (a published route may only name published items, and a
change must not break guides it does not touch), then handed to the Publisher (knowledge/publishing.py),
which indexes, commits and swaps. Each holds the publisher's lock from the check to the swap, and
its database write checks again that nobody changed the guide in between.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from knowledge.catalogue import Catalogue
from knowledge.editing.history import guide_row, version_row
from knowledge.editing.refusals import Conflict
from knowledge.editing.validation import GuideInvalid, broken_by, cross_guide_errors, with_guides
from knowledge.publishing import Publisher
from knowledge.schema import Guide, guide_adapter
from knowledge.store import audit
from knowledge.store import guides as store
from knowledge.store.tables import PublicationRow


@dataclass(frozen=True)
class WentLive:
    published_version: int | None  # None: the guide is no longer live
    indexed_ms: float


def as_live(data: dict) -> Guide:
    """A stored version's data as the guide it becomes when published."""
    return guide_adapter.validate_python({**data, "status": "published"})


def check_publishable(live: Catalogue, upserts: Sequence[Guide], removed: Sequence[str] = ()) -> None:
    """Cross-guide rules against what is live: GuideInvalid for the guides' own problems, Conflict when
    the change would break other live guides."""
    candidate = with_guides(live, upserts, removed)
    problems = candidate.problems()
    errors = [e for g in upserts for e in cross_guide_errors(g, problems.get(g.id, []))]
    if errors:
        raise GuideInvalid(errors)
    others = {gid: msgs for gid, msgs in broken_by(live, candidate).items()
              if gid not in {g.id for g in upserts}}
    if others:
        lines = [f"{gid}：{m}" for gid, msgs in others.items() for m in msgs]
        raise Conflict("这样改会使其他线上指南出错，请先修改它们：" + "；".join(lines[:10]))


def publish(session: Session, publisher: Publisher, username: str, guide_id: str, number: int) -> WentLive:
    """Make draft version `number` the live one."""
    with publisher.lock:
        row = guide_row(session, guide_id)
        version = version_row(session, guide_id, number)
        if version.status == "published":
            raise Conflict(f"版本 {number} 已是线上版本")
        if version.status != "draft":
            raise Conflict(f"版本 {number} 曾经发布过，如需恢复请使用“回滚”")
        guide = as_live(version.data)
        check_publishable(publisher.live.catalogue, [guide])
        was_live = row.published_version

        def write(s: Session) -> list[PublicationRow]:
            fresh = guide_row(s, guide_id, for_update=True)
            target = version_row(s, guide_id, number)
            if fresh.published_version != was_live or target.status != "draft":
                raise Conflict("该指南刚被其他人发布或下线，请刷新后再试")
            publication = store.mark_published(s, fresh, target, username)
            audit.record(s, username, "publish", guide_id, number,
                         f"发布版本 {number}" + (f"（替换版本 {was_live}）" if was_live else ""))
            return [publication]

        ms = publisher.publish(session, [guide], [], write)
    return WentLive(number, round(ms, 1))


def rollback(session: Session, publisher: Publisher, username: str, guide_id: str, number: int) -> WentLive:
    """Publish a new version whose content is version `number`'s (history is never rewritten)."""
    with publisher.lock:
        row = guide_row(session, guide_id)
        old = version_row(session, guide_id, number)
        if row.published_version == number:
            raise Conflict(f"版本 {number} 就是线上版本，无需回滚")
        new_number, base = row.latest_version + 1, row.latest_version
        guide = guide_adapter.validate_python({**old.data, "version": new_number, "status": "published"})
        check_publishable(publisher.live.catalogue, [guide])

        def write(s: Session) -> list[PublicationRow]:
            fresh = guide_row(s, guide_id, for_update=True)
            if fresh.latest_version != base:
                raise Conflict("该指南刚被其他人修改，请刷新后再试")
            new = store.add_version(s, fresh, guide, username, f"回滚到版本 {number}")
            publication = store.mark_published(s, fresh, new, username)
            audit.record(s, username, "rollback", guide_id, new.version, f"回滚到版本 {number}（新版本 {new.version}）")
            return [publication]

        ms = publisher.publish(session, [guide], [], write)
    return WentLive(new_number, round(ms, 1))


def withdraw(session: Session, publisher: Publisher, username: str, guide_id: str) -> WentLive:
    """下线: the guide leaves search and the dialogue; its versions stay for a later rollback."""
    with publisher.lock:
        row = guide_row(session, guide_id)
        if row.published_version is None:
            raise Conflict("该指南当前未上线")
        was_live = row.published_version
        check_publishable(publisher.live.catalogue, [], [guide_id])

        def write(s: Session) -> list[PublicationRow]:
            fresh = guide_row(s, guide_id, for_update=True)
            if fresh.published_version != was_live:
                raise Conflict("该指南刚被其他人发布或下线，请刷新后再试")
            publication = store.mark_withdrawn(s, fresh, username)
            audit.record(s, username, "withdraw", guide_id, was_live, f"下线（原线上版本 {was_live}）")
            return [publication]

        ms = publisher.publish(session, [], [guide_id], write)
    return WentLive(None, round(ms, 1))
