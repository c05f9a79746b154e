"""Staff sign-in: POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me."""
from __future__ import annotations

import datetime as dt
import threading
import time

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from knowledge.api.auth import CAPABILITIES, COOKIE, CurrentUser, session_token
from knowledge.api.deps import SessionDep, StateDep
from knowledge.store import audit
from knowledge.store import users as user_store
from knowledge.store.db import as_utc

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginThrottle:
    """After `limit` wrong passwords in a row for one username, refuse that username for `wait_s` seconds.

    Kept in memory per process: it slows password guessing down without letting anyone lock an
    account for longer than a minute.
    """

    def __init__(self, limit: int = 5, wait_s: float = 60, max_names: int = 10_000):
        self.limit, self.wait_s, self.max_names = limit, wait_s, max_names
        self._failures: dict[str, tuple[int, float]] = {}  # name → (failures, locked until)
        self._lock = threading.Lock()

    def wait_left(self, username: str) -> float:
        with self._lock:
            _, until = self._failures.get(username.lower(), (0, 0.0))
            return max(0.0, until - time.monotonic())

    def failed(self, username: str) -> None:
        with self._lock:
            if len(self._failures) >= self.max_names:
                now = time.monotonic()
                self._failures = {k: v for k, v in self._failures.items() if v[1] > now}
            count, _ = self._failures.get(username.lower(), (0, 0.0))
            count += 1
            if count >= self.limit:
                self._failures[username.lower()] = (0, time.monotonic() + self.wait_s)
            else:
                self._failures[username.lower()] = (count, 0.0)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username.lower(), None)


throttle = LoginThrottle()


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
def login(body: LoginIn, response: Response, session: SessionDep, state: StateDep) -> LoginOut:
    username = body.username.strip()
    wait = throttle.wait_left(username)
    if wait > 0:
        raise HTTPException(429, detail=f"登录失败次数过多，请 {int(wait) + 1} 秒后再试",
                            headers={"Retry-After": str(int(wait) + 1)})
    user = user_store.check_password(session, username, body.password)
    if user is None:
        throttle.failed(username)
        audit.record(session, username[:64], "login_failed")
        session.commit()
        raise HTTPException(401, detail="用户名或密码错误")
    throttle.succeeded(username)
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
