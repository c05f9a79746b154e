"""Staff sign-in: POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me."""
from __future__ import annotations

import datetime as dt
import math

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from knowledge.api.auth import CAPABILITIES, COOKIE, CurrentUser, session_token
from knowledge.api.deps import SessionDep, StateDep
from knowledge.api.login_throttle import DEVICE_COOKIE, DEVICE_DAYS, new_device_id, valid_device_id
from knowledge.store import audit
from knowledge.store import users as user_store
from knowledge.store.db import as_utc

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=256)


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    expires_at: dt.datetime
    capabilities: list[str] = []


class LoginOut(Me):
    token: str


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response, session: SessionDep, state: StateDep) -> LoginOut:
    """Signs in; failed attempts slow further ones down (knowledge/api/login_throttle.py)."""
    username = body.username.strip()
    client = request.client.host if request.client else "unknown"  # X-Forwarded-For behind nginx (uvicorn)
    device = valid_device_id(request.cookies.get(DEVICE_COOKIE))
    throttle = state.login_throttle
    wait = throttle.wait_left(username, client, device)
    if wait > 0:
        seconds = math.ceil(wait)
        raise HTTPException(429, detail=f"登录失败次数过多，请 {seconds} 秒后再试",
                            headers={"Retry-After": str(seconds)})
    user = user_store.check_password(session, username, body.password)
    if user is None:
        throttle.failed(username, client, device)
        audit.record(session, username[:64], "login_failed")
        session.commit()
        raise HTTPException(401, detail="用户名或密码错误")
    device = device or new_device_id()
    throttle.succeeded(user.username, device)
    # Not a credential: it only marks this browser as one that has signed in to this account before.
    response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="lax",
                        secure=state.settings.session_cookie_secure, path="/api/auth")
    ttl = dt.timedelta(minutes=state.settings.session_ttl_minutes)
    token, row = user_store.start_session(session, user, ttl)
    audit.record(session, user.username, "login")
    session.commit()
    response.set_cookie(COOKIE, token, max_age=int(ttl.total_seconds()), httponly=True, samesite="lax",
                        secure=state.settings.session_cookie_secure, path="/")
    return LoginOut(username=user.username, display_name=user.display_name, role=user.role,
                    expires_at=as_utc(row.expires_at), token=token,
                    capabilities=[c for c, roles in CAPABILITIES.items() if user.role in roles])


@router.post("/logout")
def logout(request: Request, response: Response, session: SessionDep) -> dict:
    token = session_token(request)
    if token and len(token) <= 256:
        found = user_store.user_for_token(session, token)
        user_store.end_session(session, token)
        if found:
            audit.record(session, found[0].username, "logout")
        session.commit()
    response.delete_cookie(COOKIE, path="/")
    return {"detail": "已退出登录"}


@router.get("/me", response_model=Me)
def me(user: CurrentUser) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role,
              expires_at=user.expires_at, capabilities=user.capabilities)
