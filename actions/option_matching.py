"""Matching a citizen's free-text answer to one option of a situation question.

Citizens rarely click: they type "个体户", "会卖点烟", "大概80平", "第二个" or "2". Matching tries
the option number, then numbers against option ranges, then the longest label or keyword found
in the answer (longest, so "不卖" beats "卖").
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional

Json = Dict[str, Any]
_ORDINAL = re.compile(r"^\s*(?:第|选|选择)?\s*([1-9一二三四五六七八九])\s*(?:个|项|种|号)?\s*(?:吧|的)?\s*$")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_CN_DIGITS = "一二三四五六七八九"
_NEGATION = re.compile(r"不|没|无|否|别|免")
_YES_NO = re.compile(r"嗯|对|好|行|可以|需要|没错|当然|不|没|否")


def ordinal(text: str) -> Optional[int]:
    """1-based choice number in "2", "第二个", "选3"; None if the text is not just a choice."""
    m = _ORDINAL.match(unicodedata.normalize("NFKC", text or ""))
    if not m:
        return None
    d = m.group(1)
    return int(d) if d.isdigit() else _CN_DIGITS.index(d) + 1


def match_option(question: Json, text: str) -> Optional[Json]:
    options: List[Json] = question["options"]
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    if not text:
        return None
    n = ordinal(text)
    if n is not None and n <= len(options):
        return options[n - 1]
    for o in options:  # a clicked button sends the label or the value itself
        if text in (o["label"].lower(), o["value"].lower()):
            return o
    ranged = [o for o in options if o.get("min") is not None or o.get("max") is not None]
    number = _NUMBER.search(text)
    if ranged and number:
        x = float(number.group(1))
        for o in ranged:
            if (o.get("min") is None or x >= o["min"]) and (o.get("max") is None or x < o["max"]):
                return o
    best, best_len, tie = None, 0, False
    for o in options:
        for word in [o["label"], *o.get("keywords", [])]:
            word = word.lower()
            if word and word in text:
                if len(word) > best_len:
                    best, best_len, tie = o, len(word), False
                elif len(word) == best_len and o is not best:
                    tie = True
    if best is None and len(text) >= 2:
        # A clipped label ("自办" for 自办食堂, "不办" for 不办食堂（外购配餐）) names the one option it is part of.
        within = [o for o in options if text in o["label"].lower()]
        if len(within) == 1:
            return within[0]
    values = {o["value"] for o in options}
    plain_reply = len(text) <= 4 and bool(_YES_NO.search(text))
    if {"yes", "no"} <= values and (0 < best_len <= 1 or (best is None and plain_reply)):
        # One-character cues ("是", "有") are unreliable beside a negation: "不是", "没有".
        negative = bool(_NEGATION.search(text))
        return next(o for o in options if o["value"] == ("no" if negative else "yes"))
    return None if tie else best
