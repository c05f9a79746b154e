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
    fits = {s.id: _fit(plain, s, catalogue) for s in route.steps}
    named = [s for s in route.steps if fits[s.id][0]]
    if named and answers:
        # The plan is worked out only when the message names a step at all.
        longest = max(fits[s.id][0] for s in named)
        planned = {s.id for s in plan_route(route, catalogue, answers).steps}
        if any(fits[s.id][0] == longest for s in named if s.id in planned):
            named = [s for s in named if s.id in planned]
    best: tuple[tuple[int, float], Step] | None = None
    tie = False
    for step in named:
        if best is None or fits[step.id] > best[0]:
            best, tie = (fits[step.id], step), False
        elif fits[step.id] == best[0] and best[1].item != step.item:
            tie = True
    return None if best is None or tie else best[1]


def _fit(plain: str, step: Step, catalogue: Catalogue) -> tuple[int, float]:
    """How well the message names the step: the characters it shares with the step's title, its item's
    name or an alias, then how much of that name they cover ("领发票" over "刻发票章"); (0, 0) for none."""
    item = catalogue.items.get(step.item)
    fit = (0, 0.0)
    for name in [step.title or "", *([item.name, *item.aliases] if item else [])]:
        shared = _shared(plain, name.lower())
        if len(shared) >= MIN_SHARED and shared not in _GENERIC:
            fit = max(fit, (len(shared), len(shared) / len(name)))
    return fit


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
