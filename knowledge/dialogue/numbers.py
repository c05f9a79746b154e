"""Quantities in citizens' Chinese: "80平", "一百来平", "五百多平米", "1.2万", "不到300平", "300平以上".

cn2an turns Chinese numerals into digits; what remains is the approximation words around the number,
which decide on which side of a range boundary the citizen stands.
"""
from __future__ import annotations

import re
import warnings
from typing import NamedTuple

import cn2an

_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万|千|百)?")
_SCALE = {"万": 10000, "千": 1000, "百": 100, None: 1}
# "不到300平" lies below 300 and "300平以上" at or above it; "五百多平" is more than 500.
_BELOW_BEFORE = re.compile(r"(不到|不足|少于|低于|小于|没有|没到|不超过)\s*$")
_BELOW_AFTER = re.compile(r"^\s*\S{0,3}?(以下|以内|之内|内|不到)")
_ABOVE_AFTER = re.compile(r"^(多|余|出头)|^\s*\S{0,3}?(以上|开外|还多|多点)")
_ABOVE_BEFORE = re.compile(r"(超过|多于|大于|高于|不止|不少于)\s*$")


class Quantity(NamedTuple):
    value: float
    start: int  # position in the digit form of the text
    end: int


_NUMERALS = re.compile(r"[零〇一二两三四五六七八九十百千万]+")
_COUNTED = re.compile(r"^(平|米|㎡|个|人|名|岁|年|月|天|日|层|间|张|台|辆|套|次|号|元|块|吨|座|床|户)")


# "四五十平", "二三百平", "七八个人": two neighbouring digits before a unit name a range; its middle
# (45, 250, 7.5) places it as the citizen means it against a range boundary.
_NEIGHBOURS = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千万])([一二两三四五六七八])([二三四五六七八九])(十|百|千|万)?(?![零〇一二两三四五六七八九])")
_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000, None: 1}


def _range_middle(m: re.Match) -> str:
    low, high = _DIGIT[m.group(1)], _DIGIT[m.group(2)]
    if high != low + 1:
        return m.group(0)
    middle = (low + 0.5) * _UNIT[m.group(3)]
    return f"{middle:g}"


# "十几平" (11-19), "二十几个人" (21-29), "几十平" (20-90): the middle of what the citizen means.
_SOME = re.compile(r"(?<![零〇一二两三四五六七八九十百千万])([一二两三四五六七八九]?)十几|几十(?![几])")


def _some_middle(m: re.Match) -> str:
    if m.group(0).startswith("几"):
        return "50"
    return str(_DIGIT[m.group(1)] * 10 + 5 if m.group(1) else 15)


def digits(text: str) -> str:
    """The text with Chinese numerals written as digits ("八十平左右" → "80平左右"). A lone numeral
    character is converted only before a counted word, so "零食" and "一起" stay words."""
    text = _SOME.sub(_some_middle, _NEIGHBOURS.sub(_range_middle, text))
    def convert(m: re.Match) -> str:
        run = m.group(0)
        if len(run) == 1 and not _COUNTED.match(text[m.end():]):
            return run
        value = _numeral(run)
        return run if value is None else str(value)
    return _NUMERALS.sub(convert, text)


def quantities(text: str) -> list[Quantity]:
    """Every number in the text (already in digit form), nudged off a boundary by its wording: a value
    "below 300" becomes 299.99…, "500 and more" 500.5, so [min, max) ranges place it correctly."""
    found = []
    for m in _NUMBER.finditer(text):
        value = float(m.group(1)) * _SCALE[m.group(2)]
        before, after = text[:m.start()], text[m.end():]
        if _BELOW_BEFORE.search(before) or _BELOW_AFTER.match(after):
            value -= 0.01
        elif _ABOVE_BEFORE.search(before) or _ABOVE_AFTER.match(after):
            value += 0.5
        found.append(Quantity(value, m.start(), m.end()))
    return found


def counts_something(text: str, quantity: Quantity) -> bool:
    """The number is followed by what it counts ("2层楼", "3个人", "400多平"), as opposed to standing
    alone ("400", "大概400吧"), where it can only be the answer to the question just asked."""
    return _COUNTED.match(re.sub(r"^\s*(多|余|来)?", "", text[quantity.end:])) is not None


def _numeral(run: str) -> int | float | None:
    """cn2an's reading of a run of numerals, None where it cannot read one."""
    with warnings.catch_warnings():  # cn2an warns about fragments it cannot read ("三四十")
        warnings.simplefilter("ignore")
        try:
            return cn2an.cn2an(run, "smart")
        except (ValueError, KeyError, IndexError):
            return None


def whole_number(run: str) -> int | None:
    """"2", "二", "十二" → the number; None if it is not one."""
    if run.isdigit():
        return int(run)
    value = _numeral(run)
    return int(value) if value is not None and float(value).is_integer() else None
