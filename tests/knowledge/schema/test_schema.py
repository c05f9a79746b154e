"""Validation of the guide files: the mistakes an editor makes in hand-written YAML must fail loudly,
with a Chinese message that says what is wrong, and the catalogue must name the offending file."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from knowledge.catalogue import SAMPLE_GUIDES, Catalogue, CatalogueError, describe_validation_error, parse_guide
from knowledge.schema import Faq, Item, Route, guide_adapter

ITEM = {
    "id": "sample-licence",
    "kind": "item",
    "name": "示例许可",
    "code": "SAMPLE-0001",
    "type": "行政许可",
    "department": "示例市市场监督管理局",
    "audience": ["个人", "法人"],
    "time_limit": {"statutory_days": 20, "promised_days": 5, "kind": "承诺件", "visits": 1},
    "place": {"address": "示例市政务服务中心一楼", "window": "A1", "hours": "工作日 9:00-17:00", "phone": "0000-1"},
    "result": {"name": "示例许可证", "key": "示例许可证"},
    "materials": [
        {"name": "申请表"},
        {"name": "身份证", "key": "身份证", "form": "原件和复印件"},
    ],
}

ROUTE = {
    "id": "sample-route",
    "kind": "route",
    "name": "示例一件事",
    "summary": "先办甲，再并联办乙和丙。",
    "questions": [
        {"id": "sells", "text": "卖不卖？", "options": [{"value": "yes", "label": "卖"}, {"value": "no", "label": "不卖"}]},
    ],
    "steps": [
        {"id": "aa", "item": "sample-licence"},
        {"id": "bb", "item": "sample-licence", "depends_on": ["aa"]},
        {"id": "cc", "item": "sample-licence", "depends_on": ["aa"], "when": {"sells": "yes"}},
    ],
}


def item(**changes) -> dict:
    data = copy.deepcopy(ITEM)
    data.update(changes)
    return data


def route(**changes) -> dict:
    data = copy.deepcopy(ROUTE)
    data.update(changes)
    return data


def errors_of(data: dict) -> str:
    with pytest.raises(ValidationError) as exc:
        guide_adapter.validate_python(data)
    return "\n".join(describe_validation_error(exc.value))


def test_the_base_fixtures_are_valid():
    # Every negative test below changes exactly one thing in these.
    assert isinstance(guide_adapter.validate_python(item()), Item)
    assert isinstance(guide_adapter.validate_python(route()), Route)


# ---- items -------------------------------------------------------------------------------------

def test_promise_longer_than_the_law_is_rejected():
    msg = errors_of(item(time_limit={"statutory_days": 10, "promised_days": 15}))
    assert "承诺办结时限（15 个工作日）不能长于法定办结时限（10 个工作日）" in msg
    assert "time_limit" in msg


def test_promise_equal_to_the_law_and_no_statutory_limit_are_fine():
    guide_adapter.validate_python(item(time_limit={"statutory_days": 10, "promised_days": 10}))
    guide_adapter.validate_python(item(time_limit={"promised_days": 30}))


def test_immediate_item_with_promised_days_is_rejected():
    msg = errors_of(item(time_limit={"promised_days": 3, "kind": "即办件"}))
    assert "即办件的承诺办结时限应为 0 个工作日" in msg
    guide_adapter.validate_python(item(time_limit={"promised_days": 0, "kind": "即办件"}))


def test_deferrable_material_needs_a_deadline():
    msg = errors_of(item(materials=[{"name": "经营场所证明", "necessity": "容缺"}]))
    assert "容缺材料「经营场所证明」必须写明补交期限（deferral_days）" in msg
    ok = guide_adapter.validate_python(item(materials=[{"name": "经营场所证明", "necessity": "容缺", "deferral_days": 5}]))
    assert ok.materials[0].deferral_days == 5


def test_deadline_on_a_material_that_is_not_deferrable_is_rejected():
    msg = errors_of(item(materials=[{"name": "申请表", "deferral_days": 5}]))
    assert "只有容缺材料才有补交期限：「申请表」不是容缺材料" in msg


def test_situational_material_needs_its_situation():
    msg = errors_of(item(materials=[{"name": "授权委托书", "necessity": "情形"}]))
    assert "情形材料「授权委托书」必须写明适用情形（condition）" in msg
    guide_adapter.validate_python(item(materials=[{"name": "授权委托书", "necessity": "情形", "condition": "委托他人办理时"}]))
    guide_adapter.validate_python(item(materials=[{"name": "酒类备案", "necessity": "情形", "when": {"sells": "yes"}}]))


def test_charged_fee_needs_a_standard():
    assert "收费事项必须写明收费标准" in errors_of(item(fee={"charged": True}))
    assert "收费事项必须写明收费标准" in errors_of(item(fee={"charged": True, "standard": ""}))
    ok = guide_adapter.validate_python(item(fee={"charged": True, "standard": "每本 120 元", "basis": "示例依据"}))
    assert ok.fee.standard == "每本 120 元"


def test_duplicate_material_is_rejected():
    msg = errors_of(item(materials=[{"name": "身份证"}, {"name": "身份证", "form": "复印件"}]))
    assert "材料「身份证」重复出现" in msg


@pytest.mark.parametrize("bad_slug", ["Bad_Slug", "-leading-dash", "x", "中文id", "a" * 65, "has space"])
def test_bad_slug_is_rejected(bad_slug):
    with pytest.raises(ValidationError) as exc:
        guide_adapter.validate_python(item(id=bad_slug))
    assert [(e["loc"][-1], e["type"]) for e in exc.value.errors()] == [("id", "string_pattern_mismatch")]


def test_unknown_field_is_rejected_not_ignored():
    # A misspelt key ("materail") would otherwise silently drop the materials an editor meant to add.
    with pytest.raises(ValidationError) as exc:
        guide_adapter.validate_python(item(materail=[{"name": "申请表"}]))
    assert [(e["loc"][-1], e["type"]) for e in exc.value.errors()] == [("materail", "extra_forbidden")]
    with pytest.raises(ValidationError) as exc:
        guide_adapter.validate_python(item(time_limit={"promised_days": 1, "promise_days": 1}))
    assert exc.value.errors()[0]["loc"][-2:] == ("time_limit", "promise_days")
    with pytest.raises(ValidationError):
        guide_adapter.validate_python(route(steps=[{"id": "aa", "item": "sample-licence", "depend_on": []}]))


def test_faq_is_validated_too():
    faq = guide_adapter.validate_python({"id": "faq-x", "kind": "faq", "question": "什么是容缺受理？", "answer": "先受理后补交。"})
    assert isinstance(faq, Faq) and faq.name == "什么是容缺受理？"
    with pytest.raises(ValidationError):
        guide_adapter.validate_python({"id": "faq-x", "kind": "faq", "question": "  ", "answer": "先受理后补交。"})
    with pytest.raises(ValidationError):
        guide_adapter.validate_python({"id": "faq-x", "kind": "faq", "question": "问？", "answer": "答", "anwser": "x"})


# ---- routes ------------------------------------------------------------------------------------

def test_step_depending_on_a_missing_step_is_rejected():
    steps = [{"id": "aa", "item": "sample-licence"}, {"id": "bb", "item": "sample-licence", "depends_on": ["aa", "ghost"]}]
    assert "步骤「bb」依赖的步骤不存在：ghost" in errors_of(route(steps=steps))


def test_duplicate_step_ids_are_rejected():
    steps = [{"id": "aa", "item": "sample-licence"}, {"id": "aa", "item": "sample-licence"}]
    assert "步骤 id 重复：aa" in errors_of(route(steps=steps))


def test_cycle_is_rejected_and_its_path_named():
    steps = [
        {"id": "start", "item": "sample-licence"},
        {"id": "aa", "item": "sample-licence", "depends_on": ["start", "cc"]},
        {"id": "bb", "item": "sample-licence", "depends_on": ["aa"]},
        {"id": "cc", "item": "sample-licence", "depends_on": ["bb"]},
    ]
    msg = errors_of(route(steps=steps))
    assert "步骤之间存在循环依赖：" in msg
    path = msg.split("步骤之间存在循环依赖：")[1].splitlines()[0].split(" → ")
    # A closed path through exactly the three steps of the cycle, each edge a real dependency.
    assert path[0] == path[-1] and set(path) == {"aa", "bb", "cc"} and len(path) == 4
    deps = {s["id"]: s.get("depends_on", []) for s in steps}
    assert all(nxt in deps[cur] for cur, nxt in zip(path, path[1:]))


def test_self_dependency_is_a_cycle():
    msg = errors_of(route(steps=[{"id": "aa", "item": "sample-licence", "depends_on": ["aa"]}]))
    assert "步骤之间存在循环依赖：aa → aa" in msg


def test_condition_on_a_missing_question_is_rejected():
    steps = [{"id": "aa", "item": "sample-licence", "when": {"area": "large"}}]
    assert "步骤「aa」的条件引用了不存在的情形问题「area」" in errors_of(route(steps=steps))


def test_condition_on_a_missing_option_is_rejected():
    steps = [{"id": "aa", "item": "sample-licence", "when": {"sells": "maybe"}}]
    assert "步骤「aa」的条件中，问题「sells」没有选项「maybe」" in errors_of(route(steps=steps))
    steps = [{"id": "aa", "item": "sample-licence", "when": {"sells": ["yes", "perhaps"]}}]
    assert "没有选项「perhaps」" in errors_of(route(steps=steps))


def test_question_condition_is_checked_too():
    questions = ROUTE["questions"] + [
        {"id": "brand", "text": "卖什么牌子？", "when": {"sells": "sometimes"},
         "options": [{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}]},
    ]
    assert "问题「brand」的条件中，问题「sells」没有选项「sometimes」" in errors_of(route(questions=questions))


def test_question_with_duplicate_option_values_is_rejected():
    questions = [{"id": "sells", "text": "卖不卖？",
                  "options": [{"value": "yes", "label": "卖"}, {"value": "yes", "label": "也卖"}]}]
    assert "情形问题「卖不卖？」的选项值重复" in errors_of(route(questions=questions, steps=[{"id": "aa", "item": "x-y"}]))


# ---- the catalogue -----------------------------------------------------------------------------

def test_shipped_base_passes():
    cat = Catalogue.from_folder(SAMPLE_GUIDES)
    # The issue asks for these routes and stand-alone items at least; a lost file must be noticed.
    assert len(cat.items) >= 60 and len(cat.routes) >= 18 and len(cat.faqs) >= 12
    for rid in ("open-restaurant", "open-convenience-store", "start-company", "construction-project",
                "second-hand-house", "foreign-employee", "open-clinic"):
        assert rid in cat.routes
    assert cat.problems() == {}
    assert all(g.id == g.id.lower() for g in cat.all())


def _copy_base(tmp_path: Path) -> Path:
    folder = tmp_path / "guides"
    shutil.copytree(SAMPLE_GUIDES, folder, ignore=shutil.ignore_patterns("*.md"))
    return folder


def test_broken_file_is_reported_by_file(tmp_path):
    folder = _copy_base(tmp_path)
    path = folder / "items" / "tobacco-retail-license.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["time_limit"]["promised_days"] = 30  # statutory is 20
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        Catalogue.from_folder(folder)
    problems = exc.value.problems
    assert any("不能长于法定办结时限" in m for m in problems["items/tobacco-retail-license.yml"])
    # The invalid item is left out, so routes using it report the missing step item as well.
    assert set(problems) - {"items/tobacco-retail-license.yml"} <= set(Catalogue.from_folder(SAMPLE_GUIDES).routes)
    assert str(exc.value).startswith("知识库校验失败")


def test_unparsable_yaml_and_non_mapping_are_reported(tmp_path):
    folder = _copy_base(tmp_path)
    (folder / "items" / "broken.yml").write_text("id: broken\nname: [未闭合\n", encoding="utf-8")
    (folder / "items" / "a-list.yml").write_text("- 不是映射\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        Catalogue.from_folder(folder)
    assert set(exc.value.problems) == {"items/broken.yml", "items/a-list.yml"}
    assert "指南文件应是一个 YAML 映射" in exc.value.problems["items/a-list.yml"][0]


def test_id_clash_is_reported_by_file(tmp_path):
    folder = _copy_base(tmp_path)
    # A FAQ entry reusing an item's id: ids are shared by items, routes and FAQ entries (URLs, payloads).
    clash = folder / "faq" / "zz" / "passport.yml"
    clash.parent.mkdir()
    clash.write_text("id: passport\nkind: faq\nquestion: 护照怎么办？\nanswer: 到出入境窗口办理。\n", encoding="utf-8")
    if not (folder / "items" / "passport.yml").exists():
        pytest.fail("the sample base has no item 'passport' to clash with")
    with pytest.raises(CatalogueError) as exc:
        Catalogue.from_folder(folder)
    # The file read second (sorted paths: faq/ before items/) is the one reported.
    assert exc.value.problems == {"items/passport.yml": ["id「passport」已被另一份指南使用"]}


def test_file_name_must_match_id(tmp_path):
    folder = _copy_base(tmp_path)
    src = folder / "items" / "tobacco-retail-license.yml"
    src.rename(folder / "items" / "tobacco.yml")
    with pytest.raises(CatalogueError) as exc:
        Catalogue.from_folder(folder)
    assert exc.value.problems["items/tobacco.yml"] == ["文件名应与 id 一致（tobacco-retail-license.yml）"]


def test_cross_guide_references_are_checked(tmp_path):
    folder = _copy_base(tmp_path)
    (folder / "items" / "tobacco-retail-license.yml").unlink()
    with pytest.raises(CatalogueError) as exc:
        Catalogue.from_folder(folder)
    # Every route that uses the item is reported by its id, naming the step and the field to change.
    steps = parse_guide((folder / "routes" / "open-restaurant.yml").read_text(encoding="utf-8")).steps
    n = [s.id for s in steps].index("tobacco")
    assert f"steps.{n}.item: 步骤「tobacco」引用的事项「tobacco-retail-license」不存在" in exc.value.problems["open-restaurant"]
    assert "open-convenience-store" in exc.value.problems


def test_parse_guide_round_trips_a_shipped_file():
    from knowledge.catalogue import dump_guide

    text = (SAMPLE_GUIDES / "routes" / "open-restaurant.yml").read_text(encoding="utf-8")
    guide = parse_guide(text)
    assert parse_guide(dump_guide(guide)) == guide
