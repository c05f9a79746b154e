"""Who is asking: staff sign-in sessions, roles and what each role may do.

    from knowledge.api.auth import CurrentUser, require
    @router.get("/api/console/suggest", dependencies=[require("console")])   # 401 不登录, 403 无权限
    def suggest(..., user: CurrentUser): ...

A session token arrives as the `navigator_session` cookie (staff pages) or as `Authorization: Bearer`
(API clients). Every request checks the session in the database, so signing out, deactivating an
account or changing its password takes effect at once on every replica.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel

from knowledge.api.deps import SessionDep
from knowledge.store import users as user_store
from knowledge.store.db import as_utc

COOKIE = "navigator_session"
ROLES = user_store.ROLES
ROLE_NAMES = user_store.ROLE_NAMES
# capability → roles that have it (admin has all)
CAPABILITIES: dict[str, frozenset[str]] = {
    "console": frozenset({"staff", "editor", "reviewer", "admin"}),
    "edit": frozenset({"editor", "reviewer", "admin"}),
    "publish": frozenset({"reviewer", "admin"}),
    "reports": frozenset({"editor", "reviewer", "admin"}),
    "users": frozenset({"admin"}),
    # export and delete one conversation's personal data
    "conversation_data": frozenset({"admin"}),
}


class User(BaseModel):
    username: str
    display_name: str
    role: str
    expires_at: dt.datetime

    def can(self, capability: str) -> bool:
        return self.role in CAPABILITIES[capability]

    @property
    def capabilities(self) -> list[str]:
        return [c for c in CAPABILITIES if self.can(c)]


def session_token(request: Request) -> str | None:
    """The token from `Authorization: Bearer …`, else from the session cookie."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


def current_user(request: Request, session: SessionDep) -> User:
    token = session_token(request)
    found = user_store.user_for_token(session, token) if token and len(token) <= 256 else None
    if found is None:
        raise HTTPException(401, detail="请先登录", headers={"WWW-Authenticate": "Bearer"})
    row, sess = found
    return User(username=row.username, display_name=row.display_name, role=row.role,
                expires_at=as_utc(sess.expires_at))


CurrentUser = Annotated[User, Depends(current_user)]


def require(capability: str):
    """A dependency that lets the request through only for roles with `capability` (401 / 403 otherwise)."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}; known: {', '.join(CAPABILITIES)}")

    def check(user: CurrentUser) -> User:
        if not user.can(capability):
            raise HTTPException(403, detail=f"您的账号（角色：{ROLE_NAMES.get(user.role, user.role)}）无权进行此操作")
        return user

    check.__name__ = f"require_{capability}"
    return Depends(check)
