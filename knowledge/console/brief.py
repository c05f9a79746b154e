"""The short message staff send to a caller by SMS or WeChat after a hotline call.

It has to fit in 500 characters, so it is written at the most detailed level that fits: first with
departments, windows and time per step, then with less, and at the least with the first steps'
names only. The link to the printable notice always stays, because that is where every material,
window and time limit is listed in full.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable

from knowledge.console.links import notice_url
from knowledge.core.config import get_settings
from knowledge.wording.phrases import item_fee, item_online, item_time, workdays
from knowledge.planner import Plan, PlannedStep
from knowledge.schema import Item

MAX_CHARS = 500
CN_NUM = "零一二三四五六七八九十"
SAMPLE_LABEL = re.compile(r"（示例[^（）]*）")
SAMPLE_NOTE = "（地点、窗口、办公时间为示例值）"


def route_brief(plan: Plan, base_url: str, hotline: str) -> str:
    link = notice_url(base_url, "route", plan.route_id, plan.answers)
    own = [m for m in plan.materials if m.provided_by_step is None]
    head = [f"【{plan.route_name}】办理指引（{get_settings().centre_name}）"]
    if plan.answer_labels:
        head.append("您的情况：" + "；".join(plan.answer_labels.values()))
    if not plan.steps:
        head.append("还需要先确认您的情况，才能列出要办的步骤。")
    elif plan.total_promised_days:
        head.append(f"共 {len(plan.steps)} 步，并联办理最快约 {workdays(plan.total_promised_days)}，最多跑 {plan.visits} 次：")
    else:
        head.append(f"共 {len(plan.steps)} 步，当场可办结，最多跑 {plan.visits} 次：")
    where = [f"办理地点：{_halls(plan)}"] if plan.steps else []
    deferrable = ["可容缺受理（先受理后补交）：" + "；".join(
        f"{m.name}（{m.deferral_days} 个工作日内）" for m in plan.deferrable)] if plan.deferrable else []
    open_note = ["尚未确认：" + "；".join(q.text for q in plan.open_questions) + "（相关事项以告知单为准）"
                 ] if plan.open_questions else []
    short_open = [f"另有 {len(plan.open_questions)} 项情况待确认，以告知单为准"] if plan.open_questions else []
    tail = [f"需自备材料 {len(own)} 项，材料清单、窗口和时限见一次性告知单：{link}",
            f"如有疑问请拨打审批导航热线 {hotline}", SAMPLE_NOTE]

    def steps(line: Callable[[PlannedStep], str]) -> list[str]:
        return head + _steps(plan, line) + where

    versions = [
        steps(_step_full) + deferrable + open_note + tail,
        steps(_step_full) + deferrable + short_open + tail,
        steps(_step_full) + short_open + tail,
        steps(_step_window_days) + short_open + tail,
        steps(_step_window) + short_open + tail,
        steps(_step_title) + short_open + tail,
        *(head + _first_steps(plan, n) + where + short_open + tail for n in range(min(len(plan.steps), 12), 0, -1)),
    ]
    return _first_that_fits(versions, link)


def item_brief(item: Item, base_url: str, hotline: str) -> str:
    link = notice_url(base_url, "item", item.id)
    required = [m for m in item.materials if m.necessity != "情形"]
    situational = len(item.materials) - len(required)
    head = [
        f"【{item.name}】办理指引（{get_settings().centre_name}）",
        f"办理部门：{item.department}；地点：{_unlabelled(item.place.address)}"
        + (f"，窗口 {_unlabelled(item.place.window)}" if item.place.window else "")
        + f"（{_unlabelled(item.place.hours)}）",
        f"时限：{item_time(item)}；收费：{item_fee(item)}；{item_online(item)}",
    ]
    deferrable = [m for m in item.materials if m.necessity == "容缺"]
    rongque = ["可容缺受理：" + "；".join(f"{m.name}（{m.deferral_days} 个工作日内补交）" for m in deferrable)
               ] if deferrable else []
    extra = f"，另有 {situational} 项视情形提供" if situational else ""
    tail = [f"材料清单和办理流程见一次性告知单：{link}", f"如有疑问请拨打审批导航热线 {hotline}", SAMPLE_NOTE]

    def materials(n: int) -> list[str]:
        names = "；".join(f"{i + 1}. {m.name}" for i, m in enumerate(required[:n]))
        more = f"……等 {len(required)} 项" if n < len(required) else ""
        return [f"需带材料（{len(required)} 项{extra}）：{names}{more}"] if required else ["无需提交材料。"]

    versions = [head + materials(len(required)) + rongque + tail,
                *(head + materials(n) + tail for n in range(len(required), -1, -1))]
    return _first_that_fits(versions, link)


def _steps(plan: Plan, line: Callable[[PlannedStep], str]) -> list[str]:
    lines = []
    for p, phase in enumerate(plan.phases):
        steps = [s for s in plan.steps if s.number in phase]
        if len(plan.phases) > 1:
            label = CN_NUM[p + 1] if p < 10 else str(p + 1)
            lines.append(f"第{label}批" + ("（可同时办）：" if len(steps) > 1 else "："))
        lines += [line(s) for s in steps]
    return lines


def _first_steps(plan: Plan, n: int) -> list[str]:
    names = "；".join(_step_title(s) for s in plan.steps[:n])
    return [names + (f"……等 {len(plan.steps)} 步" if n < len(plan.steps) else "")]


def _halls(plan: Plan) -> str:
    """Where to go, compactly: 示例市政务服务中心二楼 … and …三楼 … become 示例市政务服务中心（二楼、三楼）."""
    halls = list(dict.fromkeys(_unlabelled(s.address).split(" ")[0] for s in plan.steps))
    common = os.path.commonprefix(halls)
    if len(halls) > 1 and len(common) >= 4:
        return f"{common}（{'、'.join(h[len(common):] or '本部' for h in halls)}）"
    return "；".join(halls)


def _unlabelled(value: str) -> str:
    # One SAMPLE_NOTE at the end says the places are sample values; repeating （示例…） after each
    # window would take a fifth of the message.
    return SAMPLE_LABEL.sub("", value).strip()


def _window(s: PlannedStep) -> str:
    return f"窗口 {_unlabelled(s.window)}" if s.window else _unlabelled(s.address)


def _step_full(s: PlannedStep) -> str:
    online = "，可全程网办" if s.fully_online else "，可网上申请" if s.online else ""
    return f"{s.number}. {s.title}（{s.department}，{_window(s)}，{workdays(s.promised_days)}{online}）"


def _step_window_days(s: PlannedStep) -> str:
    return f"{s.number}. {s.title}（{_window(s)}，{workdays(s.promised_days)}）"


def _step_window(s: PlannedStep) -> str:
    return f"{s.number}. {s.title}（{_window(s)}）"


def _step_title(s: PlannedStep) -> str:
    return f"{s.number}. {s.title}"


def _first_that_fits(versions: list[list[str]], link: str) -> str:
    for lines in versions:
        text = "\n".join(lines)
        if len(text) <= MAX_CHARS:
            return text
    # Even the shortest version is too long (very long names): keep the start and the link.
    room = MAX_CHARS - len(link) - 2
    return "\n".join(versions[-1])[: max(room, 0)] + "\n" + link
