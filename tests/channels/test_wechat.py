"""The WeChat official-account channel, driven the way WeChat's servers drive it.

Two real Rasa replicas (trained model, real action server and knowledge service) share one Redis:
  replica A — no customer-service credentials, the default 4.5 s deadline (passive replies; late
              answers ride on WeChat's resends);
  replica B — app id + secret pointed at a local stand-in for WeChat's API, deadline 0.01 s, so every
              dialogue misses it and is delivered through the customer-service API.
Requests are built with wechatpy's crypto and the sample parameters of WeChat's encryption docs.
Dialogue runs are counted by the channel's /webhooks/wechat/stats counters.
"""
from __future__ import annotations

import concurrent.futures
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from channels.wechat_render import TEXT_LIMIT_BYTES, paginate, render
from channels.wechat_settings import WeChatSettings
from tests.channels.fake_wechat_api import FakeWeChatAPI
from tests.channels.wechat_sim import (ACCOUNT, DOC_AES_KEY, DOC_APP_ID, DOC_TOKEN, WeChatServer, cdata, event_xml,
                                       message_xml, new_msg_id, sign, text_xml)
from tests.stack import ADMIN_PASSWORD, Process, actions_process, login, rasa_process

REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "test-app-secret"
UNSUPPORTED_HINT = "文字和语音"


@dataclass
class Replica:
    process: Process
    server: WeChatServer

    @property
    def base(self) -> str:
        return self.process.health_url.rstrip("/")

    def stats(self) -> dict:
        return httpx.get(f"{self.base}/webhooks/wechat/stats", timeout=10).json()

    def count(self, name: str) -> int:
        return self.stats().get(name, 0)

    def log(self) -> str:
        return self.process.log.read_text(errors="replace")


@dataclass
class Replicas:
    a: Replica
    b: Replica
    api: FakeWeChatAPI


@pytest.fixture(scope="module")
def wechat(knowledge_stack, tmp_path_factory) -> Replicas:
    workdir: Path = tmp_path_factory.mktemp("wechat")
    api = FakeWeChatAPI(DOC_APP_ID, SECRET).start()
    prefix = f"test-wechat-{uuid.uuid4().hex[:10]}:"
    common = {"WECHAT_TOKEN": DOC_TOKEN, "WECHAT_ENCODING_AES_KEY": DOC_AES_KEY, "WECHAT_APP_ID": DOC_APP_ID,
              "REDIS_URL": REDIS_URL, "WECHAT_REDIS_PREFIX": prefix, "WECHAT_APP_SECRET": "",
              "WECHAT_API_BASE_URL": api.url, "WECHAT_REPLY_DEADLINE_S": "4.5",
              # The knowledge service takes conversation events only with its own token.
              "SERVICE_TOKEN": knowledge_stack.service_token}
    actions = actions_process(workdir, knowledge_stack.knowledge_url,
                              SERVICE_TOKEN=knowledge_stack.service_token).start()
    actions.wait_healthy()
    action_url = actions.health_url.removesuffix("/health")
    a = rasa_process(workdir, action_url, env=common).start()
    b = rasa_process(workdir, action_url, env={**common, "WECHAT_APP_SECRET": SECRET,
                                               "WECHAT_REPLY_DEADLINE_S": "0.01"}).start()
    try:
        for p in (a, b):
            p.wait_healthy()
        hook = "/webhooks/wechat/webhook"
        yield Replicas(Replica(a, WeChatServer(a.health_url.rstrip("/") + hook)),
                       Replica(b, WeChatServer(b.health_url.rstrip("/") + hook)), api)
    finally:
        for p in (b, a, actions):
            p.stop()
        api.stop()
        r = redis.Redis.from_url(REDIS_URL)
        keys = list(r.scan_iter(f"{prefix}*"))
        if keys:
            r.delete(*keys)


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


# -- URL verification ---------------------------------------------------------------------------

def test_url_verification_echoes_only_for_wechat(wechat):
    url = wechat.a.server.url
    query = wechat.a.server.query()
    ok = httpx.get(url, params={**query, "echostr": "7283457123846"}, timeout=10)
    assert ok.status_code == 200 and ok.text == "7283457123846"

    forged = httpx.get(url, params={**query, "signature": sign("not-the-token", query["timestamp"], query["nonce"]),
                                    "echostr": "1"}, timeout=10)
    assert forged.status_code == 403 and "签名" in forged.text
    missing = httpx.get(url, params={"echostr": "1"}, timeout=10)
    assert missing.status_code == 403


# -- round trips -------------------------------------------------------------------------------

def test_documentation_vector_in_safe_mode(wechat):
    """The encrypted message of WeChat's docs, byte for byte, gets an encrypted Chinese answer.
    Its 2014 timestamp is outside the replay window, so it is signed again with the current time
    (tests/channels/test_wechat_protocol.py reads it with its original signature, clock pinned)."""
    encrypt = ("hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHF"
               "VAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVti"
               "cbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpA"
               "e+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCum"
               "EPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=")
    timestamp, nonce = str(int(time.time())), "1320562132"
    query = {"timestamp": timestamp, "nonce": nonce, "signature": sign(DOC_TOKEN, timestamp, nonce),
             "encrypt_type": "aes", "msg_signature": sign(DOC_TOKEN, timestamp, nonce, encrypt)}
    body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
    resp = httpx.post(wechat.a.server.url, params=query, content=body.encode(), timeout=30)
    reply = wechat.a.server.reply(resp)
    assert reply["_encrypted"] == "yes"
    assert reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs" and reply["FromUserName"] == ACCOUNT
    assert reply["MsgType"] == "text" and any("\u4e00" <= ch <= "\u9fff" for ch in reply["Content"])


def test_plain_round_trip_with_numbered_choices_and_notice_link(wechat):
    user, server = openid(), wechat.a.server
    card = server.say(user, "办护照")
    assert "护照" in card
    assert "回复 4：打印告知单" in card  # buttons became numbered options
    notice = server.say(user, "4")       # ...and the digit maps back to the button's payload
    assert "告知单" in notice and "/api/items/passport/notice" in notice


def test_aes_round_trip(wechat):
    user, server = openid(), wechat.a.server
    reply = server.reply(server.post(text_xml(user, "我想开个饭店"), aes=True))
    assert reply["_encrypted"] == "yes" and reply["ToUserName"] == user
    assert "餐饮" in reply["Content"]


def test_long_answer_is_paged_with_more(wechat):
    user, server = openid(), wechat.a.server
    server.say(user, "我想开个饭店")
    for _ in range(3):
        server.say(user, "1")
    first = server.say(user, "1")  # the last situation question answered: the whole plan
    assert len(first.encode()) <= TEXT_LIMIT_BYTES
    assert "回复「更多」" in first and "需要办" in first
    before = wechat.a.count("dialogues")
    rest = server.say(user, "更多")
    assert wechat.a.count("dialogues") == before  # a page from the channel, not a new dialogue turn
    assert len(rest.encode()) <= TEXT_LIMIT_BYTES and "告知单" in rest and "http" in rest


def test_voice_uses_recognition(wechat):
    user, server = openid(), wechat.a.server
    voice = message_xml(user, "voice", {"MediaId": "m1", "Format": "amr", "Recognition": "我想办护照"}, new_msg_id())
    assert "护照" in server.reply(server.post(voice))["Content"]
    unheard = message_xml(user, "voice", {"MediaId": "m2", "Format": "amr", "Recognition": ""}, new_msg_id())
    assert "语音" in server.reply(server.post(unheard))["Content"]


def test_subscribe_gets_welcome_and_menu_click_its_payload(wechat):
    user, server = openid(), wechat.a.server
    welcome = server.reply(server.post(event_xml(user, "subscribe")))["Content"]
    assert "审批导航" in welcome and "材料" in welcome
    click = server.reply(server.post(event_xml(user, "CLICK", key="/ask_capabilities")))["Content"]
    assert "路线" in click
    assert server.reply(server.post(event_xml(user, "unsubscribe"))) is None  # "success"


def test_other_message_types_get_a_polite_text_without_dialogue(wechat):
    user, server = openid(), wechat.a.server
    before = wechat.a.count("dialogues")
    others = [
        message_xml(user, "image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m"}, new_msg_id()),
        message_xml(user, "location", {"Location_X": "23.1", "Location_Y": "113.3", "Scale": "20",
                                       "Label": "某地"}, new_msg_id()),
        message_xml(user, "link", {"Title": "t", "Description": "d", "Url": "http://example.invalid"}, new_msg_id()),
    ]
    for xml in others:
        assert UNSUPPORTED_HINT in server.reply(server.post(xml))["Content"]
    assert "空消息" in server.say(user, "   ")
    assert "消息有点长" in server.say(user, "我想办" * 700)  # over channels/guard.py's 2,000 characters
    assert wechat.a.count("dialogues") == before


# -- retries -----------------------------------------------------------------------------------

def test_resends_run_the_dialogue_once(wechat):
    user, server, replica = openid(), wechat.a.server, wechat.a
    before = replica.stats()
    xml = text_xml(user, "护照要多久能办好")
    # WeChat's resends carry the same MsgId (with fresh timestamp and nonce); send them together.
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: server.reply(server.post(xml)), range(3)))
    contents = {r["Content"] for r in replies}
    assert len(contents) == 1 and "护照" in contents.pop()
    late = server.reply(server.post(xml))  # a resend after the answer: served from the ledger
    assert late["Content"] == replies[0]["Content"]
    after = replica.stats()
    assert after["dialogues"] - before.get("dialogues", 0) == 1
    assert after["resends_absorbed"] - before.get("resends_absorbed", 0) == 3


def test_resend_after_wechat_gave_up_carries_the_answer(wechat):
    """Without the customer-service API, the answer WeChat stopped waiting for rides on its resend."""
    user, server, replica = openid(), wechat.a.server, wechat.a
    before = replica.count("dialogues")
    xml = text_xml(user, "办护照要带什么材料")
    try:
        server.post(xml, timeout=0.05)  # WeChat hangs up before the answer is ready
    except httpx.TimeoutException:
        pass
    reply = server.reply(server.post(xml))
    assert "护照" in reply["Content"] and "材料" in reply["Content"]
    assert replica.count("dialogues") - before == 1


def test_slow_dialogue_is_delivered_by_customer_service_api(wechat):
    user, server, replica = openid(), wechat.b.server, wechat.b
    before = replica.stats()
    xml = text_xml(user, "办护照")
    started = time.monotonic()
    first = server.post(xml, aes=True)
    assert server.reply(first) is None and first.text == "success"  # acknowledged, no resend
    assert time.monotonic() - started < 2
    sent = wechat.api.wait_for(user)
    assert len(sent) == 1 and sent[0]["msgtype"] == "text" and "护照" in sent[0]["text"]["content"]
    assert any(t.get("appid") == DOC_APP_ID and t.get("secret") == SECRET for t in wechat.api.token_requests)
    # A resend of a delivered message is acknowledged, not answered twice.
    assert server.reply(server.post(xml)) is None
    after = replica.stats()
    assert after["dialogues"] - before.get("dialogues", 0) == 1
    assert after["customer_service"] - before.get("customer_service", 0) == 1
    assert len(wechat.api.sent_to(user)) == 1


def test_replicas_share_the_ledger_through_redis(wechat):
    a, b = wechat.a, wechat.b
    # Answered by A; WeChat's resend lands on B, which serves A's answer without a dialogue.
    user = openid()
    xml = text_xml(user, "孩子上户口要什么材料")
    b_before = b.stats()
    answer = a.server.reply(a.server.post(xml))["Content"]
    assert b.server.reply(b.server.post(xml))["Content"] == answer
    b_after = b.stats()
    assert b_after.get("dialogues", 0) == b_before.get("dialogues", 0)
    assert b_after["resends_absorbed"] - b_before.get("resends_absorbed", 0) == 1

    # Claimed by B (late, so delivered by the API); the resend to A while B works neither runs the
    # dialogue nor answers a second time.
    user = openid()
    xml = text_xml(user, "办护照")
    a_before = a.count("dialogues")
    assert b.server.reply(b.server.post(xml)) is None
    assert a.server.reply(a.server.post(xml)) is None
    assert a.count("dialogues") == a_before
    assert len(wechat.api.wait_for(user)) == 1
    time.sleep(0.5)
    assert len(wechat.api.sent_to(user)) == 1


# -- bad input ---------------------------------------------------------------------------------

MARKER = "MARKER-" + uuid.uuid4().hex


def _post_raw(replica: Replica, body: bytes, query: dict) -> httpx.Response:
    return httpx.post(replica.server.url, params=query, content=body, timeout=10)


def test_forged_or_missing_signatures_are_refused(wechat):
    a, server = wechat.a, wechat.a.server
    before = a.stats()
    xml = text_xml(openid(), f"办护照 {MARKER}").encode()
    q = server.query()
    assert _post_raw(a, xml, {**q, "signature": "0" * 40}).status_code == 403
    assert _post_raw(a, xml, {"timestamp": q["timestamp"], "nonce": q["nonce"]}).status_code == 403
    assert _post_raw(a, xml, {}).status_code == 403
    # Safe mode: a valid URL signature but a forged msg_signature.
    body, aes_q = server.encrypted(xml.decode(), server.query())
    assert _post_raw(a, body.encode(), {**aes_q, "msg_signature": "f" * 40}).status_code == 403
    # Encrypted for another official account (the AppID inside the ciphertext differs).
    other = WeChatServer(server.url, app_id="wx0000000000000000")
    body, aes_q = other.encrypted(xml.decode(), other.query())
    assert _post_raw(a, body.encode(), aes_q).status_code == 403
    after = a.stats()
    assert after["rejected_403"] - before.get("rejected_403", 0) == 5
    assert after.get("dialogues", 0) == before.get("dialogues", 0)


def test_replayed_callbacks_are_refused(wechat):
    """A callback captured and sent again 10 minutes later, signature intact, is refused (finding 16)."""
    a, server = wechat.a, wechat.a.server
    before = a.stats()
    xml = text_xml(openid(), f"办护照 {MARKER}")
    old = server.query(timestamp=str(int(time.time()) - 600))
    assert server.post(xml, query=old).status_code == 403
    body, aes_q = server.encrypted(xml, server.query(timestamp=str(int(time.time()) - 600)))
    assert _post_raw(a, body.encode(), aes_q).status_code == 403
    assert a.stats().get("dialogues", 0) == before.get("dialogues", 0)
    assert "护照" in server.say(openid(), "办护照")  # the same message, sent now, is answered


HOSTILE = {
    "xxe": f"""<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata('oX')}</FromUserName><CreateTime>1</CreateTime>
<MsgType>{cdata('text')}</MsgType><Content>&x;{MARKER}</Content><MsgId>1</MsgId></xml>""",
    "billion_laughs": f"""<!DOCTYPE xml [<!ENTITY a "{MARKER}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<xml><MsgType>text</MsgType><FromUserName>oX</FromUserName><Content>&d;</Content></xml>""",
    "lowercase_doctype": f"<!doctype xml><xml><MsgType>text</MsgType><Content>{MARKER}</Content></xml>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_xml_declarations_are_refused_before_parsing(wechat, name):
    a, server = wechat.a, wechat.a.server
    started = time.monotonic()
    resp = _post_raw(a, HOSTILE[name].encode(), server.query())
    assert resp.status_code == 400 and "root:" not in resp.text
    assert time.monotonic() - started < 2


def test_declarations_inside_the_ciphertext_are_refused_too(wechat):
    server = wechat.a.server
    body, q = server.encrypted(HOSTILE["xxe"], server.query())
    assert _post_raw(wechat.a, body.encode(), q).status_code == 400


@pytest.mark.parametrize("body", [
    b"<xml><ToUserName>gh</ToUserName><Content>unclosed",
    b"not xml at all " + MARKER.encode(),
    b"",
    b"<xml><FromUserName>oX</FromUserName><Content>no type</Content></xml>",
    b"<other><MsgType>text</MsgType></other>",
    b"<xml><FromUserName>oX</FromUserName><MsgType>text</MsgType><CreateTime>soon</CreateTime>"
    b"<Content>x</Content><MsgId>NaN</MsgId></xml>",
], ids=["unclosed", "not-xml", "empty", "no-msgtype", "wrong-root", "bad-numbers"])
def test_malformed_xml_is_400(wechat, body):
    assert _post_raw(wechat.a, body, wechat.a.server.query()).status_code == 400


def test_undecryptable_ciphertext_is_400(wechat):
    server = wechat.a.server
    q = server.query()
    junk = "bm90IHJlYWxseSBjaXBoZXJ0ZXh0"
    body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(junk)}</Encrypt></xml>"
    q = {**q, "encrypt_type": "aes", "msg_signature": sign(DOC_TOKEN, q["timestamp"], q["nonce"], junk)}
    assert _post_raw(wechat.a, body.encode(), q).status_code == 400


def test_oversized_body_is_413(wechat):
    a = wechat.a
    before = a.count("dialogues")
    huge = text_xml(openid(), MARKER + "办" * 30000)  # about 90 KB of UTF-8
    assert len(huge.encode()) > 64 * 1024
    resp = _post_raw(a, huge.encode(), a.server.query())
    assert resp.status_code == 413 and "过大" in resp.text
    assert a.count("dialogues") == before


def test_refused_bodies_never_reach_the_log(wechat):
    # Runs after the bad-input tests above (pytest keeps file order): their marker is nowhere logged.
    log = wechat.a.log()
    assert "wechat.rejected" in log
    assert MARKER not in log


# -- issue 12: sender ids by channel, length cap, masking ------------------------------------------

def _handoffs(knowledge_url: str) -> list[dict]:
    with login(knowledge_url, "admin", ADMIN_PASSWORD) as admin:
        resp = admin.get("/api/conversations/events", params={"type": "handoff"})
    resp.raise_for_status()
    return resp.json()


def test_a_web_sender_cannot_continue_a_wechat_users_conversation(wechat, knowledge_stack):
    """Finding 15: the openid posted as a web sender is another conversation (web:… vs wx:…)."""
    user, server = openid(), wechat.a.server
    assert "护照" in server.say(user, "我想办护照，身份证号11010519491231002X")
    assert "0000-12345" in server.say(user, "转人工")
    # The same id on the REST channel of the same Rasa process.
    resp = httpx.post(f"{wechat.a.base}/webhooks/rest/webhook", json={"sender": user, "message": "转人工"},
                      timeout=30)
    assert resp.status_code == 200
    mine = [e for e in _handoffs(knowledge_stack.knowledge_url) if user in e["conversation_id"]]
    by_id = {e["conversation_id"]: e for e in mine}
    assert set(by_id) == {f"wx:{user}", f"web:{user}"}
    wechat_turns = [line["text"] for line in by_id[f"wx:{user}"]["data"]["transcript"] if line["who"] == "市民"]
    assert any("护照" in t for t in wechat_turns)  # the WeChat conversation, with its own history
    assert not any("护照" in line["text"] for line in by_id[f"web:{user}"]["data"]["transcript"])
    assert any("110105********002X" in t for t in wechat_turns) and "11010519491231002X" not in str(mine)


def test_an_overlong_wechat_message_is_answered_without_the_dialogue(wechat):
    a, user = wechat.a, openid()
    before = a.count("dialogues")
    reply = a.server.say(user, "我想问" + "办" * 2000)
    assert "消息有点长" in reply and "2000" in reply
    assert a.count("dialogues") == before
    assert "护照" in a.server.say(user, "办护照")  # the next message is served as usual


# -- pure parts: rendering and settings ------------------------------------------------------------

def test_render_keeps_each_page_within_wechat_limit_and_cuts_at_lines():
    text = "\n".join(f"{i}. 材料名称很长很长很长很长的一项（原件）" for i in range(200))
    pages = paginate(text)
    assert len(pages) > 1 and all(len(p.encode()) <= TEXT_LIMIT_BYTES for p in pages)
    assert all("回复「更多」" in p for p in pages[:-1]) and "回复「更多」" not in pages[-1]
    body = "\n".join(p.rsplit("\n", 1)[0] for p in pages[:-1]) + "\n" + pages[-1]
    assert body == text  # nothing lost, nothing cut inside a line


def test_render_numbers_choices_and_respects_numbered_titles():
    rating = render([{"text": "请打分", "buttons": [{"title": f"{n}分", "payload": f"/give_rating{{\"rating\":\"{n}\"}}"}
                                                   for n in (5, 4, 3, 2, 1)]}])
    assert rating.choices["5"] == '/give_rating{"rating":"5"}'  # typing 5 means five stars, not the 5th button
    follow = render([{"text": "材料：\n1. 身份证\n2. 照片",
                      "buttons": [{"title": "要多久", "payload": "要多久"}, {"title": "收费吗", "payload": "收费吗"}]}])
    assert "回复 1：要多久" in follow.pages[0] and follow.choices == {"1": "要多久", "2": "收费吗"}


def test_settings_come_from_the_environment():
    s = WeChatSettings.from_env({}, env={"WECHAT_TOKEN": "t", "WECHAT_REPLY_DEADLINE_S": "0.5",
                                         "WECHAT_API_BASE_URL": "http://127.0.0.1:9/"})
    assert s.configured and not s.can_send_later
    assert s.reply_deadline_s == 0.5 and s.api_base_url == "http://127.0.0.1:9" and s.redis_url is None
    assert not WeChatSettings.from_env({}, env={}).configured
