"""Which step of the route in focus a follow-up names: "医保能手机上办吗" during the newborn route is
about its medical-insurance step, "要刻章吗" during the restaurant route about the seal.

A step is named by the longest stretch of the message it shares with the step's title, its item's
name or one of the item's aliases, at least two characters and more than a generic word such as
"办理" or "登记". Aliases are the citizens' own words, maintained by editors with the guides.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from knowledge.catalogue import Catalogue
from knowledge.dialogue.numbers import whole_number
from knowledge.planner import plan_route
from knowledge.schema.route import Route, Step
from knowledge.text.normalize import normalize

_GENERIC = {"办理", "登记", "申请", "许可", "证明", "手续", "备案", "服务", "证件", "办证", "审批", "核准", "注册",
            "变更", "信息", "经营", "营业", "开办", "设立", "一件事", "材料", "需要", "多久", "网上", "手机"}
MIN_SHARED = 2
# Question and function words name no step, yet aliases are questions too ("卖体温计要什么证"): "要带
# 什么材料" shared 什么 with it. They are cut out of the message, leaving a break so no new word forms.
# "第二步要带哪些材料": the number the plan shows beside the step, not a name.
_NUMBERED = re.compile(r"第\s*([\d一二两三四五六七八九十]+)\s*(?:步|项|个事项|件事)")
_FUNCTION_WORDS = re.compile(r"什么|怎么|怎样|哪些|哪个|多少|能不能|可不可以|要不要|是不是|可以|一下|这个|那个|[啥吗呢吧呀啊]")


def _shared(a: str, b: str) -> str:
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[m.a:m.a + m.size]


def named_step(route: Route, catalogue: Catalogue, text: str, answers: dict[str, str] | None = None) -> Step | None:
    """With the citizen's `answers`, a step their plan holds wins over one it leaves out that the words
    name as much: after "个体户", "营业执照能网上办吗" is about 个体工商户设立登记, not 企业设立登记
    (whose alias 办营业执照 the words fit more closely)."""
    plain = _FUNCTION_WORDS.sub("|", normalize(text or "").lower())
    if not plain.strip("|"):
        return None
    steps = route.steps
    if answers:
        planned = {s.id for s in plan_route(route, catalogue, answers).steps}
        named = {s.id: _longest_name_match(plain, s, catalogue) for s in steps}
        longest = max(named.values(), default=0)
        if longest and any(named[s.id] == longest for s in steps if s.id in planned):
            steps = [s for s in steps if s.id in planned]
    best: tuple[tuple[int, float], Step] | None = None
    tie = False
    for step in steps:
        item = catalogue.items.get(step.item)
        names = [step.title or "", *([item.name, *item.aliases] if item else [])]
        length = (0, 0.0)  # shared characters, then how much of that name they cover ("领发票" over "刻发票章")
        for name in names:
            shared = _shared(plain, name.lower())
            if len(shared) >= MIN_SHARED and shared not in _GENERIC:
                length = max(length, (len(shared), len(shared) / len(name)))
        if not length[0]:
            continue
        if best is None or length > best[0]:
            best, tie = (length, step), False
        elif length == best[0] and best[1].item != step.item:
            tie = True
    return None if best is None or tie else best[1]


def _longest_name_match(plain: str, step: Step, catalogue: Catalogue) -> int:
    item = catalogue.items.get(step.item)
    names = [step.title or "", *([item.name, *item.aliases] if item else [])]
    found = [_shared(plain, name.lower()) for name in names]
    return max((len(f) for f in found if len(f) >= MIN_SHARED and f not in _GENERIC), default=0)


def numbered_step(route: Route, catalogue: Catalogue, text: str, answers: dict[str, str]) -> Step | None:
    """The step the citizen points at by its number in what they were shown ("第一步能在手机上办吗"):
    the tailored plan's numbering once every question is answered, the overview's (the route's own
    order) before that."""
    m = _NUMBERED.search(normalize(text or ""))
    n = whole_number(m.group(1)) if m else None
    if n is None:
        return None
    plan = plan_route(route, catalogue, answers)
    if plan.open_questions:
        return route.steps[n - 1] if 0 < n <= len(route.steps) else None
    planned = next((s for s in plan.steps if s.number == n), None)
    return next((s for s in route.steps if planned and s.id == planned.id), None)
