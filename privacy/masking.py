"""Masks the numbers citizens type into the chat before anything stores or logs them.

Three kinds, each recognised by its structure, not by length alone, so that order numbers, dates and
amounts stay readable:

- 居民身份证号码 (GB 11643-1999): 17 digits + check character (ISO 7064 MOD 11-2, "X" for 10), with a
  plausible date of birth in digits 7-14. Kept: the 6-digit region code and the last 4 —
  110105********1234 — so staff can still tell "the citizen gave their ID number".
- 手机号码: 11 digits starting 13-19, optionally +86 and written 3-4-4 with spaces or hyphens.
  Kept: 138****8000, the way Chinese apps show them.
- 银行卡号: 16-19 digits passing the Luhn check, contiguous or in groups of four. Kept: first 4 and
  last 4 (6222***********0123).

Full-width digits (１３８…), which Chinese input methods produce, are recognised too (`\\d` is Unicode).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

MASK = "*"

# Not preceded or followed by another digit (or an ID's check letter): a number inside a longer
# number is not one of these.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXxＸｘ])(?![\dXxＸｘ])")
_CARD_GROUPED = re.compile(r"(?<!\d)(\d{4}(?:[ \-]\d{4}){3}(?:[ \-]?\d{1,3})?)(?!\d)")
_CARD_PLAIN = re.compile(r"(?<!\d)(\d{16,19})(?!\d)")
_PHONE = re.compile(r"(?<!\d)((?:[+＋]?86[ \-]?)?)(\d{3})[ \-]?(\d{4})[ \-]?(\d{4})(?!\d)")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _digits(text: str) -> list[int]:
    return [unicodedata.digit(c) for c in text if c.isdigit()]


def is_id_number(candidate: str) -> bool:
    """An 18-character resident ID number with a valid check character and date of birth."""
    if len(candidate) != 18:
        return False
    digits = _digits(candidate[:17])
    if len(digits) != 17:
        return False
    check = unicodedata.normalize("NFKC", candidate[17]).upper()
    if _ID_CHECK[sum(d * w for d, w in zip(digits, _ID_WEIGHTS)) % 11] != check:
        return False
    year, month, day = (int("".join(map(str, digits[a:b]))) for a, b in ((6, 10), (10, 12), (12, 14)))
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def is_card_number(digits: list[int]) -> bool:
    """16-19 digits passing the Luhn check (ISO/IEC 7812), as every UnionPay debit and credit card does."""
    if not 16 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _mask_id(m: re.Match) -> str:
    number = m.group(1)
    if not is_id_number(number):
        return number
    return number[:6] + MASK * 8 + number[-4:]


def _mask_card(m: re.Match) -> str:
    written = m.group(1)
    digits = _digits(written)
    if not is_card_number(digits):
        return written
    plain = "".join(map(str, digits))
    return plain[:4] + MASK * (len(plain) - 8) + plain[-4:]


def _mask_phone(m: re.Match) -> str:
    prefix, head, middle, tail = m.groups()
    first = _digits(head)
    if first[0] != 1 or first[1] < 3:
        return m.group(0)
    return f"{prefix}{''.join(map(str, first))}{MASK * 4}{''.join(map(str, _digits(tail)))}"


def mask_text(text: str) -> str:
    """The text with every ID, bank card and mobile number masked; anything else unchanged."""
    if not text or not any(c.isdigit() for c in text):
        return text
    # IDs first: an 18-digit ID number would otherwise be looked at as a card number; a masked
    # number contains "*" and is not matched again by the later patterns.
    text = _ID_NUMBER.sub(_mask_id, text)
    text = _CARD_GROUPED.sub(_mask_card, text)
    text = _CARD_PLAIN.sub(_mask_card, text)
    return _PHONE.sub(_mask_phone, text)


def mask_data(value: Any) -> Any:
    """`value` with mask_text applied to every string inside it (dicts, lists; keys are left alone)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v) for v in value]
    return value
