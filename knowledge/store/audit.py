"""The audit log: who signed in, saved, published, rolled back, withdrew, imported or changed an account, and when.

Entries are added to the caller's transaction, so an action and its record are committed together.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.store.db import utcnow
from knowledge.store.tables import AuditRow

ACTIONS = {
    "login": "登录", "logout": "退出", "login_failed": "登录失败",
    "create": "新建指南", "save": "保存草稿", "alias": "添加别名", "publish": "发布",
    "rollback": "回滚", "withdraw": "下线", "import": "导入",
    "user_create": "新建账号", "user_update": "修改账号",
    "conversation_export": "导出对话数据", "conversation_delete": "删除对话数据",
}
# What happened to guides: the part of the log every editor may read. Sign-ins (with the usernames
# people typed) and account changes are for administrators only.
GUIDE_ACTIONS = frozenset({"create", "save", "alias", "publish", "rollback", "withdraw", "import"})


def record(session: Session, username: str, action: str, guide_id: str | None = None,
           version: int | None = None, detail: str | None = None) -> AuditRow:
    row = AuditRow(at=utcnow(), username=username, action=action, guide_id=guide_id, version=version,
                   detail=detail)
    session.add(row)
    return row


def recent(session: Session, guide_id: str | None = None, limit: int = 100,
           actions: frozenset[str] | None = None) -> list[AuditRow]:
    """The newest entries, optionally of one guide and only of the given actions."""
    q = select(AuditRow)
    if guide_id:
        q = q.where(AuditRow.guide_id == guide_id)
    if actions is not None:
        q = q.where(AuditRow.action.in_(sorted(actions)))
    return list(session.scalars(q.order_by(AuditRow.id.desc()).limit(limit)))
