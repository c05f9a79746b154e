"""The catalogue rules over sample values and costs (issue 15), each seen in isolation, and the cost wording."""
from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from knowledge.catalogue import SAMPLE_GUIDES, Catalogue, CatalogueError, Problem, dump_guide, main
from knowledge.planner import plan_route
from knowledge.schema import Item
from knowledge.wording.costs import describe_costs

CENTRE = "示例市政务服务中心"


def item(gid: str, department: str = "示例市甲局", *, floor: str = "二楼", window: str | None = "B01",
         phone: str | None = None, promised: int = 5, kind: str = "承诺件", labelled: bool = True,
         sample: bool = True, **extra) -> Item:
    data = {
        "id": gid, "kind": "item", "name": f"{gid}事项", "code": f"SAMPLE-TEST-{gid.upper()}", "type": "行政许可",
        "department": department, "audience": ["法人"],
        "time_limit": {"statutory_days": 20, "promised_days": 0 if kind == "即办件" else promised, "kind": kind,
                       "promised_sample": labelled},
        "place": {"address": f"{CENTRE}{floor} 综合区（示例地址）", "window": window,
                  "hours": "工作日（示例）", "phone": phone or f"0000-{gid}（示例号码）", "sample": sample},
        "result": {"name": "决定书"},
    }
    data.update(extra)
    return Item.model_validate(data)


def problems(*items: Item) -> dict[str, list[Problem]]:
    cat = Catalogue()
    for i in items:
        cat.add(i)
    return cat.problems()


def test_two_departments_may_not_share_a_phone():
    found = problems(item("aa", "示例市甲局", phone="0000-1200001（示例号码）", window="B01"),
                     item("bb", "示例市乙局", phone="0000-1200001（示例号码）", window="B02"))
    assert set(found) == {"aa", "bb"}
    assert "不同部门不能共用一个咨询电话" in found["aa"][0].message and "示例市乙局" in found["aa"][0].message
    assert "示例市甲局" in found["bb"][0].message
    assert [p.path for p in found["aa"] + found["bb"]] == ["place.phone", "place.phone"]


def test_one_department_may_use_one_phone_for_several_items():
    # 示例市甲局（窗口一）and 示例市甲局 are one office: the parenthesis names a unit, not a department.
    assert problems(item("aa", "示例市甲局", phone="0000-1200001"), item("bb", "示例市甲局（窗口一）", phone="0000-1200001")) == {}


def test_window_ranges_of_two_departments_may_not_overlap_on_one_floor():
    found = problems(item("tax", "示例市税务局", window="C01-C10 综合办税窗口（示例窗口）", floor="三楼"),
                     item("plan", "示例市规划局", window="C05-C06（示例窗口）", floor="三楼"))
    assert "在示例市政务服务中心三楼重叠" in found["tax"][0].message and "示例市规划局" in found["tax"][0].message
    assert "C01-C10" in found["plan"][0].message
    assert [p.path for p in found["tax"] + found["plan"]] == ["place.window", "place.window"]


@pytest.mark.parametrize("a, b, floors", [
    ("C01-C04", "C05-C06", ("三楼", "三楼")),      # adjacent, not overlapping
    ("C01-C10", "D05", ("三楼", "三楼")),          # another letter
    ("B50-B51", "B50-B53", ("一楼", "二楼")),      # the same numbers on another floor
    ("结婚登记室", "结婚登记室", ("一楼", "一楼")),  # named rooms carry no range
])
def test_windows_that_do_not_collide(a, b, floors):
    assert problems(item("aa", "示例市甲局", window=a, floor=floors[0]), item("bb", "示例市乙局", window=b, floor=floors[1])) == {}


def test_one_department_may_have_overlapping_windows():
    assert problems(item("aa", window="B10-B11"), item("bb", window="B10")) == {}


def test_a_department_stays_on_one_floor():
    found = problems(item("aa", "示例市住房公积金管理中心", floor="二楼", window="B36"),
                     item("bb", "示例市住房公积金管理中心", floor="三楼", window="E01"))
    assert set(found) == {"aa", "bb"}
    assert "分布在多个楼层（三楼、二楼）" in found["aa"][0].message or "分布在多个楼层（二楼、三楼）" in found["aa"][0].message
    assert found["aa"][0].path == "place.address"


def test_a_promised_time_limit_in_the_sample_base_needs_the_label():
    found = problems(item("aa", labelled=False))
    assert found == {"aa": [Problem("aa", "time_limit.promised_sample", "承诺办结时限（5 个工作日）是本中心的示例值，"
                                   "须标注（示例）：请设置 time_limit.promised_sample: true")]}
    assert problems(item("aa", labelled=True)) == {}
    assert problems(item("aa", kind="即办件", labelled=False)) == {}  # 当场办结 promises no number of days
    assert problems(item("aa", labelled=False, sample=False)) == {}  # a real base states real promises


def test_a_deferrable_material_in_the_sample_base_needs_the_label():
    material = {"name": "场所证明", "necessity": "容缺", "deferral_days": 5}
    found = problems(item("aa", materials=[{"name": "申请书"}, material]))
    assert "容缺材料「场所证明」" in found["aa"][0].message and "（示例）" in found["aa"][0].message
    assert found["aa"][0].path == "materials.1.notes"
    assert problems(item("aa", materials=[{**material, "notes": "现场核查前补交（示例）"}])) == {}


DEED_TAX = {"kind": "税", "name": "契税", "payer": "买方", "amount": "成交价格的3%至5%，本省3%（示例）",
            "depends_on": "成交价格", "basis": "《中华人民共和国契税法》第三条", "local_sample": True}


def test_a_taxed_step_may_not_be_marked_free():
    found = problems(item("tax", costs=[DEED_TAX]))  # the default fee standard is 不收费
    assert found["tax"] == [Problem("tax", "fee.standard", "本事项要缴纳契税，收费标准不能写“不收费”：请写明“不收取行政事业性收费”，"
                                    "并在 costs 中写明税款")]
    assert problems(item("tax", costs=[DEED_TAX], fee={"standard": "不收取行政事业性收费"})) == {}
    said_free = [{"q": "在哪办？", "a": "税务窗口。"}, {"q": "契税要交多少？", "a": "不收费。"}]
    found = problems(item("tax", costs=[DEED_TAX], fee={"standard": "不收取行政事业性收费"}, faq=said_free))
    assert found["tax"] == [Problem("tax", "faq.1.a", "本事项要缴纳契税，常见问题「契税要交多少？」的回答不能说不收费或免费")]


def test_a_cost_is_well_formed():
    with pytest.raises(ValidationError, match="应在金额中标注（示例）"):
        item("aa", costs=[{**DEED_TAX, "amount": "本省3%"}])
    with pytest.raises(ValidationError, match="是税，金额不能写"):
        item("aa", costs=[{**DEED_TAX, "amount": "免费", "local_sample": False}])
    with pytest.raises(ValidationError, match="basis"):
        item("aa", costs=[{k: v for k, v in DEED_TAX.items() if k != "basis"}])


def test_two_items_may_not_share_a_code():
    found = problems(item("aa", code="SAMPLE-X-0001"), item("bb", code="SAMPLE-X-0001", window="B02"))
    assert found["aa"] == [Problem("aa", "code", "事项编码「SAMPLE-X-0001」也被「bb」使用，编码不能重复")]


def test_the_check_command_and_the_loader_reject_a_folder(tmp_path, capsys):
    (tmp_path / "items").mkdir()
    for i in (item("aa", "示例市甲局", phone="0000-1", labelled=False), item("bb", "示例市乙局", phone="0000-1", window="B09")):
        (tmp_path / "items" / f"{i.id}.yml").write_text(dump_guide(i), encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        Catalogue.from_folder(tmp_path)
    assert set(exc.value.problems) == {"aa", "bb"}
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("知识库校验失败") and "不同部门不能共用一个咨询电话" in out and "time_limit.promised_sample" in out
    assert "aa: place.phone: 电话「0000-1」也是「示例市乙局」的电话" in out  # each line: guide, field, message


def test_the_shipped_base_passes_every_rule():
    cat = Catalogue.from_folder(SAMPLE_GUIDES)
    assert cat.problems() == {}
    assert [c.name for c in cat.items["deed-tax-payment"].taxes] == ["契税", "个人所得税", "增值税"]


# ---- the cost wording -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return Catalogue.from_folder(SAMPLE_GUIDES)


def test_a_taxed_step_says_what_is_due_on_what_and_why(shipped):
    deed = shipped.items["deed-tax-payment"]
    text = describe_costs(deed)
    assert "不收费" not in text and "不收取行政事业性收费" in text
    assert "契税（买方缴纳）：成交价格×适用税率；法定税率3%至5%，本省一般适用税率3%（示例）" in text
    assert "金额取决于合同确定的成交价格" in text and "依据：《中华人民共和国契税法》第三条" in text
    assert "个人所得税（个人卖方缴纳）：按财产转让所得的20%缴纳" in text
    assert "免征或减征：个人将购买2年以上（含2年）的住房对外销售的，免征增值税" in text
    assert text.endswith("具体税额以税务部门核定为准。")
    # The dict the API hands out words the same.
    assert describe_costs(deed.model_dump(mode="json")) == text
    assert yaml.safe_load(dump_guide(deed))["costs"][0]["name"] == "契税"


def test_the_brief_form_never_calls_a_taxed_step_free(shipped):
    assert describe_costs(shipped.items["deed-tax-payment"], brief=True) == "不收行政事业性收费；需缴契税、个人所得税、增值税，按规定计算"
    assert describe_costs(shipped.items["passport"], brief=True) == "普通护照 120元/本"
    assert describe_costs(shipped.items["first-invoice"], brief=True) == "不收费"


def test_a_fee_is_worded_with_what_it_depends_on_and_its_basis(shipped):
    text = describe_costs(shipped.items["passport"])
    assert text == ("“普通护照签发”收取行政事业性收费：普通护照 120元/本（按本收取），依据：《国家发展改革委 财政部"
                    "关于降低部分行政事业性收费标准的通知》（普通护照由每本160元降为120元，2019年7月1日起执行）。")


def test_a_free_step_is_free():
    assert describe_costs(item("free")) == "“free事项”不收费。"
    assert describe_costs({"name": "某事项", "fee": {"charged": False, "basis": "免费公示"}}) == "“某事项”不收费（免费公示）。"


def test_a_fee_and_a_cost_together():
    both = item("both", fee={"charged": True, "standard": "每件 80 元", "basis": "示例依据"},
                costs=[{"kind": "其他费用", "name": "公证费", "amount": "按公证服务收费标准（示例）",
                        "depends_on": "公证事项", "basis": "公证服务收费管理规定（示例）"}])
    text = describe_costs(both)
    assert text.splitlines() == ["“both事项”收取行政事业性收费：每件 80 元，依据：示例依据。", "此外还要缴纳：",
                                 "公证费：按公证服务收费标准（示例）；金额取决于公证事项；依据：公证服务收费管理规定（示例）。"]
    assert describe_costs(both, brief=True) == "每件 80 元；需缴公证费，按规定计算"


def test_a_route_with_a_taxed_step_lists_the_taxes(shipped):
    plan = plan_route(shipped.routes["second-hand-house"], shipped)
    tax_step = next(s for s in plan.steps if s.item_id == "deed-tax-payment")
    assert "不收费" not in tax_step.fee and "契税" in tax_step.fee
    assert any(f.startswith("存量房交易税费申报缴纳（契税等）：") and "契税" in f for f in plan.fees)


def test_a_route_plan_says_which_promises_are_sample_values(shipped):
    plan = plan_route(shipped.routes["second-hand-house"], shipped)
    by_item = {s.item_id: s for s in plan.steps}
    assert by_item["property-transfer-registration"].promised_sample is True  # 承诺 3 个工作日（示例）
    assert by_item["deed-tax-payment"].promised_sample is False  # 即办件: no promised number
    assert plan.promised_sample is True


def test_a_contribution_is_a_cost_with_its_subsidy(shipped):
    text = describe_costs(shipped.items["resident-medical-insurance"])
    assert "城乡居民医保个人缴费：按参保年度的个人缴费标准缴纳" in text and "本市标准见医保部门公告（示例）" in text
    assert "减免：享受最低生活保障的人" in text and "免征或减征" not in text and "具体税额" not in text


def test_the_editor_shows_each_rule_under_its_field(shipped):
    from knowledge.editing.validation import GuideInvalid, check_guide
    data = item("new-thing", "示例市住房公积金管理中心", floor="三楼", window="C03", phone="0000-1201001（示例号码）",
                labelled=False, materials=[{"name": "场所证明", "necessity": "容缺", "deferral_days": 5}],
                code="SAMPLE-GA-0101").model_dump(mode="json")
    with pytest.raises(GuideInvalid) as exc:
        check_guide(data, shipped, kind="item")
    fields = {e.field for e in exc.value.errors}
    assert fields == {"place.phone", "place.window", "place.address", "code", "time_limit.promised_sample",
                      "materials.0.notes"}
