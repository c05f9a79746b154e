"""A follow-up answered from the 常见问答 of the guide in focus.

Item guides carry the questions citizens ask about them with their answers ("结婚登记还要带户口本吗？"
→ 不用…). A follow-up that names no aspect the dialogue knows and no other guide ("要户口本吗",
"下周三要坐飞机 来得及吗") is compared, by the search embedder, with those questions of the focus (for a
route: of its steps' items) and answered with the nearest one's answer when it clearly stands out:

- near (MIN_SIMILARITY) and ahead of the next question by MARGIN: a follow-up that no question
  clearly leads ("离职了能取吗" after 公积金提取) is answered by none;
- sharing a word with it (two characters that are neither a question's scaffolding nor the guide's
  own name), so a question about something the guide does not discuss ("临时身份证能办吗" next to
  "身份证丢了，外地户口能补办吗") is not answered by whatever is nearest.

Margins measured on the sample base (tests/knowledge/dialogue/test_guide_faq.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.catalogue import Catalogue
from knowledge.dialogue.meaning import Meanings
from knowledge.schema import Item, Route

MIN_SIMILARITY = 0.88
MARGIN = 0.02
# What every question is built with: it says something is asked, not what it is about.
_SCAFFOLD = set("能不 不能 可以 可不 需要 要不 是不 有没 没有 怎么 什么 一下 这里 那里 哪里".split())
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Where a run of content characters ends: a function character, or anything that is not Chinese.
_BREAK = re.compile(r"[^\u4e00-\u9fff]|[吗呢了的吧啊呀么嘛我你他她它们这那要能会可还也都就在得]")


@dataclass(frozen=True)
class FaqAnswer:
    item: Item
    question: str
    answer: str


def _pairs(text: str) -> set[str]:
    """Two-character runs of the text's content: function characters and punctuation leave a gap, not
    a new pair ("飞机 来得及" has no 机来)."""
    return {run[i:i + 2] for run in _BREAK.split(text) for i in range(len(run) - 1)} - _SCAFFOLD


def answer(meanings: Meanings, catalogue: Catalogue, focus: Item | Route, text: str) -> FaqAnswer | None:
    items = [focus] if isinstance(focus, Item) else [
        catalogue.items[s.item] for s in focus.steps if s.item in catalogue.items]
    entries = [(item, qa) for item in items for qa in item.faq]
    if not entries or len(_HAN.findall(text)) < 3:
        return None
    sims = meanings.vectors([qa.q for _, qa in entries]) @ meanings.encode_query(text)
    ranked = sorted(range(len(entries)), key=lambda i: -sims[i])
    best = ranked[0]
    if sims[best] < MIN_SIMILARITY or (len(ranked) > 1 and sims[best] - sims[ranked[1]] < MARGIN):
        return None
    item, qa = entries[best]
    # The guide's own name is in most of its questions ("身份证丢了…能补办吗" for 临时身份证能办吗).
    own = set().union(*(_pairs(n) for n in [item.name, *item.aliases]))
    if not (_pairs(text) & _pairs(qa.q)) - own:
        return None
    return FaqAnswer(item=item, question=qa.q, answer=qa.a)
