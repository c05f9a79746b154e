"""WeChat official account (公众号) channel for Rasa: /webhooks/wechat/webhook.

Registered in bot/credentials.yml as `channels.wechat.WeChatInput`; configured by environment
variables (channels/wechat_settings.py). One inbound message goes:

  protocol check (size, signature, no XML declarations, decrypt)      channels/wechat_protocol.py
  → claim its key in the retry ledger, or wait for whoever has it     channels/dedup.py
  → turn it into dialogue input (text, voice, menu click, subscribe)  this module
  → length cap, masking, sender id wx:<openid>                       channels/guard.py
  → Rasa → WeChat text with numbered choices and 「更多」 pages        channels/wechat_render.py
  → passive reply within the deadline, else customer-service API      channels/wechat_delivery.py

The 5-second rule: WeChat waits 5 s for the HTTP answer, then resends the message twice. The
dialogue runs as its own task; the request waits for it at most WECHAT_REPLY_DEADLINE_S (4.5 s).
Late answers go out through the customer-service API when the account has one (app id + secret),
after replying "success" so WeChat does not resend; without it, the request keeps waiting so that
WeChat's resend finds the answer in the ledger.
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from wechatpy.messages import BaseMessage

from channels.apology import dialogue_unavailable
from channels.dedup import ANSWERED, MessageLedger
from channels.guard import MAX_MESSAGE_CHARS, TOO_LONG, guarded
from channels.state_store import open_store
from channels.wechat_context import UserContext
from channels.wechat_delivery import CustomerService
from channels.wechat_protocol import Inbound, Rejected, WeChatProtocol
from channels.wechat_render import asks_for_more, choice_number, render
from channels.wechat_settings import WeChatSettings

logger = logging.getLogger(__name__)

WELCOME_INTENT = "/greet"  # the welcome (action_greet) says what the assistant does
UNSUPPORTED = ("抱歉，我暂时只能看懂文字和语音消息，看不了图片、位置、链接和视频。"
               "请用文字或语音告诉我您想办的事，例如“开饭店要办哪些证”“办护照要带什么”。")
EMPTY = "您好像发了一条空消息。请告诉我您想办的事，例如“开饭店要办哪些证”。"
VOICE_UNHEARD = "抱歉，没能听清这段语音。请再说一遍，或直接打字告诉我您想办的事。"
NOT_CONFIGURED = "微信渠道尚未配置。"
WELCOME_EVENTS = {"subscribe", "subscribe_scan"}
WECHAT_PREFIX = "wx"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
PASSIVE, LATER = "passive", "later"


@dataclass
class _Ticket:
    """How one message's answer leaves: set once, by whichever comes first — the answer (PASSIVE)
    or the request giving up at the deadline (LATER). Both sides set it without awaiting in between,
    so on one event loop the choice is atomic and the answer goes out exactly one way."""
    route: Optional[str] = None


def message_key(message: BaseMessage) -> str:
    """WeChat's identity of a message across its resends: MsgId, or sender + time for events."""
    try:
        msg_id = message.id
        created = int(message.create_time.timestamp())
    except (TypeError, ValueError, OverflowError, OSError, AttributeError):
        raise Rejected(400, "bad MsgId or CreateTime", "消息格式不正确，无法处理。") from None
    if msg_id:
        return f"id:{msg_id}"
    return f"ev:{message.source}:{created}:{getattr(message, 'event', '')}"


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(WeChatSettings.from_env(credentials))

    def __init__(self, settings: WeChatSettings) -> None:
        self.settings = settings
        self.protocol = WeChatProtocol(settings) if settings.configured else None
        store = open_store(settings.redis_url, settings.redis_prefix)
        self.ledger = MessageLedger(store)
        self.context = UserContext(store)
        self.customer_service = CustomerService(settings) if settings.can_send_later else None
        self.stats: Counter = Counter()
        self._tasks: Set[asyncio.Task] = set()  # strong references: the loop only keeps weak ones
        if not settings.configured:
            logger.warning("WeChat channel loaded without WECHAT_TOKEN: its webhook answers 503")

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("wechat_webhook", __name__)
        # Length cap, masking, and `wx:<openid>` as the dialogue's sender id (channels/guard.py); the
        # channel's own state (offered choices, pages, the customer-service API) keeps the openid.
        on_new_message = guarded(on_new_message, self.name(), WECHAT_PREFIX)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": self.settings.configured})

        @bp.route("/stats", methods=["GET"])
        async def stats(_: Request) -> HTTPResponse:
            # Counters only, no user data: how many dialogues ran, resends absorbed, late deliveries.
            return response.json(dict(self.stats))

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.protocol is None:
                return response.text(NOT_CONFIGURED, status=503)
            try:
                return response.text(self.protocol.verify_url(request.args))
            except Rejected as rejected:
                return self._rejected(rejected, 0)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.protocol is None:
                return response.text(NOT_CONFIGURED, status=503)
            body = request.body or b""
            try:
                inbound = self.protocol.read(request.args, body)
                key = message_key(inbound.message)
            except Rejected as rejected:
                return self._rejected(rejected, len(body))
            text = await self._handle(inbound, key, on_new_message)
            reply = self.protocol.reply(inbound, text)
            return response.text(reply, content_type="application/xml" if text else "text/plain")

        return bp

    def _rejected(self, rejected: Rejected, size: int) -> HTTPResponse:
        self.stats[f"rejected_{rejected.status}"] += 1
        logger.warning("wechat.rejected status=%s reason=%s bytes=%d", rejected.status, rejected.reason, size)
        return response.text(rejected.reply, status=rejected.status)

    # -- the 5-second rule ------------------------------------------------------------------------

    async def _handle(self, inbound: Inbound, key: str, on_new_message: OnNewMessage) -> Optional[str]:
        """The passive reply's text, or None for "success"."""
        try:
            claimed = await self.ledger.claim(key)
        except Exception as exc:  # Redis down: answering twice beats not answering
            logger.error("wechat.ledger.unavailable error=%s", type(exc).__name__)
            claimed = True
        if not claimed:
            return await self._answer_of_resend(key)
        ticket = _Ticket()
        task = asyncio.create_task(self._answer(inbound.message, key, ticket, on_new_message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            text = await asyncio.wait_for(asyncio.shield(task), self.settings.reply_deadline_s)
            self.stats["passive"] += 1
            return text
        except asyncio.TimeoutError:
            self.stats["missed_deadline"] += 1
        if self.customer_service is not None and ticket.route is None:
            ticket.route = LATER  # the task sends it; WeChat gets "success" and does not resend
            return None
        # No API to send it later (or the answer became ready this instant): WeChat resends after
        # 5 s, and whichever request is still open when the answer is ready carries it.
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.settings.retry_window_s)
        except asyncio.TimeoutError:
            return None

    async def _answer_of_resend(self, key: str) -> Optional[str]:
        self.stats["resends_absorbed"] += 1
        outcome = await self.ledger.wait(key, self.settings.reply_deadline_s)
        if outcome is None and self.customer_service is None:
            outcome = await self.ledger.wait(key, self.settings.retry_window_s)
        if outcome is not None and outcome.state == ANSWERED:
            return outcome.text
        # Delivered through the API, or still being worked on by a replica that will deliver it.
        return None

    # -- from WeChat message to answer text ------------------------------------------------------

    async def _answer(self, message: BaseMessage, key: str, ticket: "_Ticket",
                      on_new_message: OnNewMessage) -> Optional[str]:
        """Runs apart from the HTTP request (which WeChat may abandon) and records the outcome."""
        try:
            text = await self._answer_text(message, on_new_message)
        except Exception:
            logger.exception("wechat.answer.failed type=%s", message.type)
            text = dialogue_unavailable()
        if ticket.route is None:
            ticket.route = PASSIVE
        try:
            if ticket.route == LATER and text and await self.customer_service.send_text(message.source, text):
                self.stats["customer_service"] += 1
                await self.ledger.delivered(key)
            else:
                if ticket.route == LATER and text:
                    self.stats["customer_service_failed"] += 1  # kept for a resend, should one come
                # Written only now, so a resend never sees an answer that the API is also sending.
                await self.ledger.answered(key, text)
        except Exception as exc:
            logger.error("wechat.ledger.unavailable error=%s", type(exc).__name__)
        return text

    async def _answer_text(self, message: BaseMessage, on_new_message: OnNewMessage) -> Optional[str]:
        user = message.source
        # Anything but text, voice, subscribing and menu clicks gets a word on what works; other
        # events (unsubscribe, opening a menu link, location reports, scans) need no answer.
        if message.type == "event":
            event = (getattr(message, "event", "") or "").lower()
            if event in WELCOME_EVENTS:
                return await self._converse(user, WELCOME_INTENT, on_new_message)
            if event == "click" and getattr(message, "key", None):
                # Menu keys are set up to be what a citizen would type, or an intent payload ("/greet").
                return await self._converse(user, message.key, on_new_message)
            # A click on a menu entry without a key is a set-up mistake; tell the citizen what works.
            return UNSUPPORTED if event == "click" else None
        if message.type == "voice":
            said = (getattr(message, "recognition", None) or "").strip()
            if not said:
                return VOICE_UNHEARD
            return await self._converse(user, said, on_new_message)
        if message.type != "text":
            return UNSUPPORTED
        said = (message.content or "").strip()
        if not said:
            return EMPTY
        if len(said) > MAX_MESSAGE_CHARS:
            return TOO_LONG  # the guard would say the same; saying it here spares the state lookups
        try:
            if asks_for_more(said):
                page = await self.context.next_page(user)
                if page:
                    return page
            number = choice_number(said)
            if number:
                said = await self.context.payload_for(user, number) or said
        except Exception as exc:
            # Redis down: the citizen's words still reach the dialogue, only 「更多」 and digits lose
            # their meaning until it is back (the dialogue then says what it understood).
            self.stats["state_unavailable"] += 1
            logger.error("wechat.state.unavailable error=%s", type(exc).__name__)
        return await self._converse(user, said, on_new_message)

    async def _converse(self, user: str, text: str, on_new_message: OnNewMessage) -> Optional[str]:
        self.stats["dialogues"] += 1
        collector = CollectingOutputChannel()
        await on_new_message(UserMessage(text, collector, user, input_channel=self.name()))
        rendered = render(collector.messages)
        if not rendered.pages:
            # Rasa swallows a failed turn and collects nothing (bot/server.py answers store outages
            # itself; this covers anything else): silence would look like a lost message.
            self.stats["empty_dialogue"] += 1
            return dialogue_unavailable()
        try:
            await self.context.remember(user, rendered.choices, rendered.pages[1:])
        except Exception as exc:  # the answer is good; only its choices and pages are not kept
            self.stats["state_unavailable"] += 1
            logger.error("wechat.state.unavailable error=%s", type(exc).__name__)
        return rendered.pages[0]
