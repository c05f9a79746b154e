"""One small guide per rule of the schema, broken, with the field its error must name and the message.

The schema's own rules compare fields of one model (承诺时限 vs 法定时限, 容缺 and its deadline) or look
across a list (duplicate step ids, the step graph); each must still say which field to change. The
tests of knowledge.schema check pydantic's `loc`, those of knowledge.editing the editor's dotted field.
"""
from __future__ import annotations

import copy
from typing import NamedTuple

ITEM = {
    "id": "rule-test-licence",
    "kind": "item",
    "name": "规则测试许可",
    "code": "SAMPLE-RULE-0001",
    "type": "行政许可",
    "department": "示例市规则测试局",
    "audience": ["法人"],
    "time_limit": {"statutory_days": 20, "promised_days": 5, "kind": "承诺件", "promised_sample": True},
    "place": {"address": "示例市规则测试局办公楼（示例地址）", "window": "规则测试窗口（示例）",
              "hours": "工作日（示例）", "phone": "0000-7700001（示例号码）"},
    "result": {"name": "规则测试许可证"},
    "materials": [{"name": "申请书"}, {"name": "营业执照", "key": "营业执照"}],
}

ROUTE = {
    "id": "rule-test-route",
    "kind": "route",
    "name": "规则测试一件事",
    "summary": "先办甲，再办乙和丙。",
    "questions": [
        {"id": "sells", "text": "卖不卖？", "options": [{"value": "yes", "label": "卖"}, {"value": "no", "label": "不卖"}]},
        {"id": "brand", "text": "有品牌吗？", "options": [{"value": "yes", "label": "有"}, {"value": "no", "label": "没有"}]},
    ],
    "steps": [
        {"id": "aa", "item": "rule-test-licence"},
        {"id": "bb", "item": "rule-test-licence", "depends_on": ["aa"]},
        {"id": "cc", "item": "rule-test-licence", "depends_on": ["aa"], "when": {"sells": "yes"}},
    ],
}

DEED_TAX = {"kind": "税", "name": "契税", "amount": "成交价格的3%至5%，本省3%（示例）", "depends_on": "成交价格",
            "basis": "《中华人民共和国契税法》第三条", "local_sample": True}


class Broken(NamedTuple):
    rule: str
    data: dict
    path: tuple[str | int, ...]  # inside the guide's data, without the kind pydantic puts first
    message: str

    @property
    def field(self) -> str:
        return ".".join(str(p) for p in self.path)


def _item(**changes) -> dict:
    return {**copy.deepcopy(ITEM), **changes}


def _route(**changes) -> dict:
    return {**copy.deepcopy(ROUTE), **changes}


def _steps(*changes: dict) -> list[dict]:
    steps = copy.deepcopy(ROUTE["steps"])
    for step, change in zip(steps, changes):
        step.update(change)
    return steps


def _questions(*changes: dict) -> list[dict]:
    questions = copy.deepcopy(ROUTE["questions"])
    for question, change in zip(questions, changes):
        question.update(change)
    return questions


MATERIALS = ITEM["materials"]

SCHEMA_RULES = [
    Broken("promise-longer-than-law", _item(time_limit={"statutory_days": 20, "promised_days": 30}),
           ("time_limit", "promised_days"), "承诺办结时限（30 个工作日）不能长于法定办结时限（20 个工作日）"),
    Broken("immediate-with-days", _item(time_limit={"promised_days": 3, "kind": "即办件"}),
           ("time_limit", "promised_days"), "即办件的承诺办结时限应为 0 个工作日"),
    Broken("charged-without-standard", _item(fee={"charged": True}), ("fee", "standard"), "收费事项必须写明收费标准"),
    Broken("local-cost-unlabelled", _item(costs=[{**DEED_TAX, "amount": "本省3%"}]),
           ("costs", 0, "amount"), "「契税」的金额含本地示例值，应在金额中标注（示例）"),
    Broken("tax-said-free", _item(costs=[{**DEED_TAX, "kind": "其他费用", "name": "公证费"},
                                         {**DEED_TAX, "amount": "免费", "local_sample": False}]),
           ("costs", 1, "amount"), "「契税」是税，金额不能写“不收费/免费”；免征情形写在 exemptions 里"),
    Broken("rongque-without-deadline", _item(materials=[*MATERIALS, {"name": "场地证明", "necessity": "容缺"}]),
           ("materials", 2, "deferral_days"), "容缺材料「场地证明」必须写明补交期限（deferral_days）"),
    Broken("deadline-without-rongque", _item(materials=[*MATERIALS, {"name": "场地证明", "deferral_days": 5}]),
           ("materials", 2, "deferral_days"), "只有容缺材料才有补交期限：「场地证明」不是容缺材料"),
    Broken("situational-without-condition", _item(materials=[*MATERIALS, {"name": "委托书", "necessity": "情形"}]),
           ("materials", 2, "condition"), "情形材料「委托书」必须写明适用情形（condition）"),
    Broken("duplicate-material", _item(materials=[*MATERIALS, {"name": "申请书", "form": "复印件"}]),
           ("materials", 2, "name"), "材料「申请书」重复出现"),
    Broken("duplicate-option-values", _route(questions=_questions({}, {"options": [
               {"value": "yes", "label": "有"}, {"value": "yes", "label": "也有"}]})),
           ("questions", 1, "options"), "情形问题「有品牌吗？」的选项值重复"),
    Broken("duplicate-step-id", _route(steps=_steps({}, {}, {"id": "bb"})),
           ("steps", 2, "id"), "步骤 id 重复：bb"),
    Broken("missing-step", _route(steps=_steps({}, {"depends_on": ["aa", "zz"]})),
           ("steps", 1, "depends_on"), "步骤「bb」依赖的步骤不存在：zz"),
    Broken("cycle", _route(steps=_steps({}, {"depends_on": ["cc"]}, {"depends_on": ["bb"]})),
           ("steps", 1, "depends_on"), "步骤之间存在循环依赖：bb → cc → bb"),
    Broken("step-condition-unknown-question", _route(steps=_steps({}, {"when": {"smokes": "yes"}})),
           ("steps", 1, "when"), "步骤「bb」的条件引用了不存在的情形问题「smokes」"),
    Broken("step-condition-unknown-option", _route(steps=_steps({}, {}, {"when": {"sells": ["yes", "sometimes"]}})),
           ("steps", 2, "when"), "步骤「cc」的条件中，问题「sells」没有选项「sometimes」"),
    Broken("question-condition-unknown-question", _route(questions=_questions({}, {"when": {"smokes": "yes"}})),
           ("questions", 1, "when"), "问题「brand」的条件引用了不存在的情形问题「smokes」"),
    Broken("question-condition-unknown-option", _route(questions=_questions({}, {"when": {"sells": "sometimes"}})),
           ("questions", 1, "when"), "问题「brand」的条件中，问题「sells」没有选项「sometimes」"),
]
