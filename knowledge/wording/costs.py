"""What a step costs, in the words the chat says: the 行政事业性收费 and, separately, the taxes and other
payments due at that step, each with what it depends on and its basis.

A taxed step is never called free: “契税要交多少” must not be answered “不收费” because the declaration
itself is free. The one function below is the only place that words this.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from knowledge.schema.item import CostKind


def describe_costs(item: BaseModel | dict[str, Any], *, brief: bool = False) -> str:
    """The sentence(s) about cost for one item (an `Item` or its dict, e.g. from the API).

    brief=True gives the short form for a list of route steps ("不收费", "普通护照 120元/本",
    "不收行政事业性收费；需缴契税、个人所得税、增值税，按规定计算").
    """
    data = item.model_dump(mode="json") if isinstance(item, BaseModel) else item
    name = data.get("name") or "该事项"
    fee = data.get("fee") or {}
    costs = [c for c in data.get("costs") or [] if c]
    charged = bool(fee.get("charged"))
    taxes = [c for c in costs if c.get("kind") == CostKind.tax.value]

    if brief:
        parts = [fee.get("standard") or "按规定收费"] if charged else []
        if costs:
            names = "、".join(c.get("name", "") for c in costs)
            if not charged:
                parts.append("不收行政事业性收费")
            parts.append(f"需缴{names}，按规定计算")
        return "；".join(parts) if parts else "不收费"

    sentences: list[str] = []
    if charged:
        line = f"“{name}”收取行政事业性收费：{fee.get('standard') or '按规定标准'}"
        if fee.get("depends_on"):
            line += f"（{fee['depends_on']}）"
        if fee.get("basis"):
            line += f"，依据：{fee['basis']}"
        sentences.append(line + "。")
    elif costs:
        sentences.append(f"“{name}”本身不收取行政事业性收费，但这一步要缴纳以下{'税费' if taxes else '费用'}：")
    else:
        line = f"“{name}”不收费"
        if fee.get("basis"):
            line += f"（{fee['basis']}）"
        return line + "。"

    if costs and charged:
        sentences.append("此外还要缴纳：")
    for c in costs:
        who = f"（{c['payer']}缴纳）" if c.get("payer") else ""
        line = f"{c.get('name', '')}{who}：{c.get('amount', '')}；金额取决于{c.get('depends_on', '')}"
        if c.get("exemptions"):
            line += f"；{'免征或减征' if c.get('kind') == CostKind.tax.value else '减免'}：{c['exemptions']}"
        if c.get("basis"):
            line += f"；依据：{c['basis']}"
        sentences.append(line + "。")
    if taxes:
        sentences.append("具体税额以税务部门核定为准。")
    return "\n".join(sentences)
