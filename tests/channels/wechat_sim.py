"""Plays WeChat's servers against our webhook: builds callbacks exactly as WeChat does (query
signature, safe-mode encryption and msg_signature with wechatpy's own crypto) and reads the replies.

Used by tests/channels/test_wechat.py and benchmarks/wechat_latency.py.
"""
from __future__ import annotations

import itertools
import random
import time
from typing import Dict, Optional, Tuple

import httpx
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

# The sample parameters of WeChat's message encryption documentation (消息加解密接入指引).
DOC_TOKEN = "spamtest"
DOC_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DOC_APP_ID = "wx2c2769f8efd9abc2"
ACCOUNT = "gh_10f6c3c3ac5a"  # the official account's own id, as in the documentation's sample

_msg_ids = itertools.count(random.randrange(10**15, 9 * 10**15) * 1000)


def new_msg_id() -> int:
    return next(_msg_ids)


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


def message_xml(openid: str, msg_type: str, fields: Dict[str, str], msg_id: Optional[int] = None,
                create_time: Optional[int] = None) -> str:
    body = "".join(f"<{k}>{cdata(v)}</{k}>" for k, v in fields.items())
    mid = f"<MsgId>{msg_id}</MsgId>" if msg_id is not None else ""
    return (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType>{cdata(msg_type)}</MsgType>"
            f"{body}{mid}</xml>")


def text_xml(openid: str, content: str, msg_id: Optional[int] = None) -> str:
    return message_xml(openid, "text", {"Content": content}, new_msg_id() if msg_id is None else msg_id)


def event_xml(openid: str, event: str, key: Optional[str] = None, create_time: Optional[int] = None) -> str:
    fields = {"Event": event, **({"EventKey": key} if key is not None else {})}
    return message_xml(openid, "event", fields, create_time=create_time)


class WeChatServer:
    def __init__(self, webhook_url: str, token: str = DOC_TOKEN, aes_key: str = DOC_AES_KEY,
                 app_id: str = DOC_APP_ID) -> None:
        self.url = webhook_url
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id)

    def query(self, timestamp: Optional[str] = None, nonce: Optional[str] = None) -> Dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(random.randrange(10**9, 10**10))
        return {"timestamp": timestamp, "nonce": nonce, "signature": sign(self.token, timestamp, nonce),
                "openid": "ignored-by-channel"}

    def encrypted(self, xml: str, query: Dict[str, str]) -> Tuple[str, Dict[str, str]]:
        """The safe-mode request body and query for a plaintext message."""
        wrapped = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
        body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(wrapped['Encrypt'])}</Encrypt></xml>"
        return body, {**query, "encrypt_type": "aes", "msg_signature": wrapped["MsgSignature"]}

    def post(self, xml: str, aes: bool = False, timeout: float = 30, client: Optional[httpx.Client] = None,
             query: Optional[Dict[str, str]] = None) -> httpx.Response:
        query = query or self.query()
        body = xml
        if aes:
            body, query = self.encrypted(xml, query)
        return (client or httpx).post(self.url, params=query, content=body.encode(), timeout=timeout,
                                      headers={"Content-Type": "text/xml"})

    def reply(self, response: httpx.Response) -> Optional[Dict[str, str]]:
        """The reply message's fields, decrypted and its signature checked if encrypted; None for "success"."""
        assert response.status_code == 200, (response.status_code, response.text[:300])
        if response.text in ("success", ""):
            return None
        fields = xmltodict.parse(response.text)["xml"]
        if "Encrypt" in fields:
            plain = self.crypto.decrypt_message(response.text, fields["MsgSignature"], fields["TimeStamp"],
                                                fields["Nonce"])
            fields = xmltodict.parse(plain)["xml"]
            fields["_encrypted"] = "yes"
        return fields

    def say(self, openid: str, content: str, aes: bool = False, **kw) -> str:
        fields = self.reply(self.post(text_xml(openid, content), aes=aes, **kw))
        assert fields is not None, "expected a passive text reply, got success"
        return fields["Content"]
