"""End-to-end conversations with the running assistant over Rasa's REST channel.

Real processes (knowledge service, action server, Rasa with the trained model), several turns per
conversation, asserting on meaning — guide names, departments, keywords, event records — rather
than on exact wording, so replies can be reworded without breaking the tests.
"""
from __future__ import annotations

import uuid

import httpx
import pytest

from tests.stack import ADMIN_PASSWORD, Stack, login, say, texts

HOTLINE = "0000-12345"


class Citizen:
    """One conversation: a fresh sender id, and the bot's last messages kept for clicking buttons."""

    def __init__(self, stack: Stack, name: str) -> None:
        self.stack = stack
        self.sender = f"{name}-{uuid.uuid4().hex[:8]}"
        self.last: list[dict] = []

    def says(self, text: str) -> str:
        self.last = say(self.stack.rasa_url, self.sender, text)
        return texts(self.last)

    def buttons(self) -> list[dict]:
        return [b for m in self.last for b in m.get("buttons") or []]

    def clicks(self, title_part: str) -> str:
        """Sends the payload of the button whose title contains title_part, as the web page does."""
        button = next((b for b in self.buttons() if title_part in b["title"]), None)
        assert button, f"no button containing {title_part!r} in {self.buttons()}"
        return self.says(button["payload"])

    def events(self, type_: str) -> list[dict]:
        """The events staff see for this conversation (reading them needs a signed-in account)."""
        with login(self.stack.knowledge_url, "admin", ADMIN_PASSWORD) as staff:
            resp = staff.get("/api/conversations/events", params={"type": type_})
        resp.raise_for_status()
        return [e for e in resp.json() if e["conversation_id"] == f"web:{self.sender}"]  # REST: web:<sender>


@pytest.fixture
def citizen(stack, request) -> Citizen:
    return Citizen(stack, request.node.name[:40])


def plan_of(reply: str) -> str:
    """The plan part of a reply (from the '根据您的情况…需要办 N 件事' summary on)."""
    assert "需要办" in reply and "件事" in reply, reply
    start = reply.find("根据您的情况")
    return reply[start if 0 <= start < reply.index("需要办") else reply.index("需要办"):]


def notice_link(reply: str) -> str:
    start = reply.index("http")
    return reply[start:].split()[0].rstrip("）)")


# ---- the walk-through to a tailored plan -------------------------------------------------------

def test_restaurant_free_text_answers_lead_to_a_tailored_plan(citizen, stack):
    first = citizen.says("我想开个饭店，要办哪些手续")
    assert "开办餐饮店" in first
    assert "身份" in first and citizen.buttons(), "the first situation question should come with option buttons"

    second = citizen.says("个体户")
    assert "面积" in second, second
    third = citizen.says("大概80平")
    assert "烟" in third, third
    fourth = citizen.says("不卖烟")
    assert "招牌" in fourth, fourth
    reply = citizen.clicks("不挂")

    plan = plan_of(reply)
    assert "个体工商户" in plan and "300平方米以下" in plan and "不卖烟" in plan  # the answers it used
    assert "个体工商户设立登记" in plan and "食品经营许可" in plan
    # Answers exclude steps: no company registration, no fire inspection (<300 m²), no tobacco licence.
    for excluded in ("企业设立登记", "消防安全检查", "烟草专卖零售许可"):
        assert excluded not in plan, f"{excluded} should not be in a small individual restaurant's plan"
    assert "市场监督管理局" in plan and "工作日" in plan
    assert "材料清单" in reply and "身份证" in reply
    assert "依据" in reply

    link = notice_link(reply[reply.index("告知单"):])
    assert link.startswith(stack.knowledge_url) and "open-restaurant" in link
    notice = httpx.get(link, timeout=30)
    assert notice.status_code == 200 and notice.headers["content-type"].startswith("text/html")
    assert "餐饮" in notice.text and "个体工商户设立登记" in notice.text


def test_restaurant_answers_by_clicking_option_labels(citizen):
    citizen.says("我想开个饭店，要办哪些手续")
    citizen.clicks("公司")
    citizen.clicks("300平方米及以上")
    citizen.clicks("卖烟")
    reply = citizen.clicks("要挂招牌")
    plan = plan_of(reply)
    for step in ("企业设立登记", "食品经营许可", "消防安全检查", "烟草专卖零售许可", "招牌"):
        assert step in plan, f"{step} missing from a large company restaurant's plan"
    assert "个体工商户设立登记" not in plan
    assert "消防救援" in plan and "烟草专卖局" in plan  # departments of the added steps
    assert "可同时办理" in plan  # parallel phase after the licence


def test_a_question_during_the_questions_is_not_taken_for_an_answer(citizen):
    citizen.says("我想开个饭店")
    for answer in ("个体户", "80平", "不卖烟"):
        citizen.says(answer)
    reply = citizen.says("要多久")  # "要" is also the cue for "要挂招牌"
    assert "（4/4）" in reply and "根据您的情况" not in reply, reply
    plan = citizen.says("不挂")
    assert "根据您的情况" in plan and "不挂" in plan, plan


def test_skipping_the_questions_shows_the_general_plan(citizen):
    citizen.says("我想开个饭店")
    reply = citizen.says("跳过")
    plan = plan_of(reply)
    assert "食品经营许可" in plan and "工作日" in plan
    assert "告知单" in reply


def test_traditional_characters_are_understood(citizen):
    first = citizen.says("我想開一家餐廳，要辦哪些手續")
    assert "开办餐饮店" in first and "身份" in first
    second = Citizen(citizen.stack, "traditional-item")
    reply = second.says("辦護照要帶什麼材料")
    assert "普通护照签发" in reply and "身份证" in reply


# ---- ambiguity -------------------------------------------------------------------------------

def test_ambiguous_request_offers_numbered_choices_and_2_picks_the_second(citizen):
    reply = citizen.says("开店")
    assert "1." in reply and "2." in reply and "序号" in reply
    offered = citizen.buttons()
    assert len(offered) >= 2
    second_title = offered[1]["title"]
    chosen = citizen.says("2")
    assert second_title in chosen, f"choosing 2 should present {second_title!r}"


def test_none_of_the_choices_is_taken_as_a_missing_guide(citizen):
    reply = citizen.says("开店")
    assert "都不是" in reply and "转人工" in reply  # the way out is said with the choices
    reply = citizen.says("都不是")
    assert "指南" in reply and HOTLINE in reply, reply
    assert "1." not in reply  # not the same choices again
    chosen = citizen.says("2")  # the choices are withdrawn: a bare number no longer picks one
    assert "先告诉我您想办什么事" in chosen, chosen


FOLLOW_UPS = [
    ("要带哪些材料", ["身份证"]),
    ("要多久", ["工作日"]),
    ("收费吗", ["120"]),
    ("在哪里办", ["地点", "窗口"]),
    ("能网上办吗", ["窗口办理"]),
    ("材料不全能先办吗", ["容缺"]),
]


def test_follow_ups_are_answered_about_the_item_in_focus_with_their_source(citizen):
    card = citizen.says("办护照")
    assert "普通护照签发" in card and "出入境管理支队" in card
    for question, keywords in FOLLOW_UPS:
        reply = citizen.says(question)
        assert "普通护照签发" in reply, f"{question}: not about the passport: {reply}"
        assert "依据" in reply and "出入境管理支队" in reply, f"{question}: no source: {reply}"
        for keyword in keywords:
            assert keyword in reply, f"{question}: expected {keyword!r} in {reply}"


ROUTE_FOLLOW_UPS = [
    ("要带哪些材料", ["材料清单", "经营者身份证"]),
    ("要多久", ["工作日", "个体工商户"]),
    ("收费吗", ["不收费"]),
    ("在哪里办", ["市场监督管理局", "窗口"]),
    ("能网上办吗", ["全程网办"]),
    ("材料不全能先办吗", ["容缺", "经营场所使用证明"]),
]


def test_follow_ups_about_a_route_use_the_tailored_plan(citizen):
    citizen.says("我想开个饭店")
    for answer in ("个体工商户", "300平方米以下", "不卖烟", "不挂"):
        citizen.clicks(answer)
    for question, keywords in ROUTE_FOLLOW_UPS:
        reply = citizen.says(question)
        assert "开办餐饮店" in reply or "个体工商户设立登记" in reply, f"{question}: not about the route: {reply}"
        assert "依据" in reply, f"{question}: no source: {reply}"
        assert "您打算以什么身份" not in reply, f"{question}: the situation questions started again"
        for keyword in keywords:
            assert keyword in reply, f"{question}: expected {keyword!r} in {reply}"


def test_follow_ups_after_skipping_the_questions_are_answered(citizen):
    citizen.says("我想开个饭店")
    citizen.says("跳过")
    materials = citizen.says("要带哪些材料")
    assert "材料清单" in materials and "开办餐饮店" in materials
    fee = citizen.says("收费吗")
    assert "开办餐饮店" in fee and "收费" in fee and "没能确定" not in fee


def test_a_new_goal_during_the_situation_questions_switches_the_focus(citizen):
    citizen.says("我想开个饭店")
    reply = citizen.says("办护照")
    assert "普通护照签发" in reply, reply


def test_a_new_route_during_the_questions_asks_its_own_questions(citizen):
    citizen.says("我想开个饭店")
    reply = citizen.says("那开药店要办哪些证")
    assert "药店" in reply and "（1/" in reply, reply
    assert "餐饮" not in reply and "（2/" not in reply, "the restaurant questions must have stopped"
    for _ in range(6):  # answer the pharmacy's questions with their first options
        if "/api/routes/open-pharmacy/notice" in reply:
            break
        reply = citizen.clicks(citizen.buttons()[0]["title"])
    assert "/api/routes/open-pharmacy/notice" in reply, reply


def test_a_new_goal_switches_the_focus(citizen):
    citizen.says("办护照")
    reply = citizen.says("那开药店要多久")
    assert "零售药店" in reply and "护照" not in reply
    citizen.says("跳过")
    fee = citizen.says("收费吗")
    assert "零售药店" in fee and "护照" not in fee


# ---- practices, scope ------------------------------------------------------------------------

def test_practice_questions_are_answered_from_the_faq(citizen):
    rongque = citizen.says("什么是容缺受理")
    assert "容缺" in rongque and "补" in rongque and "依据" in rongque
    hours = citizen.says("大厅几点上班")
    assert "9:00" in hours and "工作日" in hours


def test_a_definition_question_while_an_item_is_in_focus_reaches_the_faq(citizen):
    citizen.says("办护照")
    reply = citizen.says("什么是容缺受理")
    assert "主审要件" in reply or "次要" in reply, reply  # the practice explained, not the passport's materials


def test_out_of_scope_gets_a_scope_statement_not_a_permit(citizen):
    reply = citizen.says("今天天气怎么样")
    assert "服务范围" in reply
    for permit_word in ("【", "许可", "登记", "材料清单"):
        assert permit_word not in reply


# ---- handoff, misunderstanding, rating -------------------------------------------------------

def test_handoff_gives_the_hotline_and_records_an_event(citizen):
    reply = citizen.says("转人工")
    assert HOTLINE in reply and "工作日" in reply
    assert any((m.get("custom") or {}).get("handoff") for m in citizen.last)
    events = citizen.events("handoff")
    assert len(events) == 1 and events[0]["data"]["reason"] == "requested"
    assert any(line["text"] == "转人工" for line in events[0]["data"]["transcript"])


def test_handoff_during_the_situation_questions(citizen):
    citizen.says("我想开个饭店")
    reply = citizen.says("转人工")
    assert HOTLINE in reply
    events = citizen.events("handoff")
    assert len(events) == 1 and events[0]["data"]["focus"] == "route:open-restaurant"
    # The form is closed: the next goal is navigated, not taken as a situation answer.
    assert "普通护照签发" in citizen.says("办护照")


def test_an_answer_that_counts_people_is_not_a_handoff(citizen):
    citizen.says("我想开个饭店")
    reply = citizen.says("就我跟我老婆两个人干")
    assert HOTLINE not in reply and "转人工" not in reply
    assert citizen.events("handoff") == []
    assert "？" in reply  # the questions go on


def test_giving_up_one_goal_for_another_mid_form_switches_not_stops(citizen):
    citizen.says("开个KTV")
    reply = citizen.says("算了KTV不搞了，改开个宾馆")
    assert "宾馆" in reply and "旅馆业特种行业许可" in reply
    assert "娱乐场所经营许可" not in reply


def test_repeated_misunderstanding_hands_off(citizen):
    first = citizen.says("阿巴阿巴咕噜")
    assert "没有找到" in first or "没太明白" in first
    second = citizen.says("嗯哼哈嘿呜")
    assert HOTLINE in second and "人工" in second
    events = citizen.events("handoff")
    assert [e["data"]["reason"] for e in events] == ["repeated_misunderstanding"]


def test_goodbye_asks_for_a_rating_and_stores_it(citizen):
    citizen.says("办护照")
    bye = citizen.says("再见")
    assert "打个分" in bye or "评价" in bye or "打分" in bye
    titles = [b["title"] for b in citizen.buttons()]
    assert len(titles) == 5 and any("5分" in t for t in titles)
    thanks = citizen.says("5分")
    assert "感谢" in thanks
    ratings = citizen.events("rating")
    assert len(ratings) == 1 and ratings[0]["rating"] == 5 and ratings[0]["guide_id"] == "passport"
    # Once rated, goodbye does not ask again.
    again = citizen.says("再见")
    citizen_buttons = citizen.buttons()
    assert "再见" in again and not citizen_buttons


def test_clicking_a_rating_button_stores_it(citizen):
    citizen.says("谢谢")
    citizen.clicks("2分")
    ratings = citizen.events("rating")
    assert [r["rating"] for r in ratings] == [2]


# ---- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["", "   "])
def test_empty_message_gets_a_polite_answer(citizen, message):
    reply = citizen.says(message)
    assert "请输入" in reply, f"no polite prompt for an empty message: {reply!r}"


def test_huge_message_gets_a_polite_answer_and_the_conversation_goes_on(citizen):
    reply = citizen.says("我想开个饭店" * 834)  # 5004 characters
    assert reply.strip() and "Traceback" not in reply and "error" not in reply.lower()
    # The assistant is still there for the same citizen afterwards (handoff works in and out of the form).
    assert HOTLINE in citizen.says("转人工")


def test_huge_message_is_not_reported_as_a_service_outage(citizen):
    reply = citizen.says("".join(f"第{i}句话，我想问问开个店到底要准备什么东西。" for i in range(300))[:5000])
    assert "暂时无法访问" not in reply, reply
