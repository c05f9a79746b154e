"""Turns the bot's Rasa messages into WeChat text: numbered choices, and pages within 2,048 bytes.

WeChat text messages have no buttons, so offered choices become numbered lines the citizen answers
with a digit (the channel maps the digit back to the button's payload). A passive reply carries at
most 2,048 bytes of UTF-8 (about 680 Chinese characters); longer answers are cut at line breaks into
pages, each but the last ending with a hint to reply 「更多」.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

TEXT_LIMIT_BYTES = 2048
MORE_WORD = "更多"
# Button titles such as "5分 非常满意" already carry the number the citizen will type.
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,2})(?!\d)")


@dataclass
class Rendered:
    pages: List[str] = field(default_factory=list)
    # digit the citizen may reply → payload to send to the dialogue; empty when nothing is offered
    choices: Dict[str, str] = field(default_factory=dict)


def _choice_keys(buttons: List[Dict[str, Any]]) -> List[str]:
    numbers = [_LEADING_NUMBER.match(str(b.get("title", ""))) for b in buttons]
    if all(numbers) and len({m.group(1) for m in numbers}) == len(buttons):
        return [str(int(m.group(1))) for m in numbers]
    return [str(i + 1) for i in range(len(buttons))]


def _already_numbered(text: str, buttons: List[Dict[str, Any]], keys: List[str]) -> bool:
    """True when the text itself lists these options as "1. …", "2. …" (options_text, situation questions).

    A numbered list of something else (a materials list) does not count: each line must name its button.
    """
    listed: Dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"\s*(\d{1,2})[.、．)]\s*(.*)", line)
        if m:
            listed[m.group(1)] = m.group(2)
    return all(str(b.get("title", "")) in listed.get(k, "") for k, b in zip(keys, buttons))


def _with_choices(text: str, buttons: List[Dict[str, Any]], keys: List[str]) -> str:
    if _already_numbered(text, buttons, keys):
        if "回复" in text:
            return text  # the bot listed the options and said how to answer
        return f"{text}\n请回复序号 {' / '.join(keys)} 选择。"
    # A separate block of "回复 N：…" lines, so it is not mistaken for a numbered list in the text.
    options = "\n".join(f"回复 {k}：{b.get('title', '')}" for k, b in zip(keys, buttons))
    return f"{text}\n———\n{options}" if text else options


def _message_text(message: Dict[str, Any]) -> Optional[str]:
    text = (message.get("text") or "").strip()
    parts = [text] if text else []
    if message.get("image"):
        parts.append(f"图片：{message['image']}")
    if message.get("attachment"):
        parts.append(f"附件：{message['attachment']}")
    # "custom" payloads (e.g. the handoff signal) are for machines; the bot also says it in words.
    return "\n".join(parts) or None


def _cut(text: str, limit: int) -> List[str]:
    """Cuts text into pieces of at most `limit` UTF-8 bytes, preferring line breaks."""
    pieces: List[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while len(line.encode()) > limit:  # one line longer than a page: cut between characters
            size, end = 0, 0
            for end, ch in enumerate(line):  # noqa: B007 — `end` is read after the loop
                size += len(ch.encode())
                if size > limit:
                    break
            pieces.append(line[:end])
            line = line[end:]
        current = line
    if current:
        pieces.append(current)
    return pieces


def paginate(text: str, limit: int = TEXT_LIMIT_BYTES) -> List[str]:
    if len(text.encode()) <= limit:
        return [text]
    # Reserve room for the longest hint, e.g. "\n（第 12/12 页，回复「更多」看下一页）".
    hint_room = len(_hint(99, 99).encode())
    pieces = _cut(text, limit - hint_room)
    total = len(pieces)
    return [p + (_hint(i + 1, total) if i + 1 < total else "") for i, p in enumerate(pieces)]


def _hint(page: int, total: int) -> str:
    return f"\n（第 {page}/{total} 页，回复「{MORE_WORD}」看下一页）"


def render(messages: List[Dict[str, Any]], limit: int = TEXT_LIMIT_BYTES) -> Rendered:
    blocks: List[str] = []
    choices: Dict[str, str] = {}
    for message in messages:
        text = _message_text(message) or ""
        buttons = [b for b in message.get("buttons") or [] if b.get("payload")]
        if buttons:
            keys = _choice_keys(buttons)
            text = _with_choices(text, buttons, keys)
            # Only the latest offer counts: it is what the citizen sees last.
            choices = {k: str(b["payload"]) for k, b in zip(keys, buttons)}
        if text:
            blocks.append(text)
    if not blocks:
        return Rendered([], choices)
    # WeChat's text CDATA would end early at "]]>".
    joined = "\n\n".join(blocks).replace("]]>", "]] >")
    return Rendered(paginate(joined, limit), choices)


def choice_number(text: str) -> Optional[str]:
    """"2", "２", " 2 " → "2"; anything else → None."""
    normalised = unicodedata.normalize("NFKC", text or "").strip().rstrip("。.")
    return str(int(normalised)) if re.fullmatch(r"\d{1,2}", normalised) else None


def asks_for_more(text: str) -> bool:
    return unicodedata.normalize("NFKC", text or "").strip().rstrip("。.!！") in (MORE_WORD, "更多内容", "下一页")
