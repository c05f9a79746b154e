"""Staff sign-in and roles, against the real knowledge service (staff_stack: its own database, one account per role)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import sqlite3
import uuid
import zipfile

import httpx
import pytest

from tests.stack import ADMIN_PASSWORD, Stack, login, password_for

PASSWORDS = {"admin": ADMIN_PASSWORD, **{name: password_for(name) for name in ("reviewer1", "editor1", "staff1")}}
STAFF1 = {"username": "staff1", "password": password_for("staff1")}
ROLE_OF = {"admin": "admin", "reviewer1": "reviewer", "editor1": "editor", "staff1": "staff"}
ROLE_NAME = {"admin": "管理员", "reviewer": "审核员", "editor": "编辑", "staff": "热线坐席"}
CAPABLE = {
    "console": {"staff", "editor", "reviewer", "admin"},
    "edit": {"editor", "reviewer", "admin"},
    "publish": {"reviewer", "admin"},
    "reports": {"editor", "reviewer", "admin"},
    "users": {"admin"},
}


def _empty_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.txt", "nothing")
    return buf.getvalue()


# Every endpoint that needs a capability, called so that an allowed role changes nothing
# (unknown guide ids, invalid bodies): the test is about who gets in, not what happens next.
ENDPOINTS = [
    ("edit", "GET", "/api/editor/guides", {}),
    ("edit", "GET", "/api/editor/guides/no-such-guide", {}),
    ("edit", "GET", "/api/editor/guides/no-such-guide/versions", {}),
    ("edit", "GET", "/api/editor/guides/no-such-guide/diff", {}),
    ("edit", "GET", "/api/editor/audit", {}),
    ("edit", "GET", "/api/editor/export", {}),
    ("edit", "POST", "/api/editor/guides", {"json": {"kind": "item", "data": {}}}),
    ("edit", "PUT", "/api/editor/guides/no-such-guide/draft", {"json": {"base_version": 1, "data": {}}}),
    ("edit", "POST", "/api/editor/guides/no-such-guide/aliases", {"json": {"alias": "别名"}}),
    ("publish", "POST", "/api/editor/guides/no-such-guide/publish", {"json": {"version": 1}}),
    ("publish", "POST", "/api/editor/guides/no-such-guide/rollback", {"json": {"version": 1}}),
    ("publish", "POST", "/api/editor/guides/no-such-guide/withdraw", {}),
    ("publish", "POST", "/api/editor/import", {"files": {"file": ("x.zip", _empty_zip(), "application/zip")}}),
    ("users", "GET", "/api/users", {}),
    ("users", "POST", "/api/users", {"json": {"username": "x"}}),
    ("users", "PATCH", "/api/users/no-such-user", {"json": {"display_name": "某人"}}),
    ("console", "GET", "/api/conversations/events?type=handoff", {}),
]


@pytest.fixture(scope="module")
def clients(staff_stack: Stack):
    made = {name: login(staff_stack.knowledge_url, name, pw) for name, pw in PASSWORDS.items()}
    yield made
    for c in made.values():
        c.close()


@pytest.fixture
def anonymous(staff_stack: Stack):
    with httpx.Client(base_url=staff_stack.knowledge_url, timeout=60) as client:
        yield client


def new_account(admin: httpx.Client, role: str = "staff") -> tuple[str, str]:
    username = f"t-{uuid.uuid4().hex[:10]}"
    password = password_for(username)
    resp = admin.post("/api/users", json={"username": username, "password": password, "role": role,
                                          "display_name": "测试账号"})
    assert resp.status_code == 201, resp.text
    return username, password


# ---- signing in ----------------------------------------------------------------------------------

def test_login_returns_the_user_and_sets_an_httponly_cookie(anonymous):
    resp = anonymous.post("/api/auth/login", json={"username": "editor1", "password": password_for("editor1")})
    assert resp.status_code == 200
    body = resp.json()
    assert {k: body[k] for k in ("username", "role")} == {"username": "editor1", "role": "editor"}
    assert body["display_name"] and body["token"]
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(hours=7, minutes=59) < expires - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(hours=8)
    cookies = {c.split("=", 1)[0]: c for c in resp.headers.get_list("set-cookie")}
    cookie = cookies["navigator_session"]
    assert cookie.startswith(f"navigator_session={body['token']};")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/;" in cookie + ";"
    # The device cookie only marks this browser as known to the login throttle; it is no credential.
    device = cookies["navigator_device"]
    assert "HttpOnly" in device and "Path=/api/auth" in device
    me = anonymous.get("/api/auth/me")  # the client kept the cookie
    assert me.status_code == 200 and me.json()["username"] == "editor1"
    assert set(me.json()["capabilities"]) == {"console", "edit", "reports"}


@pytest.mark.parametrize("username, password", [("editor1", "wrong-password"), ("nobody", password_for("editor1")),
                                                ("editor1", password_for("editor1").upper())])
def test_wrong_credentials_are_401_in_chinese(anonymous, username, password):
    resp = anonymous.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 401 and resp.json() == {"detail": "用户名或密码错误"}
    assert "set-cookie" not in resp.headers


def test_signed_out_requests_are_401(anonymous):
    resp = anonymous.get("/api/auth/me")
    assert resp.status_code == 401 and resp.json() == {"detail": "请先登录"}
    assert anonymous.get("/api/auth/me", headers={"Authorization": "Bearer made-up-token"}).status_code == 401
    anonymous.cookies.set("navigator_session", "made-up-token")
    assert anonymous.get("/api/auth/me").status_code == 401


def test_bearer_token_works_without_the_cookie(staff_stack, anonymous):
    token = anonymous.post("/api/auth/login", json=STAFF1).json()["token"]
    anonymous.cookies.clear()
    resp = httpx.get(f"{staff_stack.knowledge_url}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.json()["role"] == "staff"


def test_logout_ends_the_session_for_cookie_and_token(staff_stack, anonymous):
    token = anonymous.post("/api/auth/login", json=STAFF1).json()["token"]
    out = anonymous.post("/api/auth/logout")
    assert out.status_code == 200 and 'navigator_session=""' in out.headers["set-cookie"]
    anonymous.cookies.set("navigator_session", token)  # a copy of the old cookie is worthless now
    assert anonymous.get("/api/auth/me").status_code == 401
    assert httpx.get(f"{staff_stack.knowledge_url}/api/auth/me",
                     headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_expired_session_is_refused(staff_stack, anonymous):
    token = anonymous.post("/api/auth/login", json=STAFF1).json()["token"]
    assert anonymous.get("/api/auth/me").status_code == 200
    # Move this session's expiry into the past in the service's own database (the sessions table
    # stores only a hash of the token).
    with sqlite3.connect(staff_stack.workdir / "navigator.db") as db:
        changed = db.execute("UPDATE user_sessions SET expires_at = ? WHERE token_hash = ?",
                             ("2020-01-01 00:00:00.000000", hashlib.sha256(token.encode()).hexdigest())).rowcount
    assert changed == 1
    resp = anonymous.get("/api/auth/me")
    assert resp.status_code == 401 and resp.json() == {"detail": "请先登录"}


def test_tokens_are_stored_only_as_hashes(staff_stack, anonymous):
    token = anonymous.post("/api/auth/login", json=STAFF1).json()["token"]
    with sqlite3.connect(staff_stack.workdir / "navigator.db") as db:
        stored = [r[0] for r in db.execute("SELECT token_hash FROM user_sessions")]
        hashes = [r[0] for r in db.execute("SELECT password_hash FROM users WHERE username = 'staff1'")]
    assert hashlib.sha256(token.encode()).hexdigest() in stored and token not in stored
    assert hashes[0].startswith("$argon2id$") and "口令" not in hashes[0]


def test_repeated_wrong_passwords_make_that_username_wait(staff_stack, clients, anonymous):
    username, password = new_account(clients["admin"])
    with httpx.Client(base_url=staff_stack.knowledge_url, timeout=60) as owner:
        # The owner signs in once from their browser, which keeps the device cookie from then on.
        first = owner.post("/api/auth/login", json={"username": username, "password": password})
        assert first.status_code == 200 and owner.cookies.get("navigator_device")
        for _ in range(5):
            assert anonymous.post("/api/auth/login", json={"username": username, "password": "nope"}).status_code == 401
        blocked = anonymous.post("/api/auth/login", json={"username": username, "password": password})
        assert blocked.status_code == 429
        assert blocked.json()["detail"].startswith("登录失败次数过多，请") and "秒后再试" in blocked.json()["detail"]
        assert 20 <= int(blocked.headers["retry-after"]) <= 30
        # The guesses elsewhere do not lock the owner out of their known browser.
        assert owner.post("/api/auth/login", json={"username": username, "password": password}).status_code == 200
    # Another account is not affected.
    assert anonymous.post("/api/auth/login", json=STAFF1).status_code == 200


# ---- roles ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("capability, method, path, kwargs", ENDPOINTS, ids=[f"{m} {p}" for _, m, p, _ in ENDPOINTS])
def test_every_endpoint_checks_the_role(clients, anonymous, capability, method, path, kwargs):
    assert anonymous.request(method, path, **kwargs).status_code == 401
    for name, client in clients.items():
        resp = client.request(method, path, **kwargs)
        role = ROLE_OF[name]
        if role in CAPABLE[capability]:
            assert resp.status_code not in (401, 403), (name, resp.status_code, resp.text)
        else:
            assert resp.status_code == 403, (name, resp.status_code, resp.text)
            assert resp.json() == {"detail": f"您的账号（角色：{ROLE_NAME[role]}）无权进行此操作"}


def test_posting_conversation_events_needs_the_service_token(staff_stack, anonymous, clients):
    event = {"conversation_id": "auth-test", "type": "gap", "text": "没答上来的问题"}
    # A staff sign-in is not enough either: events come from the dialogue side only.
    for client in (anonymous, clients["admin"]):
        resp = client.post("/api/conversations/events", json=event)
        assert resp.status_code == 403 and resp.json()["detail"].startswith("服务令牌无效")
    assert staff_stack.post_event(**event).status_code == 201


# ---- accounts ------------------------------------------------------------------------------------

def test_admin_creates_lists_and_changes_accounts(staff_stack, clients):
    admin = clients["admin"]
    username, password = new_account(admin, "editor")
    listed = {u["username"]: u for u in admin.get("/api/users").json()}
    assert listed[username]["role"] == "editor" and listed[username]["active"] is True
    assert {"admin", "reviewer1", "editor1", "staff1"} <= set(listed)
    assert "password_hash" not in listed[username] and "password" not in listed[username]
    assert admin.post("/api/users", json={"username": username, "password": "another-口令",
                                          "role": "staff"}).status_code == 409

    with login(staff_stack.knowledge_url, username, password) as user:
        assert user.get("/api/editor/guides").status_code == 200
        changed = admin.patch(f"/api/users/{username}", json={"role": "staff", "display_name": "改名了"})
        assert changed.status_code == 200 and changed.json()["role"] == "staff"
        assert changed.json()["display_name"] == "改名了"
        assert user.get("/api/editor/guides").status_code == 403  # the new role applies at once
        assert admin.patch(f"/api/users/{username}", json={"active": False}).json()["active"] is False
        assert user.get("/api/auth/me").status_code == 401  # deactivated: signed out everywhere
    refused = httpx.post(f"{staff_stack.knowledge_url}/api/auth/login", json={"username": username,
                                                                             "password": password})
    assert refused.status_code == 401

    admin.patch(f"/api/users/{username}", json={"active": True, "password": "新的口令-7391"})
    assert httpx.post(f"{staff_stack.knowledge_url}/api/auth/login",
                      json={"username": username, "password": password}).status_code == 401
    with login(staff_stack.knowledge_url, username, "新的口令-7391") as user:
        assert user.get("/api/auth/me").json()["display_name"] == "改名了"

    trail = [(e["action"], e["detail"]) for e in admin.get("/api/editor/audit", params={"limit": 200}).json()]
    assert ("user_create", f"新建账号 {username}（编辑）") in trail
    assert any(a == "user_update" and d.startswith(f"{username}：") and "停用" in d for a, d in trail)
    assert any(a == "login" for a, _ in trail) and any(a == "login_failed" for a, _ in trail)


def test_the_last_administrator_cannot_be_removed(clients):
    resp = clients["admin"].patch("/api/users/admin", json={"role": "editor"})
    assert resp.status_code == 409 and resp.json()["detail"] == "至少要保留一个启用的管理员账号"
    assert clients["admin"].patch("/api/users/admin", json={"active": False}).status_code == 409
    assert clients["admin"].get("/api/auth/me").json()["role"] == "admin"


@pytest.mark.parametrize("body", [
    {"username": "短", "password": "long-enough-1", "role": "staff"},
    {"username": "ok-name", "password": "short", "role": "staff"},
    {"username": "ok-name", "password": "long-enough-1", "role": "superuser"},
    {"username": "<script>", "password": "long-enough-1", "role": "staff"},
])
def test_bad_accounts_are_422_in_chinese(clients, body):
    resp = clients["admin"].post("/api/users", json=body)
    assert resp.status_code == 422
    msg = resp.json()["detail"][0]["msg"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in msg), msg
