"""The audit log: who signed in, saved, published, rolled back, withdrew, imported or changed an account, and when.

Entries are added to the caller's transaction, so an action and its record are committed together.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.store.db import utcnow
from knowledge.store.tables import AuditRow

# Every action the log records, with the name staff read (the audit list answers it as `action_label`).
ACTIONS = {
    "login": "登录", "logout": "退出", "login_failed": "登录失败",
    "create": "新建指南", "save": "保存草稿", "alias": "添加别名", "publish": "发布",
    "rollback": "回滚", "withdraw": "下线", "import": "导入",
    "import-upload": "上传导入文件", "import-cancel": "取消导入", "import-rerun": "重新识别导入",
    "import-headers": "设置导入列名", "import-store": "导入草稿存为指南草稿", "import-publish": "发布导入草稿",
    "import-discard": "舍弃导入草稿",
    "user_create": "新建账号", "user_update": "修改账号",
    "conversation_export": "导出对话数据", "conversation_delete": "删除对话数据",
}
# What happened to guides: the part of the log every editor may read. Sign-ins (with the usernames
# people typed) and account changes are for administrators only.
GUIDE_ACTIONS = frozenset({"create", "save", "alias", "publish", "rollback", "withdraw", "import"})


def record(session: Session, username: str, action: str, guide_id: str | None = None,
           version: int | None = None, detail: str | None = None) -> AuditRow:
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} has no entry in ACTIONS")  # a bug: name it there first
    row = AuditRow(at=utcnow(), username=username, action=action, guide_id=guide_id, version=version,
                   detail=detail)
    session.add(row)
    return row


def label(action: str) -> str:
    """The Chinese name of an action; an entry written under a name since retired shows as written."""
    return ACTIONS.get(action, action)


def recent(session: Session, guide_id: str | None = None, limit: int = 100,
           actions: frozenset[str] | None = None) -> list[AuditRow]:
    """The newest entries, optionally of one guide and only of the given actions."""
    q = select(AuditRow)
    if guide_id:
        q = q.where(AuditRow.guide_id == guide_id)
    if actions is not None:
        q = q.where(AuditRow.action.in_(sorted(actions)))
    return list(session.scalars(q.order_by(AuditRow.id.desc()).limit(limit)))
