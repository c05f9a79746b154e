"""The route planner on small routes built here (so each rule is seen in isolation) and on shipped routes."""
from __future__ import annotations

import pytest

from knowledge.catalogue import SAMPLE_GUIDES, Catalogue
from knowledge.planner import Plan, PlanError, plan_route
from knowledge.schema import Item, Route


def make_item(id: str, name: str, promised: int, statutory: int | None = None, *, result_key: str | None = None,
              materials: list[dict] = (), visits: int = 1, channels: list[str] = ("窗口",),
              fee: dict | None = None, delivery: list[str] = ("自取",)) -> Item:
    return Item.model_validate({
        "id": id, "name": name, "code": f"TEST-{id}", "type": "行政许可", "department": f"{name}部门",
        "audience": ["法人"],
        "time_limit": {"statutory_days": statutory, "promised_days": promised, "visits": visits,
                       "promised_sample": True},
        "place": {"address": "示例大厅", "window": f"{id}窗口", "hours": "工作日", "phone": f"0000-{id}"},
        "channels": list(channels), "result": {"name": f"{name}结果", "key": result_key, "delivery": list(delivery)},
        "fee": fee or {}, "materials": list(materials),
    })


ITEMS = [
    # 登记 → (食品许可 ∥ 消防 ∥ 招牌) → 开业: 1 + max(10, 5, 2) + 1 working days along the critical path.
    make_item("reg", "设立登记", 1, 3, result_key="营业执照", visits=0, channels=["全程网办"],
              delivery=["免费邮寄", "电子证照"], materials=[
                  {"name": "身份证", "key": "身份证", "form": "原件"},
                  {"name": "经营场所证明", "key": "场所", "form": "复印件", "necessity": "容缺", "deferral_days": 10,
                   "notes": "（示例）"},
              ]),
    make_item("food", "食品经营许可", 10, 20, result_key="食品经营许可证", materials=[
        {"name": "营业执照", "key": "营业执照", "form": "复印件"},
        {"name": "身份证", "key": "身份证", "form": "原件", "copies": 2},
        {"name": "场所证明（租赁合同）", "key": "场所", "form": "复印件"},
        {"name": "酒类经营备案表", "necessity": "情形", "when": {"alcohol": "yes"}},
        {"name": "夜间经营承诺书", "necessity": "情形", "when": {"night": "yes"}, "condition": "夜间经营时"},
    ]),
    make_item("fire", "消防安全检查", 5, 10, materials=[
        {"name": "身份证", "key": "身份证", "form": "原件", "commitment": True},
        {"name": "消防设计图", "key": "设计图", "necessity": "容缺", "deferral_days": 5, "notes": "（示例）"},
        {"name": "食品经营许可证", "key": "食品经营许可证", "form": "复印件"},
    ]),
    make_item("sign", "招牌设置", 2, 5, fee={"charged": True, "standard": "每块 50 元"}, materials=[
        {"name": "招牌设计图", "key": "设计图", "necessity": "容缺", "deferral_days": 7, "notes": "（示例）"},
        {"name": "设立登记证明", "from_item": "reg"},
    ]),
    make_item("liquor", "酒类备案", 3, 3),
    make_item("open", "开业备案", 1, 5, materials=[{"name": "营业执照", "key": "营业执照", "copies": 1}]),
]
YES_NO = [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]


def catalogue_with(*routes: Route) -> Catalogue:
    cat = Catalogue()
    for g in [*ITEMS, *routes]:
        cat.add(g)
    assert cat.problems() == {}
    return cat


def make_route(steps: list[dict], questions: list[dict] = ()) -> Route:
    return Route.model_validate({"id": "mini", "name": "小店开业", "summary": "测试路线",
                                 "questions": list(questions), "steps": steps})


def plan(route: Route, answers: dict | None = None) -> Plan:
    return plan_route(route, catalogue_with(route), answers)


def by_id(p: Plan) -> dict:
    return {s.id: s for s in p.steps}


def material(p: Plan, name: str):
    found = [m for m in p.materials if m.name == name]
    assert len(found) == 1, f"{name}: {[m.name for m in p.materials]}"
    return found[0]


DIAMOND = make_route([
    {"id": "reg", "item": "reg"},
    {"id": "food", "item": "food", "depends_on": ["reg"]},
    {"id": "fire", "item": "fire", "depends_on": ["reg"]},
    {"id": "sign", "item": "sign", "depends_on": ["reg"]},
    {"id": "open", "item": "open", "depends_on": ["food", "fire", "sign"]},
])


# ---- timing ------------------------------------------------------------------------------------

def test_critical_path_with_parallel_branches():
    p = plan(DIAMOND)
    s = by_id(p)
    assert [x.id for x in p.steps] == ["reg", "food", "fire", "sign", "open"]
    assert [x.number for x in p.steps] == [1, 2, 3, 4, 5]
    # The total follows the longest branch (食品经营许可, 10 days), not the sum of all steps.
    assert p.total_promised_days == 1 + 10 + 1 == 12
    assert p.sum_promised_days == 1 + 10 + 5 + 2 + 1 == 19
    assert p.total_statutory_days == 3 + 20 + 5
    assert p.phases == [[1], [2, 3, 4], [5]]
    assert p.critical_path == [1, 2, 5]
    assert [x.critical for x in p.steps] == [True, True, False, False, True]
    assert (s["food"].start_day, s["food"].finish_day) == (1, 11)
    assert (s["fire"].start_day, s["fire"].finish_day) == (1, 6)
    assert (s["open"].start_day, s["open"].finish_day) == (11, 12)
    assert s["open"].depends_on == ["food", "fire", "sign"] and s["open"].phase == 3
    assert p.visits == 0 + 1 + 1 + 1 + 1
    assert p.online_steps == [1] and s["reg"].fully_online and not s["food"].online
    assert p.mailable_steps == [1]
    assert p.fees == ["招牌设置：每块 50 元"] and s["sign"].fee == "每块 50 元" and s["food"].fee == "不收费"
    assert s["fire"].window == "fire窗口" and s["fire"].department == "消防安全检查部门"


def test_critical_path_moves_to_the_longer_branch():
    route = make_route([
        {"id": "reg", "item": "reg"},
        {"id": "fire", "item": "fire", "depends_on": ["reg"]},       # 5 days
        {"id": "sign", "item": "sign", "depends_on": ["reg"]},       # 2 days
        {"id": "open", "item": "open", "depends_on": ["sign"]},      # 1 day: 2 + 1 < 5
    ])
    p = plan(route)
    assert p.total_promised_days == 1 + 5
    assert p.critical_path == [by_id(p)["reg"].number, by_id(p)["fire"].number]
    assert not by_id(p)["open"].critical
    assert p.phases == [[1], [2, 3], [4]]


def test_statutory_total_is_unknown_when_a_step_has_no_statutory_limit():
    route = make_route([{"id": "reg", "item": "reg"}, {"id": "open", "item": "open", "depends_on": ["reg"]}])
    cat = catalogue_with(route)
    cat.add(make_item("open", "开业备案", 1, None))
    p = plan_route(route, cat)
    assert p.total_statutory_days is None and p.total_promised_days == 2


# ---- situations --------------------------------------------------------------------------------

AREA = {"id": "area", "text": "面积多大？", "options": [{"value": "small", "label": "小"}, {"value": "large", "label": "大"}]}
ALCOHOL = {"id": "alcohol", "text": "卖酒吗？", "options": YES_NO}


def test_skipped_dependency_passes_through_to_its_own_prerequisites():
    route = make_route([
        {"id": "reg", "item": "reg"},
        {"id": "fire", "item": "fire", "depends_on": ["reg"], "when": {"area": "large"}},
        {"id": "liquor", "item": "liquor", "depends_on": ["fire"], "when": {"alcohol": "yes"}},
        {"id": "open", "item": "open", "depends_on": ["liquor"]},
    ], [AREA, ALCOHOL])
    small = plan(route, {"area": "small", "alcohol": "no"})
    assert [s.id for s in small.steps] == ["reg", "open"]
    # Two skipped steps in a row: 开业备案 still waits for 设立登记.
    assert by_id(small)["open"].depends_on == ["reg"] and by_id(small)["open"].phase == 2
    assert small.total_promised_days == 2
    large = plan(route, {"area": "large", "alcohol": "no"})
    assert [s.id for s in large.steps] == ["reg", "fire", "open"]
    assert by_id(large)["open"].depends_on == ["fire"] and large.total_promised_days == 1 + 5 + 1


def branching_route():
    """登记, then 食品 always, 酒类 when selling alcohol, 消防 when the shop is large."""
    return make_route([
        {"id": "reg", "item": "reg"},
        {"id": "food", "item": "food", "depends_on": ["reg"]},
        {"id": "liquor", "item": "liquor", "depends_on": ["reg"], "when": {"alcohol": "yes"}},
        {"id": "fire", "item": "fire", "depends_on": ["reg"], "when": {"area": "large"}},
    ], [AREA, ALCOHOL])


def test_situation_answers_add_and_remove_steps_and_materials():
    route = branching_route()
    yes = plan(route, {"alcohol": "yes", "area": "small"})
    assert [s.id for s in yes.steps] == ["reg", "food", "liquor"]
    liquor_form = material(yes, "酒类经营备案表")
    # Answered "yes": the situation holds, so the material is simply required.
    assert liquor_form.necessity == "必要" and liquor_form.condition is None
    assert yes.answer_labels == {"卖酒吗？": "是", "面积多大？": "小"}
    assert yes.open_questions == [] and yes.conditional_steps == []

    no = plan(route, {"alcohol": "no", "area": "large"})
    assert [s.id for s in no.steps] == ["reg", "food", "fire"]
    assert "酒类经营备案表" not in [m.name for m in no.materials]
    assert "消防设计图" in [m.name for m in no.materials]

    # A material whose situation this route never asks about stays situational, with its condition.
    night = material(yes, "夜间经营承诺书")
    assert night.necessity == "情形" and night.condition == "夜间经营时"


def test_unanswered_questions_leave_conditional_steps_and_open_questions():
    route = branching_route()
    p = plan(route, {"area": "small"})
    assert [s.id for s in p.steps] == ["reg", "food"]
    assert p.conditional_steps == ["liquor"]
    assert [q.id for q in p.open_questions] == ["alcohol"]
    assert p.open_questions[0].options == [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]
    nothing = plan(route, {})
    assert nothing.conditional_steps == ["liquor", "fire"]
    assert [q.id for q in nothing.open_questions] == ["area", "alcohol"]


def test_question_whose_condition_fails_is_never_pending():
    sells_food = {"id": "sells_food", "text": "卖吃的吗？", "options": YES_NO}
    alcohol = {**ALCOHOL, "when": {"sells_food": "yes"}}
    route = make_route([
        {"id": "reg", "item": "reg"},
        {"id": "food", "item": "food", "depends_on": ["reg"], "when": {"sells_food": "yes"}},
        {"id": "liquor", "item": "liquor", "depends_on": ["food"], "when": {"alcohol": "yes"}},
    ], [sells_food, alcohol])
    # "卖酒吗" is asked only of food sellers: for a shop that sells no food it is not open, and the
    # step behind it is skipped, not left conditional.
    no_food = plan(route, {"sells_food": "no"})
    assert [s.id for s in no_food.steps] == ["reg"]
    assert no_food.open_questions == [] and no_food.conditional_steps == []
    # Before the first answer the follow-up is not asked yet, but its step is still undecided.
    fresh = plan(route, {})
    assert [q.id for q in fresh.open_questions] == ["sells_food"]
    assert fresh.conditional_steps == ["food", "liquor"]
    food = plan(route, {"sells_food": "yes"})
    assert [q.id for q in food.open_questions] == ["alcohol"] and food.conditional_steps == ["liquor"]
    both = plan(route, {"sells_food": "yes", "alcohol": "yes"})
    assert [s.id for s in both.steps] == ["reg", "food", "liquor"] and by_id(both)["liquor"].depends_on == ["food"]


# ---- materials ---------------------------------------------------------------------------------

def test_materials_are_merged_once_with_max_copies_and_their_steps():
    p = plan(DIAMOND)
    ids = [m.name for m in p.materials]
    assert len(ids) == len(set(ids))
    id_card = material(p, "身份证")
    assert id_card.copies == 2 and id_card.steps == [1, 2, 3]
    # 消防 accepts a written commitment instead, 登记 and 食品 do not: the merged entry cannot.
    assert id_card.commitment is False
    # 登记 lets the site certificate come later (容缺), 食品许可 requires it: required wins.
    site = material(p, "经营场所证明")
    assert site.necessity == "必要" and site.deferral_days is None and site.steps == [1, 2]
    assert "场所证明（租赁合同）" not in ids  # same key: one document, named as first asked


def test_required_beats_deferrable_whichever_comes_first():
    route = make_route([
        {"id": "food", "item": "food"},
        {"id": "reg", "item": "reg", "depends_on": ["food"]},
    ])
    site = material(plan(route), "场所证明（租赁合同）")
    assert site.necessity == "必要" and site.deferral_days is None and site.steps == [1, 2]


def test_deferrable_materials_are_listed_with_their_deadlines():
    p = plan(DIAMOND)
    assert [(m.name, m.deferral_days) for m in p.deferrable] == [("消防设计图", 5)]
    drawing = p.deferrable[0]
    # Both 消防 and 招牌 accept the drawing later; the earlier deadline is the one to meet.
    assert drawing.necessity == "容缺" and drawing.steps == [3, 4]
    reg_only = plan(make_route([{"id": "reg", "item": "reg"}]))
    assert [(m.name, m.deferral_days) for m in reg_only.deferrable] == [("经营场所证明", 10)]


def test_material_provided_by_an_earlier_step_result():
    p = plan(DIAMOND)
    licence = material(p, "营业执照")
    assert licence.provided_by_step == 1 and licence.steps == [2, 5]
    # from_item names the item whose result it is, even without a shared key.
    assert material(p, "设立登记证明").provided_by_step == 1
    assert material(p, "身份证").provided_by_step is None
    # Materials the citizen must bring come first, those obtained on the way last.
    provided = [m.provided_by_step is not None for m in p.materials]
    assert provided == sorted(provided)


def test_material_is_not_provided_by_a_later_step():
    route = make_route([
        {"id": "open", "item": "open"},
        {"id": "reg", "item": "reg", "depends_on": ["open"]},
    ])
    assert material(plan(route), "营业执照").provided_by_step is None


def test_material_is_not_provided_by_a_parallel_step():
    # 消防 needs the 食品经营许可证 copy, but in this route it runs alongside 食品经营许可, so the
    # citizen cannot have obtained it yet.
    p = plan(DIAMOND)
    assert material(p, "食品经营许可证").provided_by_step is None


def test_bad_answers_raise_plan_error():
    route = make_route([{"id": "reg", "item": "reg"}, {"id": "fire", "item": "fire", "when": {"area": "large"}}],
                       [AREA])
    with pytest.raises(PlanError, match="「小店开业」没有情形问题「colour」"):
        plan(route, {"colour": "red"})
    with pytest.raises(PlanError, match="问题「area」没有选项「huge」，可选：large、small"):
        plan(route, {"area": "huge"})
    with pytest.raises(PlanError):
        plan(route, {"area": ""})


# ---- shipped routes ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return Catalogue.from_folder(SAMPLE_GUIDES)


def test_restaurant_company_selling_tobacco(shipped):
    route = shipped.routes["open-restaurant"]
    p = plan_route(route, shipped, {"entity": "company", "area": "small", "sells_tobacco": "yes", "signboard": "no"})
    s = by_id(p)
    assert set(s) == {"name", "company", "food", "tobacco", "seal", "invoice"}
    licence = material(p, "营业执照")
    assert licence.provided_by_step == s["company"].number
    assert s["tobacco"].number in licence.steps and s["food"].number in licence.steps
    assert s["tobacco"].depends_on == ["company"] and s["food"].depends_on == ["company"]
    assert s["tobacco"].phase == s["food"].phase == s["seal"].phase
    assert p.total_promised_days < p.sum_promised_days
    assert p.open_questions == [] and p.conditional_steps == []


def test_restaurant_individual_skips_company_steps(shipped):
    route = shipped.routes["open-restaurant"]
    p = plan_route(route, shipped, {"entity": "individual", "area": "large", "sells_tobacco": "no", "signboard": "yes"})
    s = by_id(p)
    assert {"name", "company", "seal", "tobacco"}.isdisjoint(s)
    assert {"individual", "food", "fire", "signboard", "invoice"} <= set(s)
    # 食品许可 depended on [company, individual]; the company branch is skipped, not a blocker.
    assert s["food"].depends_on == ["individual"] and s["individual"].phase == 1
    assert material(p, "营业执照").provided_by_step == s["individual"].number


def test_start_company_runs_four_steps_in_one_parallel_phase(shipped):
    p = plan_route(shipped.routes["start-company"], shipped, {"need_seal": "yes", "need_invoice": "yes"})
    s = by_id(p)
    assert [x.id for x in p.steps[:2]] == ["name", "register"]
    parallel = {s[x].number for x in ("seal", "invoice", "social-insurance", "housing-fund")}
    assert p.phases == [[s["name"].number], [s["register"].number], sorted(parallel)]
    assert p.total_promised_days == (s["name"].promised_days + s["register"].promised_days
                                     + max(s[x].promised_days for x in ("seal", "invoice", "social-insurance",
                                                                        "housing-fund")))
    without = plan_route(shipped.routes["start-company"], shipped, {"need_seal": "no", "need_invoice": "no"})
    assert {x.id for x in without.steps} == {"name", "register", "social-insurance", "housing-fund"}


def test_every_shipped_route_plans_with_every_first_option(shipped):
    # A route whose steps or questions the planner cannot handle would only show up in a chat.
    for route in shipped.routes.values():
        answers: dict[str, str] = {}
        while True:
            p = plan_route(route, shipped, answers)
            if not p.open_questions:
                break
            answers[p.open_questions[0].id] = p.open_questions[0].options[0]["value"]
        assert p.steps, route.id
        assert p.conditional_steps == [], route.id
        assert p.total_promised_days <= p.sum_promised_days, route.id
        assert sorted(n for phase in p.phases for n in phase) == [x.number for x in p.steps], route.id
        names = [m.name for m in p.materials]
        assert len(names) == len(set(names)), route.id


def test_an_unanswered_question_does_not_let_dependent_steps_jump_the_queue():
    """While 经营主体 is open, neither registration is listed, but the food licence still waits for one."""
    catalogue = Catalogue.from_folder(SAMPLE_GUIDES)
    route = catalogue.routes["open-restaurant"]
    general = plan_route(route, catalogue, {})
    assert {"company", "individual"} <= set(general.conditional_steps)
    food = next(s for s in general.steps if s.id == "food")
    registered = [plan_route(route, catalogue, {"entity": e}) for e in ("company", "individual")]
    # Scheduled for the slower registration, so the general plan never promises too little time.
    assert food.start_day == max(next(s for s in p.steps if s.id == "food").start_day for p in registered) > 0
    assert general.total_promised_days == max(p.total_promised_days for p in registered)
    assert general.phases[0] and all(general.phases), "no empty batch is listed"
