"""The dialogue's two calls over HTTP: the real knowledge service process, real model and index."""
from __future__ import annotations

import httpx
import pytest

from tests.stack import Stack


@pytest.fixture(scope="module")
def api(knowledge_stack: Stack) -> httpx.Client:
    with httpx.Client(base_url=knowledge_stack.knowledge_url, timeout=60) as client:
        yield client


def understand(api, text, **body) -> dict:
    resp = api.post("/api/dialogue/understand", json={"text": text, **body})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_first_message_names_the_route_and_carries_facts(api):
    u = understand(api, "想开个500平的火锅店，还卖烟")
    assert u["goal"] == "route:open-restaurant"
    facts = {f["question"]: f["value"] for f in u["goal_reading"]["facts"]}
    assert facts == {"area": "large", "sells_tobacco": "yes"}


def test_reading_inside_the_route_replies_and_gives_the_next_question(api):
    u = understand(api, "個體戶，八十平左右，唔賣煙", focus="route:open-restaurant", current="entity")
    assert u["reading"]["answers"] == {"entity": "individual", "area": "small", "sells_tobacco": "no"}
    assert "已记下" in u["reply"]["messages"][0]["text"]
    assert u["reply"]["next_question"]["id"] == "signboard"
    assert [b["title"] for b in u["reply"]["next_question"]["message"]["buttons"]] == ["要挂招牌", "不挂"]


def test_step_and_aspect_of_a_follow_up(api):
    u = understand(api, "医保能手机上办吗", focus="route:newborn")
    assert u["step"] == "insurance" and u["aspect"] == "online"
    resp = api.post("/api/dialogue/answer", json={"focus": "route:newborn", "step": "insurance", "aspect": "online"})
    assert resp.status_code == 200
    assert "医疗保险" in resp.json()["messages"][0]["text"]


def test_a_change_of_mind_leaves_the_route_even_when_a_step_is_named(api):
    u = understand(api, "算了不开饭店了，我想开个宠物医院", focus="route:open-restaurant", current="entity")
    assert u["goal"] == "route:open-pet-clinic" and u["step"] is None


def test_a_follow_up_answered_from_the_focus_guides_own_questions(api):
    u = understand(api, "要户口本吗", focus="item:marriage-registration")
    text = u["faq_reply"]["messages"][0]["text"]
    assert "不再需要户口簿" in text and "《内地居民结婚登记》" in text
    # The same words with nothing in focus are a new question, not a follow-up.
    assert understand(api, "要户口本吗")["faq_reply"] is None


def test_sending_someone_else_gets_the_items_own_rule_when_it_must_be_done_in_person(api):
    def proxy(focus):
        resp = api.post("/api/dialogue/answer", json={"focus": focus, "aspect": "proxy"})
        assert resp.status_code == 200, resp.text
        return resp.json()["messages"][0]["text"]
    marriage = proxy("item:marriage-registration")
    assert "不能委托他人代办" in marriage and "第一千零四十九条" in marriage
    assert "不能委托他人代办" not in proxy("item:housing-fund-withdrawal")  # the general practice
    card = api.post("/api/dialogue/answer", json={"focus": "item:resident-id-card"}).json()["messages"][0]["text"]
    assert "· 本人到场：" in card and "居民身份证法》第三条" in card


def test_the_guides_own_question_overrules_a_general_duration(api):
    # 有效期 is no processing time: the passport's own 常见问答 answers it.
    u = understand(api, "有效期多久", focus="item:passport")
    assert u["aspect"] == "validity" and "护照有效期多久" in u["faq_reply"]["messages"][0]["text"]
    assert understand(api, "要多久", focus="item:passport")["faq_reply"] is None


def test_validity_is_answered_from_the_result_or_said_to_be_missing(api):
    def validity(focus):
        resp = api.post("/api/dialogue/answer", json={"focus": focus, "aspect": "validity"})
        assert resp.status_code == 200, resp.text
        return resp.json()["messages"][0]["text"]
    assert "未满16周岁5年" in validity("item:passport") and "护照法》第七条" in validity("item:passport")
    missing = validity("item:marriage-registration")
    assert "没有写明" in missing and "示例市民政局" in missing


def test_an_aspect_question_naming_no_other_guide_stays_on_the_focus(api):
    # 驾驶证期满换证 says 有效期 most often; "有效期多久" after 药店许可 still asks about the 药店's licence.
    u = understand(api, "有效期多久", focus="item:pharmacy-license")
    assert u["aspect"] == "validity" and u["goal"] is None
    resp = api.post("/api/dialogue/answer", json={"focus": "item:pharmacy-license", "aspect": "validity"})
    assert "药品管理法实施条例》第十七条" in resp.json()["messages"][0]["text"]
    # Naming another guide still moves there.
    assert understand(api, "驾照有效期多久", focus="item:pharmacy-license")["goal"] == "item:driving-licence-renewal"


def test_a_follow_up_only_the_focus_could_be_about_is_answered_as_not_written(api):
    u = understand(api, "可以加急吗", focus="item:housing-fund-withdrawal")
    text = u["unanswered"]["messages"][0]["text"]
    assert "「住房公积金提取」" in text and "示例市住房公积金管理中心" in text and "（示例号码）" in text
    # A word naming other guides (社保), a statement, or no focus: not this answer.
    assert understand(api, "社保怎么交", focus="item:housing-fund-withdrawal")["unanswered"] is None
    assert understand(api, "不用加急", focus="item:housing-fund-withdrawal")["unanswered"] is None
    assert understand(api, "可以加急吗")["unanswered"] is None


def test_a_question_about_an_item_of_the_same_undertaking_is_a_side_question(api):
    u = understand(api, "坐诊的医生要有什么资格", focus="route:open-clinic", current="profit")
    assert u["goal"] == "item:physician-registration" and u["side_question"]
    # Another department's item, or a turn to it, is a new goal.
    assert not understand(api, "护照怎么办", focus="route:open-restaurant", current="area")["side_question"]
    assert not understand(api, "算了 我想办医师执业注册", focus="route:open-clinic")["side_question"]


def test_a_clause_clear_on_its_own_yields_to_the_route_the_whole_message_answers(api):
    u = understand(api, "在中介那看中一套二手房 我家首套 要按揭贷款的 过户咋走流程")
    assert u["goal"] == "route:second-hand-house"
    assert {f["question"] for f in u["goal_reading"]["facts"]} >= {"first_home", "loan"}
    # The clause still decides when nothing else is answered ("算了，饭店太累，还是开个便利店吧").
    assert understand(api, "算了，饭店太累，还是开个便利店吧")["goal"] == "route:open-convenience-store"


def test_the_next_steps_after_an_item_already_done_are_its_routes(api):
    u = understand(api, "出生证医院已经给了 接下来要办啥")
    assert u["goal"] == "route:newborn"
    # An item in many routes (企业设立登记) says nothing of which one comes next.
    assert understand(api, "营业执照办好了 下一步呢")["goal"] != "route:newborn"


def test_a_route_does_not_stand_in_for_an_unrelated_item_that_leads(api):
    # "怎么办理" asks what to do, but the leading result (护照, typed 护找) is no step of the route below it.
    assert understand(api, "护找怎么办理")["goal"] != "route:individual-business"


@pytest.mark.parametrize("text", ["", "   ", "<script>alert(1)</script>？" * 60, "吗" * 2000])
def test_empty_huge_or_hostile_follow_ups_are_read_without_error(api, text):
    u = understand(api, text, focus="item:housing-fund-withdrawal")
    assert u["faq_reply"] is None and u["goal"] is None
    if not text.strip():
        assert u["unanswered"] is None  # nothing was asked


def test_a_follow_up_over_the_size_limit_is_refused(api):
    resp = api.post("/api/dialogue/understand", json={"text": "吗" * 2001, "focus": "item:passport"})
    assert resp.status_code == 422


def test_a_correction_to_another_business_leaves_the_route(api):
    u = understand(api, "不对 不是幼儿园 是托育机构 收三岁以下的", focus="route:open-private-kindergarten",
                   current="kg_profit")
    assert u["goal"] == "route:open-childcare-centre" and u["step"] is None


def test_a_change_of_mind_whose_words_also_answer_the_old_route_leaves_it(api):
    # 奶茶 answers the café's drinks question, but the citizen turns to a milk-tea shop.
    u = understand(api, "算了网吧太难搞了 还是开奶茶店吧", focus="route:open-internet-cafe", current="sells_food")
    assert u["goal"] == "route:open-restaurant" and u["reading"]["facts"] == []


def test_a_follow_up_pointing_back_stays_with_the_focus(api):
    u = understand(api, "这个备案归哪个局管", focus="route:open-driving-school")
    assert u["points_back"] and u["goal"] is None and u["aspect"] == "location"
    assert not understand(api, "这个备案归哪个局管")["points_back"]  # nothing in focus to point back at


def test_a_parcel_business_is_not_a_question_about_mailing(api):
    assert understand(api, "想在小区门口弄个快递代收点")["aspect"] is None
    assert understand(api, "办好了能快递到家吗")["aspect"] == "mailing"


def test_small_talk_outside_the_questions_gets_a_word_back(api):
    assert understand(api, "👍")["small_talk"] == "ack"
    assert understand(api, "开饭店要多久")["small_talk"] is None
    resp = api.post("/api/dialogue/say", json={"what": "small_talk", "small_talk": "about_me"})
    assert "智能导航助手" in resp.json()["messages"][0]["text"]


def test_duration_before_the_situation_is_known_is_a_range(api):
    resp = api.post("/api/dialogue/answer", json={"focus": "route:open-clinic", "aspect": "duration"})
    text = resp.json()["messages"][0]["text"]
    assert "最快" in text and "最多" in text and "取决于" in text


def test_duration_names_the_statutory_waiting_periods_outside_the_time_limits(api):
    # Deregistration itself takes a day; the public notice (20 or 45 days) is what the citizen waits for.
    for answers in ({}, {"mode": "general"}):
        resp = api.post("/api/dialogue/answer", json={"focus": "route:close-company", "aspect": "duration",
                                                       "answers": answers})
        text = resp.json()["messages"][0]["text"]
        assert "公告" in text and "45日" in text and "20日" in text
    resp = api.post("/api/dialogue/answer", json={"focus": "route:open-clinic", "aspect": "duration"})
    assert "公告" not in resp.json()["messages"][0]["text"]


def test_plan_after_the_questions(api):
    resp = api.post("/api/dialogue/answer", json={"focus": "route:open-restaurant", "answers": {
        "entity": "individual", "area": "large", "sells_tobacco": "yes", "signboard": "no"}})
    body = resp.json()
    assert body["next_question"] is None and len(body["messages"]) == 3
    assert "消防" in body["messages"][0]["text"] and "烟草" in body["messages"][0]["text"]


@pytest.mark.parametrize("body, status", [
    ({"text": "x" * 2001}, 422),
    ({"text": "开饭店", "focus": "route:open-restaurant", "answers": {"entity": "martian"}}, 422),
    ({"text": "开饭店", "answers": {str(i): "a" for i in range(51)}}, 422),
    ({"text": 5}, 422),
])
def test_bad_understand_requests_are_refused_clearly(api, body, status):
    resp = api.post("/api/dialogue/understand", json=body)
    assert resp.status_code == status


def test_blank_text_is_understood_as_empty_not_an_error(api):
    u = understand(api, " \u200b ", focus="route:open-restaurant", current="entity")
    assert u["search"]["match"] == "none" and u["reading"]["act"] == "empty"


def test_unknown_focus_is_a_404_with_a_chinese_message(api):
    resp = api.post("/api/dialogue/answer", json={"focus": "route:no-such-route"})
    assert resp.status_code == 404 and "没有找到" in resp.json()["detail"]


def test_offer_buttons_carry_the_choice_payload(api):
    resp = api.post("/api/dialogue/say", json={"what": "offer", "results": [
        {"id": "passport", "kind": "item", "title": "普通护照签发", "department": "出入境", "score": 1.0}]})
    button = resp.json()["messages"][0]["buttons"][0]
    assert button["payload"] == '/choose_option{"choice":"item:passport"}'


@pytest.mark.parametrize("text, choice", [("2", 2), ("第二个", 2), ("就第一個吧", 1), ("开饭店", None), ("22", None)])
def test_a_reply_that_is_only_a_number_is_a_choice(api, text, choice):
    assert understand(api, text)["choice"] == choice


@pytest.mark.parametrize("text, referral, department", [
    ("想用公积金贷款买房，去哪里申请", "housing-fund-loan", "住房公积金管理中心"),
    ("老板拖欠工资三个月了怎么办", "wage-arrears", "劳动保障监察"),
    ("想给家里的狗办个狗证", "dog-registration", "公安"),
    ("楼上邻居装修噪音太大，找哪个部门", "neighbourhood-complaints", "公安"),
    ("公司一直不给交社保怎么办", "unpaid-social-insurance", "劳动保障监察"),
    ("家里突然停电了找谁", "power-outage", "供电企业"),
    ("家里暖气不热找谁", "heating", "供热企业"),
    ("邻居遛狗不拴绳找哪个部门", "dog-nuisance", "养犬管理部门"),
    ("快递丢了快递公司不管怎么办", "express-complaint", "邮政管理部门"),
    ("在超市买到过期食品去哪投诉", "food-safety", "市场监督管理部门"),
])
def test_a_domain_without_a_guide_is_said_plainly_with_who_handles_it(api, text, referral, department):
    u = understand(api, text)
    assert u["no_guide"]["referral"] == referral
    assert u["search"] == {"match": "none", "results": []}  # no unrelated guides offered
    reply = u["no_guide"]["reply"]["messages"][0]["text"]
    assert "没有" in reply and department in reply and "依据" in reply and "12345" in reply


@pytest.mark.parametrize("text, guide", [
    ("身份证被偷了怎么补办", "resident-id-card"),
    ("电表过户会停电吗", "electricity-transfer"),
    ("外地孩子转学来本市读一年级怎么报名", "primary-school-enrolment"),
    ("二手房过户后物业费谁交", "second-hand-house"),
    ("聘请外国人来华工作要办签证吗", "foreign-employee"),
])
def test_a_question_a_guide_answers_is_not_referred(api, text, guide):
    """Words near a referral's (被偷, 停电, 转学, 物业费, 签证) in a question the base has a guide for."""
    u = understand(api, text)
    assert u["no_guide"] is None
    assert u["search"]["results"][0]["id"] == guide


def test_a_referral_word_the_route_in_focus_answers_is_not_referred(api):
    """公积金贷款 answers 二手房's 贷款 question: a fact, not a domain without a guide."""
    u = understand(api, "公积金贷款", focus="route:second-hand-house", current="loan")
    assert u["no_guide"] is None
    assert {f["question"]: f["value"] for f in u["reading"]["facts"]} == {"loan": "yes"}
