"""What the actions decide, turn by turn, on recorded Trackers (rasa-sdk's Tracker and
CollectingDispatcher, as RasaHQ/rasa-demo's action tests do), against the real knowledge service."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import centre
from actions import knowledge_client as kb
from actions.feedback import ActionRate
from actions.greeting import ActionGreet
from actions.navigate import ActionNavigate
from actions.situation import ActionShowPlan, ValidateSituationForm

RESTAURANT = "route:open-restaurant"
DOMAIN: dict[str, Any] = {"forms": {"situation_form": {"required_slots": ["situation_answer"]}},
                          "slots": {"situation_answer": {}}}


@pytest.fixture(autouse=True)
def _knowledge(knowledge_url):
    kb._session = None  # a fresh aiohttp session per event loop
    yield


def tracker(text: str, intent: str = "request_guide", confidence: float = 1.0, **slots: Any) -> Tracker:
    return Tracker("test-user", {"situation_misses": 0, **slots},
                   {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []},
                   [], False, None, None, "action_listen")


def navigate(text: str, intent: str = "request_guide", confidence: float = 1.0,
             **slots: Any) -> tuple[dict, str, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(_close_after(ActionNavigate().run(dispatcher, tracker(text, intent, confidence, **slots), {})))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, said(dispatcher), dispatcher


def answer(text: str, intent: str = "request_guide", **slots: Any) -> tuple[dict, str, CollectingDispatcher]:
    """The form's validator on one reply while a situation question is open."""
    dispatcher = CollectingDispatcher()
    t = tracker(text, intent, **slots)
    t.slots["situation_answer"] = text
    result = asyncio.run(_close_after(
        ValidateSituationForm().validate_situation_answer(text, dispatcher, t, DOMAIN)))
    return result, said(dispatcher), dispatcher


async def _close_after(coro):
    try:
        return await coro
    finally:
        if kb._session is not None:
            await kb._session.close()


def said(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def asking(question_id: str, **slots: Any) -> dict:
    """Slots while the restaurant form asks question_id (the next_question the knowledge service gave)."""
    return {"focus": RESTAURANT, "requested_slot": "situation_answer", "next_question": {"id": question_id, "number": 1, "total": 4,
                                                    "message": {"text": "?", "buttons": []}}, **slots}


def test_facts_in_the_first_message_are_taken_and_not_asked_again():
    slots, text, _ = navigate("想开个500平的火锅店，还卖烟")
    assert slots["focus"] == RESTAURANT
    assert slots["situation"] == {"area": "large", "sells_tobacco": "yes"}
    assert slots["situation_needed"] is True
    assert slots["next_question"]["id"] == "entity"


def test_several_facts_in_one_reply_fill_several_questions():
    slots, text, _ = answer("个体户，80平左右，不卖烟酒", **asking("entity", situation={}))
    assert slots["situation"] == {"entity": "individual", "area": "small", "sells_tobacco": "no"}
    assert slots["next_question"]["id"] == "signboard"
    assert "已记下" in text and slots["situation_answer"] is None


def test_duration_asked_mid_form_gets_a_range_and_the_form_goes_on():
    slots, text, _ = answer("这个要多久？", "ask_duration", **asking("entity", situation={}))
    assert "工作日" in text and "没能确定" not in text
    assert slots["situation"] == {} and slots["next_question"]["id"] == "entity"


def test_a_question_about_a_step_is_answered_not_taken_as_an_answer():
    slots, text, _ = answer("要刻章吗？", **asking("sells_tobacco", situation={"entity": "company", "area": "small"}))
    assert "刻" in text and "需要办理" in text
    assert "sells_tobacco" not in slots["situation"]


def test_correction_changes_the_earlier_answer():
    slots, text, _ = answer("不对，是开公司", **asking("sells_tobacco", situation={"entity": "individual", "area": "small"}))
    assert slots["situation"]["entity"] == "company"
    assert "改为" in text


def test_a_miss_offers_buttons_once_and_never_repeats_itself():
    slots, first, dispatcher = answer("随便问问", **asking("sells_tobacco", situation={"entity": "individual"}))
    assert "没能" in first and slots["situation_misses"] == 1
    titles = [b["title"] for b in slots["next_question"]["message"]["buttons"]]
    assert "不确定" in titles and "跳过" in titles
    slots, second, _ = answer("那个那个", **asking("sells_tobacco", situation={"entity": "individual"}, situation_misses=1))
    assert "没能" not in second and "先放一放" in second
    assert slots["unsure"] == ["sells_tobacco"] and slots["next_question"]["id"] == "area"


def test_unsure_explains_what_the_answer_changes():
    slots, text, _ = answer("不确定", **asking("area", situation={"entity": "individual"}))
    assert "消防" in text and slots["unsure"] == ["area"]


def test_follow_up_naming_a_step_is_answered_for_that_step():
    slots, text, _ = navigate("医保能手机上办吗", "ask_online", focus="route:newborn",
                              situation={"married": "yes", "hukou_with": "father"})
    assert "医疗保险" in text or "医保" in text
    assert "出生医学证明" not in text.split("\n")[0]


def test_a_goal_not_yet_in_focus_is_introduced_whatever_aspect_the_classifier_guessed():
    # The classifier filed a goal under an aspect act; the words ask for no aspect: the route is introduced.
    slots, text, _ = navigate("我明年就到年龄了 退休要办些啥", "ask_conditions")
    assert slots["focus"] == "route:retirement"
    assert "受理条件" not in text.split("\n")[0]
    # Words that do ask for one still get it.
    _, text, _ = navigate("退休手续要带什么材料", "ask_materials")
    assert "材料" in text


def test_a_long_message_filed_as_a_rating_nobody_asked_for_is_navigated():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(_close_after(ActionRate().run(dispatcher, tracker("驾照扣了9分能不能消分", "give_rating"), {})))
    assert "打 1-5 分" not in said(dispatcher) and said(dispatcher)
    assert not any(e.get("name") == "rated" for e in events)


def test_an_emoji_after_the_plan_gets_a_word_back_not_a_missing_guide():
    _, text, _ = navigate("👍", "nlu_fallback", focus=RESTAURANT, situation={"entity": "individual"})
    assert text.startswith("好的") and "没有找到" not in text


def test_a_fact_after_the_plan_tailors_it_again_even_when_it_names_a_step():
    answers = {"entity": "individual", "area": "small", "sells_tobacco": "no", "signboard": "no"}
    slots, text, _ = navigate("想了想还是要挂个招牌", "inform", focus=RESTAURANT, situation=answers)
    assert slots["situation"]["signboard"] == "yes"
    assert "不需要" not in text.split("\n")[0]


def test_someone_else_handing_it_in_is_the_proxy_practice():
    _, text, _ = navigate("能让家里人去帮我办执照吗", "ask_mailing", focus=RESTAURANT,
                          situation={"entity": "individual"})
    assert "委托" in text and "邮寄" not in text


def test_a_refused_request_is_a_bug_not_an_outage(caplog):
    with caplog.at_level(logging.ERROR):
        _, text, _ = navigate("要多久", "ask_duration", focus=RESTAURANT, situation={"entity": "no-such-option"})
    assert "暂时无法访问" not in text and "出了问题" in text
    assert any("refused" in r.message and "422" in r.message for r in caplog.records)


def test_an_outage_gets_the_apology(monkeypatch):
    monkeypatch.setattr(kb, "KNOWLEDGE_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    _, text, _ = navigate("开饭店要什么材料", "ask_materials")
    assert "暂时无法访问" in text


def test_a_wechat_subscribe_event_mid_form_is_not_a_miss():
    """WeChat turns a subscribe event into the greet intent ("/greet"): a word back, the question kept."""
    slots, text, _ = answer("/greet", "greet", **asking("area", situation={"entity": "individual"}))
    assert "没能" not in text and "您好" in text
    assert slots.get("situation_misses", 0) == 0 and "situation" not in slots


def test_small_talk_mid_form_is_thanked_and_the_question_kept():
    slots, text, _ = answer("给你点个赞", **asking("area", situation={"entity": "individual"}))
    assert "谢谢" in text and "没能" not in text
    assert slots["next_question"]["id"] == "area" and slots["situation_misses"] == 0


def test_a_number_after_a_list_of_choices_picks_that_guide():
    slots, text, _ = navigate("就第二个吧", "choose_option", offered=["item:passport", "route:open-restaurant"])
    assert slots["focus"] == RESTAURANT and "餐饮" in text


def test_a_number_with_no_list_asks_for_the_goal_first():
    slots, text, _ = navigate("2", "choose_option")
    assert "请先告诉我您想办什么事" in text and "focus" not in slots


def test_a_domain_without_a_guide_names_who_handles_it_and_offers_nothing():
    slots, text, dispatcher = navigate("公积金贷款买房在哪里申请")
    assert "没有" in text and "住房公积金管理中心" in text and "12329" in text
    assert not any(m.get("buttons") for m in dispatcher.messages)  # no unrelated guides offered
    assert slots.get("offered") is None and "focus" not in slots


def test_a_domain_without_a_guide_mid_form_keeps_the_question():
    slots, text, _ = answer("对了，劳动仲裁去哪申请？", **asking("area", situation={"entity": "individual"}))
    assert "劳动人事争议仲裁委员会" in text and "没能" not in text
    # nothing taken, not a miss, the form not finished: the area question is asked again
    assert slots.get("situation_answer") is None and "situation" not in slots
    assert slots.get("situation_misses", 0) == 0


def test_the_greeting_comes_from_the_knowledge_service_in_the_centres_name():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(_close_after(ActionGreet().run(dispatcher, tracker("你好", "greet"), {})))
    text = said(dispatcher)
    assert events == [] and "“审批导航”助手" in text and centre.NAME in text


def validate_as_rasa_does(text: str | None, intent: str = "request_guide", **slots: Any) -> tuple[list, list]:
    """validate_situation_form run whole, as Rasa's form calls it: the tracker ends with the form's
    ActionExecuted and, when the citizen's message filled situation_answer, that slot candidate.
    Returns the reply's events and messages."""
    dispatcher = CollectingDispatcher()
    events = [{"event": "action", "name": "situation_form"}]
    if text is not None:
        events.append({"event": "slot", "name": "situation_answer", "value": text})
    t = Tracker("test-user", {"situation_misses": 0, "situation_answer": text, **slots},
                {"text": text or "", "intent": {"name": intent, "confidence": 1.0}, "entities": []},
                events, False, None, {"name": "situation_form"}, "situation_form")
    reply = asyncio.run(_close_after(ValidateSituationForm().run(dispatcher, t, DOMAIN)))
    return reply, dispatcher.messages


def test_the_validation_asks_the_next_question_in_its_own_reply():
    """No action_ask_situation_answer: Rasa's form asks nothing itself, so the question the form goes on
    with comes last in the validation's reply, with its buttons."""
    events, messages = validate_as_rasa_does("个体户", **asking("entity", situation={}))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["situation_answer"] is None and "已记下" in messages[0]["text"]
    assert messages[-1]["text"] == slots["next_question"]["message"]["text"]
    assert messages[-1]["buttons"] == (slots["next_question"]["message"]["buttons"] or [])
    assert sum(m["text"] == messages[-1]["text"] for m in messages) == 1


def test_at_activation_the_validation_asks_the_first_question():
    """The form starts after action_navigate set next_question: nothing to validate yet, the question is asked."""
    question = {"id": "entity", "number": 1, "total": 4, "message": {"text": "（1/4）您打算以什么身份经营？", "buttons": []}}
    events, messages = validate_as_rasa_does(None, focus=RESTAURANT, requested_slot=None, next_question=question)
    assert events == [] and [m["text"] for m in messages] == [question["message"]["text"]]


def test_the_validation_asks_nothing_when_the_last_question_is_answered():
    events, messages = validate_as_rasa_does(
        "不挂", "deny", **asking("signboard", situation={"entity": "individual", "area": "small", "sells_tobacco": "no"}))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["situation_answer"] == "done" and slots["next_question"] is None
    assert "已记下" in messages[0]["text"] and "?" not in [m["text"] for m in messages]


def test_the_validation_asks_nothing_when_a_new_goal_ends_the_form():
    events, messages = validate_as_rasa_does("那办护照呢", **asking("entity", situation={}))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["requested_slot"] is None and slots["switch_to"] == "item:passport"
    assert "?" not in [m["text"] for m in messages]


def test_a_follow_up_the_focus_guide_answers_in_its_own_questions():
    slots, text, _ = navigate("要户口本吗", focus="item:marriage-registration")
    assert "不再需要户口簿" in text and "以下哪一项" not in text
    assert "offered" in slots and slots["offered"] is None


def test_a_follow_up_the_focus_guide_does_not_answer_says_so_and_who_to_ask():
    slots, text, dispatcher = navigate("可以加急吗", focus="item:housing-fund-withdrawal")
    assert "没有写到" in text and "住房公积金管理中心" in text and "以下哪一项" not in text
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]][:1] == ["要带哪些材料"]
    assert slots["offered"] is None


def test_a_sure_classifier_aspect_is_answered_and_an_unsure_one_is_not():
    # ask_online at 0.89: "可以不去现场吗" is answered for the online aspect, not as a question the guide skips.
    _, text, _ = navigate("可以不去现场吗", "ask_online", 0.89, focus="item:housing-fund-withdrawal")
    assert "没有写到" not in text and "网办" in text
    # ask_mailing at 0.40 on "未成年能进吗": a guess, not an aspect.
    _, text, _ = navigate("未成年能进吗", "ask_mailing", 0.40, focus="item:housing-fund-withdrawal")
    assert "没有写到" in text and "邮寄" not in text


def test_a_follow_up_naming_another_topic_still_gets_the_choices():
    _, text, _ = navigate("社保怎么交", focus="item:housing-fund-withdrawal")
    assert "没有写到" not in text and "以下哪一项" in text


def test_a_question_mid_form_the_route_does_not_answer_is_not_promised_for_later():
    slots, text, _ = answer("可以加急吗", **asking("area", situation={"entity": "individual"}))
    assert "没有写到" in text and "先记下" not in text
    assert slots["situation_misses"] == 0 and slots["next_question"]["id"] == "area"


def test_a_side_question_mid_form_is_answered_and_the_route_kept():
    slots, text, _ = answer("坐诊的医生要有什么资格", **{
        **asking("profit", situation={}), "focus": "route:open-clinic"})
    assert "医师执业注册" in text and slots.get("switch_to") is None
    assert slots["next_question"]["id"] == "clinic_type" and slots["situation_misses"] == 0


def test_a_question_about_another_departments_item_mid_form_is_a_new_goal():
    slots, _, _ = answer("护照怎么办", **asking("area", situation={"entity": "individual"}))
    assert slots["switch_to"] == "item:passport"


def test_a_question_mid_form_answered_by_a_steps_own_questions():
    slots, text, _ = answer("没领结婚证能办出生证吗", **{
        **asking("married", situation={}), "focus": "route:newborn"})
    assert "出生医学证明" in text and "先记下" not in text
    assert "married" not in slots["situation"]


def test_a_correction_to_another_business_ends_the_form():
    slots, _, _ = answer("不对 不是幼儿园 是托育机构 收三岁以下的", **{
        **asking("kg_profit", situation={}), "focus": "route:open-private-kindergarten"})
    assert slots["switch_to"] == "route:open-childcare-centre"


def test_a_switch_mid_form_answers_the_new_goal_for_what_its_words_ask():
    # The classifier filed the correction under ask_deferral; its words ask for no aspect.
    slots, _, _ = answer("说错了 是收两三岁以下宝宝的托育 不是幼儿园", "ask_deferral", **{
        **asking("kg_profit", situation={}), "focus": "route:open-private-kindergarten"})
    assert slots["switch_to"] == "route:open-childcare-centre" and slots["pending_aspect"] is None
    dispatcher = CollectingDispatcher()
    t = tracker("说错了 是收两三岁以下宝宝的托育 不是幼儿园", "ask_deferral",
                focus="route:open-private-kindergarten", switch_to=slots["switch_to"], pending_aspect=None)
    asyncio.run(_close_after(ActionShowPlan().run(dispatcher, t, {})))
    text = said(dispatcher)
    assert "【开办托育机构" in text and "容缺" not in text.splitlines()[0]
