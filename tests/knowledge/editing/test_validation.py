"""The editor's check of a guide: every problem comes back under the field to change, in Chinese.

The location is part of each error where it is raised (pydantic's `loc`, the catalogue's `Problem`),
never recovered from the wording: a message nobody has written yet is located all the same.
"""
from __future__ import annotations

import copy
import types
import typing
from collections.abc import Callable, Iterator

import pytest
from pydantic import BaseModel, ValidationError, model_validator

from knowledge.catalogue import Catalogue, Problem
from knowledge.editing.validation import FieldError, GuideInvalid, broken_by, check_guide, cross_guide_errors, \
    errors_from_pydantic, with_guides
from knowledge.schema import Faq, Industry, Item, Route
from knowledge.schema.common import Strict, rule_broken
from tests.knowledge.broken_guides import ITEM, SCHEMA_RULES, Broken

MODELS: dict[str, type[BaseModel]] = {"item": Item, "route": Route, "faq": Faq, "industry": Industry}


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return Catalogue.from_folder()


def errors_of(data: dict, context: Catalogue) -> list[FieldError]:
    with pytest.raises(GuideInvalid) as exc:
        check_guide(copy.deepcopy(data), context, kind=data["kind"])
    return exc.value.errors


# ---- the schema's rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", SCHEMA_RULES, ids=[c.rule for c in SCHEMA_RULES])
def test_a_schema_rule_is_shown_under_its_field(case: Broken, shipped):
    assert errors_of(case.data, shipped) == [FieldError(case.field, case.message)]


class _Opening(Strict):
    opens: int
    closes: int

    @model_validator(mode="after")
    def _in_order(self) -> "_Opening":
        if self.closes <= self.opens:
            raise rule_broken(f"下班时间（{self.closes} 点）应晚于上班时间（{self.opens} 点）{{不是模板}}", "closes",
                              value=self.closes)
        return self


class _Hall(Strict):
    windows: list[_Opening]


def test_a_message_nobody_wrote_before_is_located_all_the_same():
    data = {"windows": [{"opens": 9, "closes": 17}, {"opens": 9, "closes": 8}]}
    with pytest.raises(ValidationError) as exc:
        _Hall.model_validate(data)
    assert errors_from_pydantic(exc.value, data) == [
        FieldError("windows.1.closes", "下班时间（8 点）应晚于上班时间（9 点）{不是模板}")]


def test_pydantic_messages_are_still_translated_by_type(shipped):
    data = copy.deepcopy(ITEM)
    data["time_limit"]["promised_days"] = "五天"
    del data["name"]
    assert set(errors_of(data, shipped)) == {FieldError("time_limit.promised_days", "应为整数"),
                                             FieldError("name", "必填项，不能为空")}


# ---- the cross-guide rules ------------------------------------------------------------------------

def _new_item(shipped: Catalogue, **changes) -> dict:
    data = copy.deepcopy(ITEM)
    data.update(changes)
    return data


def _taxed(shipped: Catalogue) -> dict:
    tax = shipped.items["deed-tax-payment"].costs[0].model_dump(mode="json")
    return _new_item(shipped, costs=[tax], fee={"standard": "不收取行政事业性收费"},
                     faq=[{"q": "在哪办？", "a": "税务窗口。"}, {"q": "契税要交多少？", "a": "免费。"}])


CROSS_RULES: list[tuple[str, Callable[[Catalogue], dict], str, str]] = [
    ("step-names-no-item",
     lambda c: {"id": "rule-test-route", "kind": "route", "name": "测试一件事", "summary": "测试。",
                "steps": [{"id": "first", "item": "passport"}, {"id": "second", "item": "no-such-item"}]},
     "steps.1.item", "步骤「second」引用的事项「no-such-item」不存在"),
    ("material-from-no-item",
     lambda c: _new_item(c, materials=[{"name": "申请书"}, {"name": "许可证", "from_item": "no-such-item"}]),
     "materials.1.from_item", "材料「许可证」来源事项「no-such-item」不存在"),
    ("faq-related-to-nothing",
     lambda c: {"id": "rule-test-faq", "kind": "faq", "question": "测试？", "answer": "测试。",
                "related": ["passport", "no-such-item"]},
     "related.1", "相关事项「no-such-item」不存在"),
    ("industry-on-no-route",
     lambda c: {"id": "rule-test-industry", "kind": "industry", "name": "测试店", "category": "零售",
                "aliases": ["测试店"], "route": "no-such-route"},
     "route", "行业所走的路线「no-such-route」不存在"),
    ("phone-of-another-department",
     lambda c: _new_item(c, place={**ITEM["place"], "phone": c.items["passport"].place.phone}),
     "place.phone", "不同部门不能共用一个咨询电话"),
    ("window-of-another-department",
     lambda c: _new_item(c, place={**ITEM["place"], "address": c.items["passport"].place.address,
                                   "window": c.items["passport"].place.window}),
     "place.window", "同一楼层不同部门的窗口号不能重叠"),
    ("department-on-two-floors",
     lambda c: _new_item(c, department=c.items["passport"].department,
                         place={**ITEM["place"], "phone": c.items["passport"].place.phone,
                                "address": "示例市政务服务中心九楼 测试窗口（示例地址）"}),
     "place.address", "同一部门应在同一楼层"),
    ("code-of-another-item", lambda c: _new_item(c, code=c.items["passport"].code), "code", "编码不能重复"),
    ("promise-not-labelled", lambda c: _new_item(c, time_limit={**ITEM["time_limit"], "promised_sample": False}),
     "time_limit.promised_sample", "须标注（示例）"),
    ("rongque-not-labelled",
     lambda c: _new_item(c, materials=[{"name": "申请书"}, {"name": "场地证明", "necessity": "容缺", "deferral_days": 5}]),
     "materials.1.notes", "容缺材料「场地证明」的容缺和补交期限是本地选择"),
    ("taxed-but-fee-free", lambda c: {**_taxed(c), "fee": {"standard": "不收费"}, "faq": []},
     "fee.standard", "收费标准不能写“不收费”"),
    ("taxed-but-faq-free", _taxed, "faq.1.a", "常见问题「契税要交多少？」的回答不能说不收费或免费"),
]


@pytest.mark.parametrize("make, field, words", [c[1:] for c in CROSS_RULES], ids=[c[0] for c in CROSS_RULES])
def test_a_cross_guide_rule_is_shown_under_its_field(make, field, words, shipped):
    errors = errors_of(make(shipped), shipped)
    assert {e.field for e in errors} == {field}, errors  # one message per guide it collides with
    assert all(words in e.msg for e in errors)


def test_cross_guide_errors_keep_the_guides_own_problems(shipped):
    guide = Item.model_validate(ITEM)
    mine = Problem(guide.id, "code", "事项编码重复")
    assert cross_guide_errors(guide, [mine, Problem("passport", "code", "事项编码重复")]) == [FieldError("code", "事项编码重复")]


def test_broken_by_names_only_what_a_change_newly_breaks(shipped):
    item = Item.model_validate({**ITEM, "code": shipped.items["passport"].code})
    assert broken_by(shipped, with_guides(shipped, [item])) == {
        "passport": [f"事项编码「{item.code}」也被「{item.id}」使用，编码不能重复"],
        item.id: [f"事项编码「{item.code}」也被「passport」使用，编码不能重复"]}
    assert broken_by(shipped, with_guides(shipped, [Item.model_validate(ITEM)])) == {}


# ---- every shipped guide, broken every way a rule allows ------------------------------------------

def _unwrap(annotation: typing.Any) -> typing.Any:
    """list[Material] | None → list[Material]; Annotated[str, …] → str."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def names_a_field(kind: str, field: str) -> bool:
    """Whether a dotted error path names a field of the schema (time_limit.promised_days, steps.2.when),
    not the whole guide ("") nor a model inside it (time_limit, materials.2), which tells the editor
    nothing about which input to change."""
    if not field:
        return False
    annotation: typing.Any = MODELS[kind]
    for part in field.split("."):
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if part not in annotation.model_fields:
                return False
            annotation = annotation.model_fields[part].annotation
        elif typing.get_origin(annotation) is list and part.isdigit():
            annotation = typing.get_args(annotation)[0]
        else:
            return False
    annotation = _unwrap(annotation)
    return not (isinstance(annotation, type) and issubclass(annotation, BaseModel))


def test_names_a_field_tells_fields_from_models():
    assert names_a_field("item", "time_limit.promised_days") and names_a_field("route", "steps.2.when")
    assert names_a_field("route", "questions.0.options") and names_a_field("faq", "related.1")
    assert not names_a_field("item", "") and not names_a_field("item", "time_limit")
    assert not names_a_field("item", "materials.2") and not names_a_field("item", "no_such_field")


def _item_variants(data: dict, shipped: Catalogue) -> Iterator[tuple[str, dict, str]]:
    tl = data["time_limit"]
    if tl.get("statutory_days") is not None:
        yield "promise-longer-than-law", {**data, "time_limit": {**tl, "kind": "承诺件",
                                                                 "promised_days": tl["statutory_days"] + 1}}, \
            "time_limit.promised_days"
    if tl.get("statutory_days") is None or tl["statutory_days"] >= 1:
        yield "immediate-with-days", {**data, "time_limit": {**tl, "kind": "即办件", "promised_days": 1}}, \
            "time_limit.promised_days"
    yield "charged-without-standard", {**data, "fee": {**data.get("fee", {}), "charged": True, "standard": "不收费"}}, \
        "fee.standard"
    yield "code-of-another-item", {**data, "code": next(i.code for i in shipped.items.values() if i.id != data["id"])}, \
        "code"
    materials = data.get("materials", [])
    for n, m in enumerate(materials):
        bare = {k: v for k, v in m.items() if k not in ("deferral_days", "condition", "when")}
        if m["necessity"] == "容缺":
            yield "rongque-without-deadline", _replaced(data, "materials", n, bare), f"materials.{n}.deferral_days"
        else:
            yield "deadline-without-rongque", _replaced(data, "materials", n, {**m, "deferral_days": 5}), f"materials.{n}.deferral_days"
        yield "situational-without-condition", _replaced(data, "materials", n, {**bare, "necessity": "情形"}), f"materials.{n}.condition"
        if n == len(materials) - 1:  # the cross-guide rules check the whole base: once per guide is enough
            yield "material-from-no-item", _replaced(data, "materials", n, {**m, "from_item": "no-such-item"}), f"materials.{n}.from_item"
    if materials:
        yield "duplicate-material", {**data, "materials": [*materials, materials[0]]}, f"materials.{len(materials)}.name"
    costs = data.get("costs", [])
    for n, cost in enumerate(costs):
        yield "local-cost-unlabelled", _replaced(data, "costs", n, {**cost, "local_sample": True, "amount": "本省3%"}), f"costs.{n}.amount"
        yield "tax-said-free", _replaced(data, "costs", n, {**cost, "kind": "税", "local_sample": False, "amount": "免费"}), \
            f"costs.{n}.amount"


def _replaced(data: dict, key: str, n: int, entry: dict) -> dict:
    """`data` with entry `n` of its list `key` replaced."""
    listed = data[key]
    return {**data, key: [*listed[:n], entry, *listed[n + 1:]]}


def _route_variants(data: dict) -> Iterator[tuple[str, dict, str]]:
    steps, questions = data["steps"], data.get("questions", [])
    for n, step in enumerate(steps):
        yield "missing-step", _replaced(data, "steps", n, {**step, "depends_on": [*step.get("depends_on", []), "no-such-step"]}), \
            f"steps.{n}.depends_on"
        yield "cycle", _replaced(data, "steps", n, {**step, "depends_on": [*step.get("depends_on", []), step["id"]]}), f"steps.{n}.depends_on"
        yield "step-condition-unknown-question", _replaced(data, "steps", n, {**step, "when": {"no_such_question": "yes"}}), f"steps.{n}.when"
        if questions:
            yield "step-condition-unknown-option", _replaced(data, "steps", n, {**step, "when": {questions[0]["id"]: "no-such-option"}}), \
                f"steps.{n}.when"
        if n == len(steps) - 1:
            yield "step-names-no-item", _replaced(data, "steps", n, {**step, "item": "no-such-item"}), f"steps.{n}.item"
    if len(steps) >= 2:
        yield "duplicate-step-id", {**data, "steps": [*steps[:-1], {**steps[-1], "id": steps[0]["id"]}]}, \
            f"steps.{len(steps) - 1}.id"
    for n, q in enumerate(questions):
        yield "duplicate-option-values", _replaced(data, "questions", n, {**q, "options": [*q["options"], q["options"][0]]}), \
            f"questions.{n}.options"
        yield "question-condition-unknown-question", _replaced(data, "questions", n, {**q, "when": {"no_such_question": "yes"}}), \
            f"questions.{n}.when"


def variants(shipped: Catalogue) -> Iterator[tuple[str, str, dict, str]]:
    """(guide id, rule, broken data, the field its error must name) for every shipped guide."""
    for guide in shipped.all():
        data = guide.model_dump(mode="json")
        if guide.kind == "item":
            found = _item_variants(data, shipped)
        elif guide.kind == "route":
            found = _route_variants(data)
        elif guide.kind == "faq":
            found = iter([("faq-related-to-nothing", {**data, "related": [*data["related"], "no-such-item"]},
                           f"related.{len(data['related'])}")])
        else:
            found = iter([("industry-on-no-route", {**data, "route": "no-such-route"}, "route")])
        for rule, broken, field in found:
            yield guide.id, rule, copy.deepcopy(broken), field


def test_every_broken_variant_of_the_shipped_guides_names_the_field_to_change(shipped):
    checked, wrong = 0, []
    for gid, rule, data, field in variants(shipped):
        with pytest.raises(GuideInvalid) as exc:
            check_guide(data, shipped, kind=data["kind"], guide_id=gid)
        fields = [e.field for e in exc.value.errors]
        unlocated = [f for f in fields if not names_a_field(data["kind"], f)]
        if field not in fields or unlocated:
            wrong.append((gid, rule, field, exc.value.errors))
        checked += 1
    assert wrong == []
    assert checked > 2500  # every item, material, step and question of the base was broken at least once
