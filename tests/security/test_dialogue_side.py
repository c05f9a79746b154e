"""Findings 2, 8 and 15 of issue 12 and the masking of citizens' numbers, against the real stack
(knowledge service, action server, Rasa with the trained model) as tests/stack.py starts it: the
same commands as scripts/start.sh, on free ports. WeChat's side (findings 15 and 16) is in
tests/channels/test_wechat.py, which runs the WeChat channel for real."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import uuid

import httpx
import pytest

from deploy.nginx_conf import render, upstream_lines
from tests.stack import ADMIN_PASSWORD, RASA_VENV, ROOT, Stack, free_port, login, nginx_serving, say, texts

ID_NUMBER, PHONE, CARD = "11010519491231002X", "13800138000", "6217000000001236"
RAW_NUMBERS = (ID_NUMBER, PHONE, CARD)
TOO_LONG_HINT = "消息有点长"  # channels/guard.py's TOO_LONG (that module needs Rasa, not in this venv)


def handoffs_of(stack: Stack, conversation_id: str) -> list[dict]:
    with login(stack.knowledge_url, "admin", ADMIN_PASSWORD) as admin:
        resp = admin.get("/api/conversations/events", params={"type": "handoff"})
    resp.raise_for_status()
    return [e for e in resp.json() if e["conversation_id"] == conversation_id]


def forged_action_call(sender: str) -> dict:
    """What finding 2 posted: a made-up tracker asking the action server to run action_handoff."""
    return {
        "next_action": "action_handoff", "sender_id": sender, "version": "3.6.0", "domain": {},
        "tracker": {"sender_id": sender, "slots": {}, "latest_message": {"text": "伪造的转人工", "intent": {},
                                                                          "entities": []},
                    "latest_event_time": None, "followup_action": None, "paused": False, "events": [],
                    "latest_input_channel": "rest", "active_loop": {}, "latest_action": {},
                    "latest_action_name": None},
    }


# ---- finding 2: the action server answers only Rasa --------------------------------------------

def test_action_server_refuses_calls_without_the_service_token(stack):
    sender = f"forged-{uuid.uuid4().hex[:8]}"
    webhook = f"{stack.actions_url}/webhook"
    for headers in ({}, {"X-Service-Token": "guess"}, {"X-Service-Token": ""}):
        resp = httpx.post(webhook, json=forged_action_call(sender), headers=headers, timeout=10)
        assert resp.status_code == 401, (headers, resp.status_code, resp.text)
        assert "服务令牌" in resp.json()["error"]
    # Rasa's `token:` option (a query parameter) is not accepted either: the header is the contract.
    assert httpx.post(webhook, params={"token": stack.service_token}, json=forged_action_call(sender),
                      timeout=10).status_code == 401
    assert httpx.get(f"{stack.actions_url}/actions", timeout=10).status_code == 401
    assert handoffs_of(stack, sender) == []
    # The same call with the token runs the action: the token is the only thing that was missing.
    ok = httpx.post(webhook, json=forged_action_call(sender), headers={"X-Service-Token": stack.service_token},
                    timeout=30)
    assert ok.status_code == 200 and ok.json()["responses"], ok.text
    assert len(handoffs_of(stack, sender)) == 1
    assert httpx.get(f"{stack.actions_url}/health", timeout=10).json() == {"status": "ok"}


def outward_address() -> str | None:
    """This machine's address on its default route, or None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # UDP: nothing is sent
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") else address


def test_action_server_and_rasa_listen_on_loopback_only(stack):
    """Neither is given an address by the test harness: these are the launchers' defaults."""
    address = outward_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback to try")
    for name, url in (("action server", stack.actions_url), ("Rasa", stack.rasa_url)):
        port = httpx.URL(url).port
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=5).close()
            pytest.fail(f"{name} accepts connections on {address}:{port}")


# ---- finding 8: message length, before NLU; nothing logged in full ----------------------------

def test_a_huge_message_is_refused_politely_and_never_logged(stack):
    sender, marker = f"huge-{uuid.uuid4().hex[:8]}", f"MARKER{uuid.uuid4().hex}"
    huge = marker + f"我的电话{PHONE}" + "办营业执照要带什么" * 22_000  # ≈ 200,000 characters
    reply = texts(say(stack.rasa_url, sender, huge, timeout=30))
    assert TOO_LONG_HINT in reply and "2000" in reply, reply
    just_over = texts(say(stack.rasa_url, sender, "办" * 2001))
    assert TOO_LONG_HINT in just_over
    # The conversation goes on: the next, normal message is understood.
    assert "护照" in texts(say(stack.rasa_url, sender, "办护照要带什么材料"))
    for process in (stack.rasa, stack.actions, stack.knowledge):
        log = process.log.read_text(errors="replace")
        assert marker not in log and "办营业执照要带什么办营业执照要带什么" not in log, process.name


def test_empty_and_non_text_messages_get_a_polite_answer(stack):
    rest = f"{stack.rasa_url}/webhooks/rest/webhook"
    for body in ({"sender": "empty-1", "message": "   "}, {"sender": "empty-2", "message": {"x": 1}},
                 {"sender": "empty-3"}, {"message": "办护照"}):
        resp = httpx.post(rest, json=body, timeout=30)
        assert resp.status_code == 200, (body, resp.text)
        assert texts(resp.json()), body


# ---- personal data: masked before the dialogue, in events and logs, conversation still usable ----

def test_numbers_typed_in_the_chat_are_masked_everywhere(stack):
    sender = f"pii-{uuid.uuid4().hex[:8]}"
    first = texts(say(stack.rasa_url, sender, f"我的身份证{ID_NUMBER}，手机{PHONE}，我想开个饭店"))
    assert "餐饮" in first, first  # the numbers do not get in the way of understanding
    texts(say(stack.rasa_url, sender, f"银行卡{CARD}"))
    assert "0000-12345" in texts(say(stack.rasa_url, sender, "转人工"))
    [handoff] = handoffs_of(stack, f"web:{sender}")  # finding 15: the REST channel's prefix
    stored = json.dumps(handoff, ensure_ascii=False)
    assert not any(n in stored for n in RAW_NUMBERS), stored
    said = " ".join(line["text"] for line in handoff["data"]["transcript"] if line["who"] == "市民")
    assert "110105********002X" in said and "138****8000" in said and "6217********1236" in said
    for process in (stack.rasa, stack.actions, stack.knowledge):
        log = process.log.read_text(errors="replace")
        assert not any(n in log for n in RAW_NUMBERS), process.name


# ---- socket.io: the same guard, sio: prefix, answers still reach the socket ----------------------

def socketio_conversation(stack: Stack, session_id: str, *messages: str) -> list[str]:
    done = subprocess.run([str(RASA_VENV / "python"), str(ROOT / "tests" / "security" / "socketio_client.py"),
                           stack.rasa_url, session_id, *messages], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return ["\n".join(part.get("text") or "" for part in answer) for answer in json.loads(done.stdout)]


def test_socketio_is_guarded_and_prefixed(stack):
    session = f"o{uuid.uuid4().hex[:27]}"  # shaped like a WeChat openid, as an attacker would choose
    too_long, passport, handoff = socketio_conversation(stack, session, "长" * 2001, f"我手机{PHONE}，办护照", "转人工")
    assert TOO_LONG_HINT in too_long
    assert "护照" in passport
    assert "0000-12345" in handoff
    [event] = handoffs_of(stack, f"sio:{session}")
    assert event["data"]["channel"] == "socketio"
    assert PHONE not in json.dumps(event, ensure_ascii=False)


# ---- the nginx template in front of this stack ---------------------------------------------------

@pytest.mark.skipif(not (shutil.which("nginx") or shutil.which("/usr/sbin/nginx")),
                    reason="nginx is not installed (scripts/start-scaled.sh installs Debian's nginx-light)")
def test_nginx_template_limits_the_channel_webhooks(stack, tmp_path):
    public, actions_port = free_port(), free_port()
    (tmp_path / "log").mkdir()
    (tmp_path / "nginx").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(render((ROOT / "deploy" / "nginx.conf.template").read_text(), {
        "RASA_SERVERS": upstream_lines([httpx.URL(stack.rasa_url).port]),
        "KNOWLEDGE_SERVERS": upstream_lines([httpx.URL(stack.knowledge_url).port]),
        "ACTIONS_SERVERS": upstream_lines([httpx.URL(stack.actions_url).port]),
        "RUN_DIR": str(tmp_path), "LISTEN_HOST": "127.0.0.1", "PUBLIC_PORT": str(public),
        "ACTIONS_PORT": str(actions_port),
    }))
    base = f"http://127.0.0.1:{public}"
    with nginx_serving(conf, tmp_path / "nginx", base):
        rest = f"{base}/webhooks/rest/webhook"
        # The longest message a citizen may send passes nginx, escaped (12 KB), and gets the guard's answer.
        longest = httpx.post(rest, content=json.dumps({"sender": "n1", "message": "办" * 2001}), timeout=30,
                             headers={"Content-Type": "application/json"})
        assert longest.status_code == 200 and TOO_LONG_HINT in texts(longest.json())
        huge = httpx.post(rest, json={"sender": "n2", "message": "办" * 20_000}, timeout=30)
        assert huge.status_code == 413
        assert httpx.post(f"{base}/webhooks/wechat/webhook", content=b"<xml>" + b"x" * 70_000 + b"</xml>",
                          timeout=30).status_code == 413
        assert httpx.get(f"{base}/webhooks/telegram/webhook", timeout=10).status_code == 404
        assert "护照" in texts(httpx.post(rest, json={"sender": "n3", "message": "办护照"}, timeout=30).json())
        # nginx's loopback port in front of the action servers passes the token check on, not around.
        forged = httpx.post(f"http://127.0.0.1:{actions_port}/webhook", json=forged_action_call("n4"), timeout=10)
        assert forged.status_code == 401
