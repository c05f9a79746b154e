"""Short Chinese phrases for time limits, fees, places and online handling, on the schema models:
the chat's answers (chat.py), the console's cards and the message sent to a caller all use these, so
every channel says the same thing."""
from __future__ import annotations

from knowledge.schema import Item
from knowledge.schema.common import SAMPLE_LABEL
from knowledge.wording.costs import describe_costs

KIND_LABELS = {"route": "一件事", "item": "事项", "faq": "问答"}


def workdays(n: int) -> str:
    return "当场办结" if n == 0 else f"{n} 个工作日"


def item_time(item: Item) -> str:
    tl = item.time_limit
    text = "即办件，材料齐全当场办结" if tl.kind == "即办件" else f"承诺 {workdays(tl.promised_days)}"
    if tl.promised_sample and tl.kind != "即办件":
        text += SAMPLE_LABEL  # a promise is the centre's own (local) value
    if tl.statutory_days is not None:
        text += f"（法定 {workdays(tl.statutory_days)}）"
    return text


def item_online(item: Item) -> str:
    if item.fully_online:
        return "可全程网办，不用跑现场"
    if item.online:
        return f"可网上申请，需到现场 {item.time_limit.visits} 次"
    return f"需到窗口办理，到现场 {item.time_limit.visits} 次"


def item_fee(item: Item) -> str:
    return describe_costs(item, brief=True)


def item_place(item: Item) -> str:
    return item.place.address + (f"，窗口 {item.place.window}" if item.place.window else "")
