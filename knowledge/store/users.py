"""Staff accounts and their sign-in sessions.

Passwords are hashed with argon2id; session tokens are random and only their SHA-256 is stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from knowledge.store.db import as_utc, utcnow
from knowledge.store.tables import UserRow, UserSessionRow

ROLES = ("admin", "reviewer", "editor", "staff")
ROLE_NAMES = {"admin": "管理员", "reviewer": "审核员", "editor": "编辑", "staff": "热线坐席"}

_hasher = PasswordHasher()
# Verifying against this when the username is unknown makes a wrong name cost as much as a wrong password.
_DUMMY_HASH = _hasher.hash("no-such-user")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_user(session: Session, username: str) -> UserRow | None:
    return session.get(UserRow, username)


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.created_at, UserRow.username)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(UserRow)) or 0


def active_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(UserRow).where(UserRow.role == "admin", UserRow.active.is_(True))
    ) or 0


def create_user(session: Session, username: str, password: str, role: str, display_name: str | None = None) -> UserRow:
    row = UserRow(username=username, display_name=display_name or username, role=role,
                  password_hash=_hasher.hash(password), active=True, created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def set_password(session: Session, user: UserRow, password: str) -> None:
    user.password_hash = _hasher.hash(password)
    end_sessions(session, user.username)  # a changed password signs the old sessions out


def check_password(session: Session, username: str, password: str) -> UserRow | None:
    """The active user with this password, or None."""
    user = get_user(session, username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def start_session(session: Session, user: UserRow, ttl: dt.timedelta) -> tuple[str, UserSessionRow]:
    """A new session; returns the token (given to the client once) and the stored row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSessionRow(token_hash=hash_token(token), username=user.username, created_at=now, expires_at=now + ttl)
    session.add(row)
    user.last_login_at = now
    # Sweep expired sessions here rather than in a timer: sign-ins are rare and this keeps the table small.
    session.execute(delete(UserSessionRow).where(UserSessionRow.expires_at < now))
    return token, row


def user_for_token(session: Session, token: str) -> tuple[UserRow, UserSessionRow] | None:
    """The active user signed in with this token, if the session has not expired."""
    row = session.get(UserSessionRow, hash_token(token))
    if row is None or as_utc(row.expires_at) <= utcnow():
        return None
    user = get_user(session, row.username)
    if user is None or not user.active:
        return None
    return user, row


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSessionRow).where(UserSessionRow.token_hash == hash_token(token)))


def end_sessions(session: Session, username: str) -> None:
    session.execute(delete(UserSessionRow).where(UserSessionRow.username == username))


def ensure_first_admin(session: Session, password: str | None) -> str | None:
    """Create `admin` when there are no accounts at all. Returns the generated password, if one was generated."""
    if count_users(session):
        return None
    chosen = password or secrets.token_urlsafe(12)
    create_user(session, "admin", chosen, "admin", "管理员")
    return None if password else chosen
