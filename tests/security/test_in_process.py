"""Fast checks of the public-surface hardening (issue 12): the real app in FastAPI's TestClient (its
own SQLite database, real index), and the guards' functions called directly. The same findings are
reproduced over HTTP against the real processes in test_pentest_findings.py."""
from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from knowledge.api import login_throttle as lt
from knowledge.api.headers import headers_for
from knowledge.api.limits import MAX_JSON_DEPTH, json_problem, nesting_depth, raw_json_depth
from knowledge.api.main import create_app
from knowledge.api.origin import origin_of
from knowledge.api.password_policy import password_problem
from knowledge.core.config import Settings
from knowledge.core.secrets import service_token
from knowledge.editing import archive
from knowledge.store.db import load_stored_json
from tests.security.zips import HOSTILE
from tests.stack import ROOT, SERVICE_VENV

ADMIN = "admin-口令-4821"
BASE = "http://testserver"


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("in-process")


@pytest.fixture(scope="module")
def client(app_dir: Path):
    settings = Settings(database_url=f"sqlite:///{app_dir / 'navigator.db'}", var_dir=app_dir / "var",
                        admin_password=ADMIN, service_token=None, redis_url=None, public_base_url=BASE)
    with TestClient(create_app(settings), base_url=BASE) as c:
        yield c


@pytest.fixture(scope="module")
def token(client, app_dir: Path) -> str:
    return (app_dir / "var" / "service-token").read_text().strip()


@pytest.fixture(scope="module")
def admin(client) -> dict:
    resp = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN})
    assert resp.status_code == 200, resp.text
    client.cookies.clear()  # requests say who they are explicitly
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def raw_json(client, path: str, body: bytes, **headers):
    return client.post(path, content=body, headers={"content-type": "application/json", **headers})


# ---- finding 1: the service token -----------------------------------------------------------------

def test_a_token_is_generated_once_and_reused(tmp_path):
    first = service_token(tmp_path)
    assert len(first) >= 40 and (tmp_path / "service-token").stat().st_mode & 0o777 == 0o600
    assert service_token(tmp_path) == first
    assert service_token(tmp_path, configured=" set-by-operator ") == "set-by-operator"


def test_the_scripts_get_the_same_token_from_the_module(tmp_path):
    out = subprocess.run([str(SERVICE_VENV / "python"), "-m", "knowledge.core.secrets", "service-token"], cwd=ROOT,
                         env={"VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (tmp_path / "service-token").read_text().strip()


def test_events_need_the_token_even_when_none_was_configured(client, token, admin):
    event = {"conversation_id": "x", "type": "rating", "rating": 1, "guide_id": "first-invoice"}
    assert client.post("/api/conversations/events", json=event).status_code == 403
    assert client.post("/api/conversations/events", json=event, headers=admin).status_code == 403
    assert client.post("/api/conversations/events", json=event,
                       headers={"X-Service-Token": token + "x"}).status_code == 403
    assert client.post("/api/conversations/events", json=event, headers={"X-Service-Token": token}).status_code == 201


# ---- findings 3 and 4: sizes and depth ---------------------------------------------------------------

def nested(levels: int) -> dict:
    data: dict = {}
    for _ in range(levels - 1):
        data = {"a": data}
    return data


def test_depth_is_measured_without_recursion():
    deep = nested(100_000)
    assert nesting_depth(deep) == 100_000
    assert nesting_depth({"transcript": [{"who": "市民", "text": "x"}]}) == 3 and nesting_depth("x") == 0
    assert raw_json_depth('{"a": "[[[{{{", "b": [[1]]}') == 3
    assert raw_json_depth("[" * 50_000) == 50_000


def test_a_deep_event_is_refused_before_it_is_stored(client, token, admin):
    headers = {"X-Service-Token": token}
    for levels, status in ((300, 422), (MAX_JSON_DEPTH + 1, 422), (7, 422), (6, 201)):
        resp = raw_json(client, "/api/conversations/events",
                        json.dumps({"conversation_id": f"deep-{levels}", "type": "gap", "data": nested(levels)}).encode(),
                        **headers)
        assert resp.status_code == status, (levels, resp.text)
    listed = client.get("/api/conversations/events", params={"type": "gap"}, headers=admin).json()
    assert {e["conversation_id"] for e in listed} & {"deep-300", "deep-33", "deep-7"} == set()


@pytest.mark.parametrize("path, size, limit", [
    ("/api/chat", 20_000, "16 KB"), ("/api/conversations/events", 70_000, "64 KB"),
    ("/api/auth/login", 5_000, "4 KB"), ("/api/routes/open-restaurant/plan", 70_000, "64 KB"),
])
def test_bodies_over_the_endpoint_limit_are_413(client, token, path, size, limit):
    body = json.dumps({"sender": "a", "message": "长" * size}).encode()
    resp = raw_json(client, path, body, **{"X-Service-Token": token})
    assert resp.status_code == 413 and resp.json() == {"detail": f"请求内容太大（此接口最多 {limit}）"}


def test_a_chat_message_over_2000_characters_is_422(client):
    resp = client.post("/api/chat", json={"sender": "a", "message": "长" * 2001})
    assert resp.status_code == 422 and resp.json()["detail"][0]["msg"] == "不能超过 2000 个字"
    assert "input" not in resp.json()["detail"][0]


def test_json_problems_are_named_in_chinese():
    assert json_problem(b'{"m": "\\ud83d\\ude00"}') is None  # a proper pair (an emoji) is fine
    assert "代理项" in json_problem(b'{"m": "\\ud800"}')
    assert "代理项" in json_problem(b'{"m": "x\\udc00y"}')
    assert json_problem(b'{"m": "\\\\ud800"}') is None  # an escaped backslash, not a surrogate
    assert "嵌套" in json_problem(b"[" * 40 + b"]" * 40)
    assert "UTF-8" in json_problem(b'{"m": "\xff"}')


# ---- finding 12: lone surrogates ------------------------------------------------------------------

@pytest.mark.parametrize("path, body", [
    ("/api/chat", b'{"sender":"a","message":"\\ud800"}'),
    ("/api/auth/login", b'{"username":"admin","password":"\\ud800"}'),
    ("/api/auth/login", b'{"username":"\\udfff","password":"x"}'),
    ("/api/conversations/events", b'{"conversation_id":"x","type":"gap","text":"\\ud800"}'),
])
def test_a_lone_surrogate_is_a_clean_422(client, token, path, body):
    resp = raw_json(client, path, body, **{"X-Service-Token": token})
    assert resp.status_code == 422 and "代理项" in resp.json()["detail"]


# ---- finding 14: numbers and nesting at the schema ----------------------------------------------------

def test_huge_numbers_and_deep_answers_are_422(client, admin):
    guide = "/api/editor/guides/faq-rongque"
    assert client.get(f"{guide}/diff", params={"from": "9" * 30}, headers=admin).status_code == 422
    assert client.post(f"{guide}/publish", json={"version": 10**30}, headers=admin).status_code == 422
    assert client.post(f"{guide}/rollback", json={"version": 2**63}, headers=admin).status_code == 422
    assert client.post("/api/console/handoffs/99999999999999999999/handled", headers=admin).status_code == 422
    for path in ("/api/console/suggest", "/api/console/brief"):
        resp = client.get(path, params={"route": "open-restaurant", "answers": "[" * 3900}, headers=admin)
        assert resp.status_code == 422 and "情形答案" in resp.json()["detail"], resp.text


# ---- finding 13: hostile zips ----------------------------------------------------------------------

@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_zip_members_are_reported_per_file(name):
    try:
        parsed = archive.read_zip(HOSTILE[name]())
    except archive.ArchiveError as exc:
        assert "压缩包" in str(exc)  # the whole upload refused, with a reason
        return
    assert parsed.errors and all(e["msg"] and e["file"] for e in parsed.errors)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_zips_never_give_a_500(client, admin, name):
    resp = client.post("/api/editor/import", headers=admin,
                       files={"file": ("hostile.zip", HOSTILE[name](), "application/zip")})
    assert resp.status_code == 422, (name, resp.status_code, resp.text)  # the member reported, nothing imported


# ---- finding 3: readers survive any stored row -------------------------------------------------------

def test_json_too_deep_to_parse_reads_as_unreadable():
    assert load_stored_json('{"a": 1}') == {"a": 1}
    assert load_stored_json("[" * 100_000 + "]" * 100_000) == {"unreadable": "存储的内容嵌套过深，无法读取"}


def test_listing_survives_rows_stored_before_the_checks(client, app_dir, admin):
    import sqlite3
    with sqlite3.connect(app_dir / "navigator.db") as db:
        for conv, data in (("old-300", json.dumps(nested(300))), ("old-5000", "[" * 5000 + "]" * 5000),
                           ("old-list", json.dumps([1, 2])), ("old-odd", json.dumps({"transcript": 7, "reason": [[1]]}))):
            for type_ in ("gap", "handoff"):
                db.execute("INSERT INTO conversation_events (conversation_id, type, data, status, created_at) "
                           "VALUES (?, ?, ?, 'open', CURRENT_TIMESTAMP)", (conv, type_, data))
    for path, params in (("/api/conversations/events", {"type": "gap"}), ("/api/conversations/events", {"type": "handoff"}),
                         ("/api/console/handoffs", {}), ("/api/reports/gaps", {})):
        resp = client.get(path, params=params, headers=admin)
        assert resp.status_code == 200, (path, resp.text)
    listed = {e["conversation_id"]: e for e in
              client.get("/api/conversations/events", params={"type": "gap"}, headers=admin).json()}
    assert listed["old-300"]["data"] == {"unreadable": "附加信息格式异常，无法显示"}
    assert listed["old-list"]["data"] == {"unreadable": "附加信息格式异常，无法显示"}
    assert listed["old-5000"]["data"] == {"unreadable": "存储的内容嵌套过深，无法读取"}


# ---- finding 5 is in the browser (test_pentest_findings.py) ----------------------------------------

# ---- finding 6: passwords --------------------------------------------------------------------------

@pytest.mark.parametrize("password, username, words", [
    ("12345678", "clerk01", "常用密码"), ("password", "clerk01", "常用密码"), ("clerk01x", "clerk01", "用户名"),
    ("XCLERK01-2026", "clerk01", "用户名"), ("qwertyuiop", "clerk01", "常用密码"), ("short", "clerk01", "至少 8"),
    ("2024-01-01", "clerk01", "容易被猜到"),
])
def test_weak_passwords_are_refused(password, username, words):
    assert words in password_problem(password, username)


def test_strong_passwords_are_accepted():
    assert password_problem("first-口令-4817", "clerk01") is None
    assert password_problem("correct horse battery staple", "clerk01") is None
    long = "Seven grey herons stood in the reeds of 西湖 while a tram rang 4 times at 6:15 on a wet Tuesday"
    assert len(long) > 72 and password_problem(long, "clerk01") is None  # over zxcvbn's own length limit
    assert "太容易" in password_problem("Tq7#" * 30, "clerk01")  # a repeat stays weak however long


def test_the_users_api_applies_the_policy(client, admin):
    name = f"p-{uuid.uuid4().hex[:8]}"
    for password in ("12345678", "password", f"{name}-2026"):
        resp = client.post("/api/users", headers=admin, json={"username": name, "password": password, "role": "staff"})
        assert resp.status_code == 422 and isinstance(resp.json()["detail"], str), resp.text
    assert client.post("/api/users", headers=admin,
                       json={"username": name, "password": "first-口令-4817", "role": "staff"}).status_code == 201
    assert client.patch(f"/api/users/{name}", headers=admin, json={"password": "password"}).status_code == 422
    assert client.patch(f"/api/users/{name}", headers=admin, json={"password": name.upper() + "!x"}).status_code == 422


# ---- finding 7: the throttle's rules, with a clock the test moves -------------------------------------

class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def throttle(request):
    """The throttle on each store: in-process, and the real Redis at 127.0.0.1:6379 under a key prefix of
    this test's own (removed afterwards)."""
    clock = Clock()
    if request.param == "memory":
        yield lt.LoginThrottle(lt.MemoryStore(), clock=clock), clock
        return
    r = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    try:
        r.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at 127.0.0.1:6379: {exc}")
    prefix = f"navigator-test:{uuid.uuid4().hex}:"
    yield lt.LoginThrottle(lt.RedisStore("redis://127.0.0.1:6379/0", prefix), clock=clock), clock
    for key in r.scan_iter(prefix + "*"):
        r.delete(key)


def test_an_account_waits_longer_after_each_failure_but_the_known_device_does_not(throttle):
    t, clock = throttle
    owner = lt.new_device_id()
    t.succeeded("clerk", owner)
    assert t.is_known("clerk", owner) and not t.is_known("clerk", lt.new_device_id()) and not t.is_known("x", owner)
    for _ in range(5):
        assert t.wait_left("clerk", "203.0.113.1", None) == 0
        t.failed("clerk", "203.0.113.1", None)
    waits = []
    for _ in range(3):
        waits.append(t.wait_left("clerk", "203.0.113.2", None))  # another unknown client: the account waits
        clock.now += waits[-1]
        t.failed("clerk", "203.0.113.2", None)
    assert waits == [30, 60, 120]
    assert t.wait_left("clerk", "203.0.113.9", None) == 240  # growing, for any client that is not known
    assert t.wait_left("clerk", "203.0.113.1", owner) == 0  # the owner's browser is never held up by others
    assert t.wait_left("CLERK ", "203.0.113.9", None) == 240  # the name as typed does not matter
    clock.now += lt.FORGET_S + 1000
    assert t.wait_left("clerk", "203.0.113.9", None) == 0  # forgotten after an hour of quiet


def test_one_client_trying_many_names_is_held_up(throttle):
    t, _ = throttle
    for n in range(10):
        assert t.wait_left(f"user{n}", "198.51.100.7", None) == 0
        t.failed(f"user{n}", "198.51.100.7", None)
    assert t.wait_left("user10", "198.51.100.7", None) == 30
    assert t.wait_left("user10", "198.51.100.8", None) == 0  # other clients are not
    assert t.wait_left("user10", "127.0.0.1", None) == 0  # nor the machine itself


def test_a_known_device_is_slowed_only_by_its_own_failures(throttle):
    t, clock = throttle
    device = lt.new_device_id()
    t.succeeded("clerk2", device)
    for _ in range(5):
        t.failed("clerk2", "203.0.113.5", device)
    assert t.wait_left("clerk2", "203.0.113.5", device) == 5
    clock.now += 5
    t.succeeded("clerk2", device)  # the right password resets the device's own counter
    assert t.wait_left("clerk2", "203.0.113.5", device) == 0


def test_redis_unreachable_lets_sign_in_go_ahead(caplog):
    t = lt.LoginThrottle(lt.RedisStore("redis://127.0.0.1:1/0", "navigator-test:"))
    assert t.wait_left("clerk", "203.0.113.1", None) == 0
    t.failed("clerk", "203.0.113.1", None)
    assert "Redis unreachable" in caplog.text


# ---- findings 9, 10, 11: browser-facing headers ------------------------------------------------------

def test_foreign_origins_may_not_write(client, admin):
    for origin in ("http://testserver:8089", "http://attacker.test", "null", "https://testserver"):
        resp = client.post("/api/editor/guides/faq-rongque/withdraw", headers={"Origin": origin, **admin})
        assert resp.status_code == 403 and "跨站" in resp.json()["detail"], origin
    session = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN}).json()["token"]
    client.cookies.clear()
    cookie = {"Cookie": f"navigator_session={session}"}
    foreign_referer = client.post("/api/auth/logout", headers={"Referer": "http://evil.test/form.html", **cookie})
    assert foreign_referer.status_code == 403
    assert client.get("/api/auth/me", headers=cookie).status_code == 200  # still signed in
    same = client.post("/api/auth/logout", headers={"Origin": BASE, **cookie})
    assert same.status_code == 200
    assert client.get("/api/auth/me", headers=cookie).status_code == 401
    assert origin_of("HTTP://Example.ORG:80/x") == "http://example.org" and origin_of("null") is None


@pytest.mark.parametrize("path", ["/", "/login", "/editor", "/api/search?q=护照", "/api/items/passport/notice",
                                  "/api/auth/me", "/docs"])
def test_every_answer_carries_the_security_headers(client, path):
    resp = client.get(path)
    csp = resp.headers["content-security-policy"]
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "same-origin"
    assert "object-src 'none'" in csp and "default-src 'self'" in csp
    if path in ("/", "/api/items/passport/notice"):
        assert "frame-ancestors 'self'" in csp and resp.headers["x-frame-options"] == "SAMEORIGIN"
    else:
        assert "frame-ancestors 'none'" in csp and resp.headers["x-frame-options"] == "DENY"
    if path != "/docs":
        assert "script-src 'self';" in csp  # no inline script anywhere but Swagger UI's page


def test_no_page_has_inline_script():
    static = ROOT / "knowledge" / "web"
    for page in [*static.glob("static/*.html"), *static.glob("templates/*.html")]:
        text = page.read_text()
        assert " onclick=" not in text and " onload=" not in text, page
        assert all("src=" in tag for tag in text.split("<script")[1:]), page


@pytest.mark.parametrize("path", ["/api/users", "/api/editor/export", "/api/console/handoffs", "/api/auth/me"])
def test_authenticated_data_is_never_cached(client, admin, path):
    resp = client.get(path, headers=admin)
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"


def test_header_rules_by_path():
    assert headers_for("/api/routes/open-restaurant/notice")["X-Frame-Options"] == "SAMEORIGIN"
    assert headers_for("/api/routes/open-restaurant/plan")["X-Frame-Options"] == "DENY"
    assert "cdn.jsdelivr.net" in headers_for("/docs")["Content-Security-Policy"]


# ---- finding 17: the audit log by role ---------------------------------------------------------------

def test_editors_see_only_guide_actions_in_the_audit_log(client, admin):
    editor = f"e-{uuid.uuid4().hex[:8]}"
    assert client.post("/api/users", headers=admin,
                       json={"username": editor, "password": "rose-口令-8264", "role": "editor"}).status_code == 201
    client.post("/api/auth/login", json={"username": "someone-typed-this", "password": "wrong-口令-1"})
    login = client.post("/api/auth/login", json={"username": editor, "password": "rose-口令-8264"})
    client.cookies.clear()
    as_editor = {"Authorization": f"Bearer {login.json()['token']}"}
    alias = client.post("/api/editor/guides/faq-rongque/aliases", json={"alias": f"容缺-{editor}"}, headers=as_editor)
    assert alias.status_code == 200, alias.text
    seen = client.get("/api/editor/audit", params={"limit": 1000}, headers=as_editor).json()
    assert "alias" in {e["action"] for e in seen} and {e["action"] for e in seen} <= {"create", "save", "alias", "publish", "rollback", "withdraw",
                                                     "import"}
    everything = client.get("/api/editor/audit", params={"limit": 1000}, headers=admin).json()
    assert {"login_failed", "user_create", "login"} <= {e["action"] for e in everything}
