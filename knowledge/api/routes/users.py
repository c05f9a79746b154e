"""Staff accounts (admin only): GET/POST /api/users, PATCH /api/users/{username}."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from knowledge.api.auth import ROLE_NAMES, CurrentUser, require
from knowledge.api.deps import SessionDep
from knowledge.api.password_policy import password_problem
from knowledge.store import audit
from knowledge.store import users as user_store
from knowledge.store.db import as_utc

router = APIRouter(prefix="/api/users", tags=["users"], dependencies=[require("users")])

Role = Literal["admin", "reviewer", "editor", "staff"]


class UserOut(BaseModel):
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: dt.datetime | None
    last_login_at: dt.datetime | None


class UserIn(BaseModel):
    username: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$",
                          description="2–32 位字母、数字、下划线、点或连字符")
    password: str = Field(..., min_length=8, max_length=128,
                          description="至少 8 个字符，不含用户名，不能是常用或容易猜到的密码")
    role: Role
    display_name: str | None = Field(None, min_length=1, max_length=64)


class UserPatch(BaseModel):
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=8, max_length=128,
                                 description="至少 8 个字符，不含用户名，不能是常用或容易猜到的密码")
    display_name: str | None = Field(None, min_length=1, max_length=64)


def check_password(password: str, username: str, display_name: str | None) -> None:
    problem = password_problem(password, username, display_name)
    if problem:
        raise HTTPException(422, detail=problem)


def _out(row) -> UserOut:
    return UserOut(username=row.username, display_name=row.display_name, role=row.role, active=row.active,
                   created_at=row.created_at and as_utc(row.created_at),
                   last_login_at=row.last_login_at and as_utc(row.last_login_at))


@router.get("", response_model=list[UserOut])
def list_users(session: SessionDep) -> list[UserOut]:
    return [_out(r) for r in user_store.list_users(session)]


@router.post("", response_model=UserOut, status_code=201)
def create_user(body: UserIn, session: SessionDep, user: CurrentUser) -> UserOut:
    if user_store.get_user(session, body.username) is not None:
        raise HTTPException(409, detail=f"用户名「{body.username}」已存在")
    check_password(body.password, body.username, body.display_name)
    row = user_store.create_user(session, body.username, body.password, body.role, body.display_name)
    audit.record(session, user.username, "user_create",
                 detail=f"新建账号 {row.username}（{ROLE_NAMES[row.role]}）")
    session.commit()
    return _out(row)


@router.patch("/{username}", response_model=UserOut)
def update_user(username: str, body: UserPatch, session: SessionDep, user: CurrentUser) -> UserOut:
    row = user_store.get_user(session, username)
    if row is None:
        raise HTTPException(404, detail=f"没有找到账号「{username[:64]}」")
    loses_admin = row.role == "admin" and row.active and (
        (body.role is not None and body.role != "admin") or body.active is False)
    if loses_admin and user_store.active_admins(session) <= 1:
        raise HTTPException(409, detail="至少要保留一个启用的管理员账号")
    if body.password is not None:
        check_password(body.password, row.username, body.display_name or row.display_name)
    changes = []
    if body.display_name is not None and body.display_name != row.display_name:
        changes.append(f"姓名 {row.display_name} → {body.display_name}")
        row.display_name = body.display_name
    if body.role is not None and body.role != row.role:
        changes.append(f"角色 {ROLE_NAMES[row.role]} → {ROLE_NAMES[body.role]}")
        row.role = body.role
    if body.active is not None and body.active != row.active:
        changes.append("启用" if body.active else "停用")
        row.active = body.active
        if not body.active:
            user_store.end_sessions(session, row.username)
    if body.password is not None:
        changes.append("重设密码")
        user_store.set_password(session, row, body.password)
    if changes:
        audit.record(session, user.username, "user_update", detail=f"{row.username}：" + "；".join(changes))
    session.commit()
    return _out(row)
