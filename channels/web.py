"""Rasa's REST and socket.io channels behind channels.guard (length cap, masking, channel prefix).

Registered in bot/credentials.yml in place of Rasa's own; the names stay "rest" and "socketio", so the
URLs (/webhooks/rest/webhook, /socket.io) and the widgets' configuration do not change.

- REST (the web chat relay, and anything else that reaches /webhooks/rest/webhook): senders become
  `web:<sender>`. A missing or non-text sender gets a fresh id of its own, instead of stock Rasa's
  shared "default" conversation; a non-text message is treated as empty.
- socket.io: senders become `sio:<session id>`. The session id is chosen by the client, which is why
  it needs the prefix; answers are still sent to the socket's room, the unprefixed id. The session
  request handler is replaced too (stock Rasa 3.6 never joins the room with python-socketio 5).
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as StockRestInput
from rasa.core.channels.socketio import SocketIOInput as StockSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint
from sanic.request import Request

from channels.guard import OnNewMessage, guarded

REST_PREFIX = "web"
SOCKETIO_PREFIX = "sio"
MAX_SENDER_CHARS = 128


def _body(req: Request) -> Dict[Text, Any]:
    return req.json if isinstance(req.json, dict) else {}


class RestInput(StockRestInput):
    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = _body(req).get("sender")
        if isinstance(sender, (str, int)) and 0 < len(str(sender)) <= MAX_SENDER_CHARS:
            return str(sender)
        return uuid.uuid4().hex

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _body(req).get("message")
        return message if isinstance(message, str) else ""

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # not the client's say

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(guarded(on_new_message, self.name(), REST_PREFIX))


def _room(recipient_id: Text) -> Text:
    return recipient_id.removeprefix(f"{SOCKETIO_PREFIX}:")


class RoomOutput(SocketIOOutput):
    """Stock socket.io output, addressed by the prefixed sender id the dialogue knows."""

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        await super()._send_message(_room(socket_id), response)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await super().send_custom_json(_room(recipient_id), json_message, **kwargs)


class SocketIOInput(StockSocketIOInput):
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        def output(message: UserMessage) -> OutputChannel:
            stock = message.output_channel
            return RoomOutput(stock.sio, stock.bot_message_evt)

        blueprint = super().blueprint(guarded(on_new_message, self.name(), SOCKETIO_PREFIX, output))
        sio = self.sio

        # Replaces stock Rasa 3.6's handler, which calls python-socketio 5's coroutine enter_room
        # without awaiting it: the socket never joined its session's room, so with
        # session_persistence no answer ever reached the widget.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = (data or {}).get("session_id") if isinstance(data, dict) else None
            if not isinstance(session_id, str) or not 0 < len(session_id) <= MAX_SENDER_CHARS:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        return blueprint

    def get_output_channel(self) -> Optional[OutputChannel]:
        stock = super().get_output_channel()
        return RoomOutput(stock.sio, stock.bot_message_evt) if stock is not None else None
