"""WeChat's callback protocol: checking a request is WeChat's, reading its message, wrapping the reply.

Order matters: size, then the URL signature (only WeChat and we know the token) and its timestamp
(within WECHAT_MAX_SKEW_S of our clock, so a captured request cannot be replayed later), then a refusal of any
XML declaration (<!DOCTYPE, <!ENTITY …: XXE and entity expansion) before a parser sees the bytes, then
parsing, then in safe mode the msg_signature over the ciphertext and decryption — and the decrypted
XML goes through the same refusal and parser. Nothing here logs message bodies.
"""
from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from channels.wechat_settings import WeChatSettings

# WeChat only ever sends elements and CDATA sections; any other "<!" is a declaration (DOCTYPE,
# ENTITY, ELEMENT, ATTLIST) or a comment, and has no business here.
_DECLARATION = re.compile(rb"<!(?!\[CDATA\[)")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # Unix seconds, as WeChat sends them


class Rejected(Exception):
    """A request refused before it reaches the dialogue; `reply` is the (Chinese) response body."""

    def __init__(self, status: int, reason: str, reply: str) -> None:
        super().__init__(reason)
        self.status, self.reason, self.reply = status, reason, reply


def _forbidden(reason: str) -> Rejected:
    return Rejected(403, reason, "签名校验失败，请求已拒绝。")


def _bad_xml(reason: str) -> Rejected:
    return Rejected(400, reason, "消息格式不正确，无法处理。")


def _signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def _same(expected: str, given: Optional[str]) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class Inbound:
    message: BaseMessage
    encrypted: bool
    nonce: str


class WeChatProtocol:
    def __init__(self, settings: WeChatSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.crypto = (WeChatCrypto(settings.token, settings.encoding_aes_key, settings.app_id)
                       if settings.encoding_aes_key else None)

    def _check_url_signature(self, args: Mapping[str, Any]) -> None:
        timestamp, nonce = args.get("timestamp"), args.get("nonce")
        if not timestamp or not nonce:
            raise _forbidden("missing timestamp or nonce")
        if not _same(_signature(self.settings.token, timestamp, nonce), args.get("signature")):
            raise _forbidden("bad signature")
        # After the signature: only a request signed with our token is worth telling "too old" apart.
        # WeChat signs with its current time; its resends of a message come with fresh timestamps.
        max_skew = self.settings.max_skew_s
        if max_skew > 0:
            if not isinstance(timestamp, str) or not _TIMESTAMP.fullmatch(timestamp):
                raise _forbidden("timestamp is not a number of seconds")
            skew = abs(self.clock() - int(timestamp))
            if skew > max_skew:
                raise _forbidden(f"timestamp {skew:.0f}s from now (window {max_skew:.0f}s): replay refused")

    def verify_url(self, args: Mapping[str, Any]) -> str:
        """GET URL verification when the server address is saved in the WeChat admin console."""
        self._check_url_signature(args)
        echostr = args.get("echostr")
        if not echostr:
            raise _bad_xml("missing echostr")
        return echostr

    def read(self, args: Mapping[str, Any], body: bytes) -> Inbound:
        if len(body) > self.settings.max_body_bytes:
            raise Rejected(413, f"body of {len(body)} bytes", "消息过大，无法处理。")
        self._check_url_signature(args)
        encrypted = args.get("encrypt_type") == "aes"
        xml = body
        fields = self._parse(xml)
        if encrypted:
            xml = self._decrypt(fields, args).encode()
            fields = self._parse(xml)
        if not isinstance(fields.get("MsgType"), str) or not isinstance(fields.get("FromUserName"), str):
            raise _bad_xml("not a WeChat message")
        try:
            # The bytes already passed the declaration check and a parse; wechatpy picks the message class.
            message = parse_message(xml)
        except Exception as exc:
            raise _bad_xml(f"unreadable message ({type(exc).__name__})") from None
        return Inbound(message, encrypted, args.get("nonce", ""))

    @staticmethod
    def _parse(xml: bytes) -> dict:
        if _DECLARATION.search(xml):
            raise _bad_xml("XML declaration or comment refused")
        try:
            # disable_entities is xmltodict's default; said explicitly because it is the point.
            document = xmltodict.parse(xml, disable_entities=True)
        except Exception as exc:  # expat errors, entity refusal, encoding errors
            raise _bad_xml(f"malformed XML ({type(exc).__name__})") from None
        root = document.get("xml") if isinstance(document, dict) else None
        if not isinstance(root, dict):
            raise _bad_xml("no <xml> root")
        return root

    def _decrypt(self, envelope: dict, args: Mapping[str, Any]) -> str:
        if self.crypto is None:
            raise _bad_xml("encrypted message but no EncodingAESKey configured")
        encrypt = envelope.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise _bad_xml("no Encrypt element")
        if not _same(_signature(self.settings.token, args.get("timestamp"), args.get("nonce"), encrypt),
                     args.get("msg_signature")):
            raise _forbidden("bad msg_signature")
        try:
            return self.crypto.decrypt_message({"Encrypt": encrypt}, args.get("msg_signature"), args.get("timestamp"),
                                               args.get("nonce"))
        except (InvalidSignatureException, InvalidAppIdException):
            raise _forbidden("ciphertext for another account") from None
        except Exception as exc:  # bad base64, padding or length: not something WeChat sends
            raise _bad_xml(f"undecryptable ({type(exc).__name__})") from None

    def reply(self, inbound: Inbound, text: Optional[str]) -> str:
        """The passive reply body: a text message (encrypted if the request was), or "success"."""
        if not text:
            return "success"  # WeChat's "received, nothing to say": no retry, no error shown
        xml = TextReply(message=inbound.message, content=text).render()
        if inbound.encrypted and self.crypto is not None:
            return self.crypto.encrypt_message(xml, inbound.nonce)
        return xml

