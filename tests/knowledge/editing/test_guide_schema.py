"""What the editor page builds its forms from (knowledge/editing/guide_schema.py), called directly."""
from __future__ import annotations

import re

import pytest

from knowledge.core.config import Settings
from knowledge.editing.guide_schema import KINDS, editor_schema, new_guide
from knowledge.schema import guide_adapter

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def served() -> dict:
    return editor_schema(Settings(centre_name="另一市政务服务中心", hotline_phone="0999-12345",
                                  hotline_hours="工作日 8:30-17:00"))["kinds"]


def properties(schema: dict):
    """(where, name, property) of every field of the model and of every model it uses."""
    for name, prop in schema["properties"].items():
        yield schema["title"], name, prop
    for definition in schema.get("$defs", {}).values():
        for name, prop in definition.get("properties", {}).items():
            yield definition["title"], name, prop


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_is_named_in_chinese_on_the_model(served, kind):
    schema = served[kind]["schema"]
    assert HAN.search(served[kind]["title"])
    unnamed = [f"{where}.{name}" for where, name, prop in properties(schema)
               if not ("$ref" in prop and "title" not in prop) and not HAN.search(prop.get("title", ""))]
    # a field whose type is a model of its own is named by that model's title
    unnamed += [f"{title}" for title in (d["title"] for d in schema.get("$defs", {}).values() if "properties" in d)
                if not HAN.search(title)]
    assert unnamed == []


def test_labels_hints_units_choices_and_limits_come_from_the_models(served):
    item = served["item"]["schema"]
    time_limit = item["$defs"]["TimeLimit"]["properties"]
    assert time_limit["promised_days"]["title"] == "承诺办结时限"
    assert time_limit["promised_days"]["unit"] == "工作日"
    assert "不能长于法定时限" in time_limit["promised_days"]["description"]
    assert item["$defs"]["ItemType"]["enum"][0] == "行政许可"
    material = item["$defs"]["Material"]
    assert (material["properties"]["copies"]["minimum"], material["properties"]["copies"]["maximum"]) == (0, 20)
    assert material["properties"]["deferral_days"]["only_for"] == {"necessity": "容缺"}
    assert {"name", "code", "type", "department", "audience", "time_limit", "place", "result"} <= set(item["required"])
    assert item["examples"] == [{"id": "food-business-license"}]


def test_a_new_item_starts_at_the_centres_hall_labelled_as_sample(served):
    blank = served["item"]["blank"]
    assert blank["place"] == {"address": "另一市政务服务中心（示例地址）", "window": None,
                              "hours": "工作日 8:30-17:00", "phone": "0999-12345", "sample": True}
    assert blank["time_limit"]["promised_sample"] is True
    assert (blank["type"], blank["audience"], blank["channels"]) == ("行政许可", ["个人"], ["窗口"])
    assert not {"version", "status", "updated_at"} & set(blank)


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_guide_filled_in_where_it_is_empty_is_a_valid_guide(kind):
    data = new_guide(kind, Settings())
    data["id"] = f"test-{kind}"
    filled = {"name": "测试名称", "code": "SAMPLE-TEST-1", "department": "测试部门", "question": "测试问题？",
              "answer": "测试回答", "summary": "测试简介", "category": "测试大类", "route": "open-restaurant"}
    data.update({k: v for k, v in filled.items() if k in data})
    if kind == "item":
        data["time_limit"]["promised_days"] = 5
        data["result"]["name"] = "测试证照"
    if kind == "route":
        data["steps"][0].update(id="apply", item="food-business-license")
    if kind == "industry":
        data["aliases"] = ["测试店"]
    assert guide_adapter.validate_python(data).kind == kind


def test_list_entries_start_from_the_models_defaults(served):
    assert served["item"]["entries"]["Material"] == {
        "name": "", "key": None, "form": "原件", "copies": 1, "necessity": "必要", "deferral_days": None,
        "condition": None, "when": None, "source": "申请人自备", "from_item": None, "commitment": False, "notes": None}
    question = served["route"]["entries"]["Question"]
    assert [(o["value"], o["label"]) for o in question["options"]] == [("yes", "是"), ("no", "否")]
    assert served["route"]["blank"]["steps"] == [served["route"]["entries"]["Step"]]
