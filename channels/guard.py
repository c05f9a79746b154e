"""What every channel does to a citizen's message before the dialogue (NLU, tracker, actions) sees it.

1. Length: over MAX_MESSAGE_CHARS the citizen is asked, politely, to say it in a sentence or two, and
   the message goes no further. NLU time grows with the length (a 200,000-character message held
   Rasa's event loop for 158 s), and nobody describes an errand in more than a few sentences.
2. Personal data: ID, mobile and bank card numbers are masked (privacy.masking), so the tracker,
   the handoff transcript, gap reports and logs never hold them. The dialogue does not need them:
   it finds the right guide, it does not look citizens up.
3. Sender id: prefixed with the channel (`web:`, `sio:`, `wx:`), so that an id chosen on one channel
   (the web page's, a socket.io session id, anything posted to the REST webhook) can never continue a
   conversation of another channel — above all a WeChat user's, whose openid is the only credential.

Only the length and the channel are logged when a message is refused, never its text.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import OutputChannel, UserMessage

from privacy.masking import mask_data, mask_text

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
TOO_LONG = (f"您的消息有点长（超过 {MAX_MESSAGE_CHARS} 字），我没法一下子看完。"
            "请用一两句话说说您想办的事，例如“开饭店要办哪些证”，我来帮您查。")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def channel_sender(prefix: str, sender_id: str) -> str:
    return f"{prefix}:{sender_id}"


def guarded(on_new_message: OnNewMessage, channel: str, prefix: str,
            output: Callable[[UserMessage], OutputChannel] | None = None) -> OnNewMessage:
    """`on_new_message` behind the three checks above. `output` may swap the message's output channel
    (socket.io needs one that finds the socket from the prefixed id)."""

    async def receive(message: UserMessage) -> Any:
        text = message.text if isinstance(message.text, str) else ""
        if len(text) > MAX_MESSAGE_CHARS:
            logger.info("channel.refused channel=%s reason=too_long chars=%d", channel, len(text))
            await message.output_channel.send_text_message(message.sender_id, TOO_LONG)
            return None
        # An empty message goes on: the dialogue answers it with its own prompt (actions/navigate.py).
        return await on_new_message(UserMessage(
            mask_text(text),
            output(message) if output else message.output_channel,
            channel_sender(prefix, message.sender_id),
            parse_data=message.parse_data,
            input_channel=channel,  # the channel's own name, never what a client claims
            message_id=message.message_id,
            metadata=mask_data(message.metadata),  # socket.io clients send their own; it is stored too
        ))

    return receive
