"""Query and document normalisation: Traditional → Simplified, full-width → half-width, tidy spaces,
written Cantonese function words → Mandarin, an elder who "走了" → 去世了, a licence "销掉" → 注销.

Both sides of retrieval pass through the same function, so a Traditional query ("營業執照") meets
the Simplified guide text ("营业执照").
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from knowledge.text.cantonese import to_mandarin

_converter = opencc.OpenCC("t2s.json")
_SPACES = re.compile(r"\s+")
# Control and format characters (zero-width spaces pasted from chat apps) carry no meaning.
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2028-\u202f\u2060\ufeff]")


# "老爷子上礼拜走了", "我妈没了": an elder who "left" or "is gone" died; the guides say 去世.
_PASSED_AWAY = re.compile(
    r"((?:老人|老爷子|老太太|老太爷|老母亲|老父亲|老伴|爷爷|奶奶|外公|外婆|姥爷|姥姥|父亲|母亲|爸爸|妈妈|爸|妈|婆婆|公公|岳父|岳母)"
    r"[^,，。!！?？\s]{0,6}?)(?:走了|走的|没了|不在了|过世了?)")
# "把执照销掉", "营业执照销了": the everyday word for 注销, which the guides use.
_CANCELLED = re.compile(r"(?<=照)(?:销掉|销了|注销掉)|(?<=照)(?:给|去)?销(?=掉|了|$)")


@lru_cache(maxsize=20_000)
def normalize(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    # NFKC folds full-width Latin letters and digits (ＡＢＣ１２３) into ASCII.
    text = unicodedata.normalize("NFKC", text)
    text = _converter.convert(text)
    text = to_mandarin(_SPACES.sub(" ", text).strip().lower())
    return _CANCELLED.sub("注销", _PASSED_AWAY.sub(r"\1去世了", text))


# "开个歌厅", "开一家药店", "申请个专利", "摆个摊": a measure word between the verb and its object keeps the text
# from meeting a name written without one (开歌厅, 申请专利).
_MEASURE_WORDS = re.compile(r"(开|办|建|买|卖|注册|成立|申请|考|领|换|补|搞|弄|整|盘|摆|支)(一)?(个|家|间|所|套|座|张|本)")


def without_measure_words(text: str) -> str:
    return _MEASURE_WORDS.sub(r"\1", text)
