"""Situation understanding, called directly on the sample routes (no server): the fast layer."""
from __future__ import annotations

import pytest

from knowledge.catalogue import Catalogue
from knowledge.dialogue.numbers import digits, quantities
from knowledge.dialogue.situation import is_question, read
from knowledge.dialogue.steps import named_step, numbered_step


@pytest.fixture(scope="module")
def routes():
    return Catalogue.from_folder().routes


@pytest.fixture(scope="module")
def catalogue():
    return Catalogue.from_folder()


def facts(reading) -> dict[str, str]:
    return {f.question: f.value for f in reading.facts}


def test_several_facts_in_one_message(routes):
    r = read(routes["open-restaurant"], {}, "个体户，80平左右，不卖烟酒", current="entity")
    assert facts(r) == {"entity": "individual", "area": "small", "sells_tobacco": "no"}
    assert r.open_questions == ["signboard"]
    assert r.act == "answer"


def test_facts_in_the_first_message_before_any_question(routes):
    r = read(routes["open-restaurant"], {}, "想开个500平的火锅店，还卖烟")
    assert facts(r) == {"area": "large", "sells_tobacco": "yes"}
    assert r.open_questions[0] == "entity"


@pytest.mark.parametrize("text, value", [
    ("一百来平", "small"), ("五百多平米", "large"), ("不到300平", "small"), ("300平以上", "large"),
    ("大概八十平", "small"), ("两百九十九平", "small"),
])
def test_numbers_against_ranges(routes, text, value):
    r = read(routes["open-restaurant"], {"entity": "individual"}, text, current="area")
    assert facts(r) == {"area": value}


@pytest.mark.parametrize("text, expected", [
    ("有四百多个平方 两层楼", {"area": "large"}),  # the floors do not answer the area asked
    ("两层楼", {}), ("三个人合伙", {}),
    ("大概两百吧", {"area": "small"}),  # a bare number answers the question just asked
])
def test_a_number_counting_something_else_is_not_the_area(routes, text, expected):
    assert facts(read(routes["open-restaurant"], {"entity": "company"}, text, current="area")) == expected


@pytest.mark.parametrize("text, value", [
    ("個體戶", "individual"), ("个体的", "individual"), ("第一个", "individual"), ("2", "company"),
    ("揀第一個", "individual"), ("我挑第二个", "company"), ("就选后面那个吧", "company"),
    ("我哋係公司", "company"), ("不是公司，是个体", "individual"),
])
def test_traditional_cantonese_ordinals_and_negated_options(routes, text, value):
    assert facts(read(routes["open-restaurant"], {}, text, current="entity")) == {"entity": value}


@pytest.mark.parametrize("route, current, text, expected", [
    ("second-hand-house", "broadband", "宽带就不弄了", {"broadband": "no"}),
    ("start-company", "need_seal", "章要刻，票也要开", {"need_seal": "yes", "need_invoice": "yes"}),
    ("foreign-employee", "family", "家里没别人", {"family": "no"}),
    ("open-restaurant", "sells_tobacco", "唔賣", {"sells_tobacco": "no"}),
    ("open-restaurant", "sells_tobacco", "卖烟也不挂招牌", {"sells_tobacco": "yes", "signboard": "no"}),
    ("open-restaurant", "sells_tobacco", "卖烟但不挂招牌", {"sells_tobacco": "yes", "signboard": "no"}),
    ("open-auto-repair", "repair_work", "不是 我说错 其实只是洗车美容 不修车", {"repair_work": "no"}),
])
def test_negation_is_scoped_to_its_own_fact(routes, route, current, text, expected):
    answers = {"location": "abroad"} if route == "foreign-employee" else {}
    assert facts(read(routes[route], answers, text, current=current)) == expected


def test_a_question_is_not_an_answer(routes):
    r = read(routes["start-company"], {}, "要刻章吗？", current="need_seal")
    assert r.facts == [] and r.act == "question" and r.asks
    r = read(routes["open-clinic"], {}, "这个要多久？", current="clinic_type")
    assert r.facts == [] and r.act == "question"


def test_correction_changes_an_earlier_answer(routes):
    r = read(routes["open-restaurant"], {"entity": "individual", "area": "small"}, "不对，是开公司",
             current="sells_tobacco")
    assert r.act == "correction"
    assert [(f.question, f.value, f.previous) for f in r.facts] == [("entity", "company", "individual")]
    assert r.answers["entity"] == "company"


def test_unsure_leaves_the_question_open_and_moves_on(routes):
    r = read(routes["open-restaurant"], {"entity": "individual", "area": "small"}, "这个还不确定",
             current="sells_tobacco")
    assert r.act == "unsure" and r.unsure == ["sells_tobacco"] and r.facts == []
    assert r.open_questions == ["signboard"]


def test_small_talk_and_unrelated_text_give_no_facts(routes):
    assert read(routes["open-restaurant"], {}, "给你点个赞", current="entity").act == "small_talk"
    r = read(routes["open-restaurant"], {}, "今天天气怎么样", current="entity")
    assert r.facts == []


def test_yes_word_about_another_question_is_not_this_answer(routes):
    """'是' in "是开公司" answers the entity question, not the tobacco question being asked."""
    r = read(routes["open-restaurant"], {"entity": "individual"}, "是开公司", current="sells_tobacco")
    assert facts(r) == {"entity": "company"}


def test_empty_and_huge_input(routes):
    assert read(routes["open-restaurant"], {}, "   ", current="entity").act == "empty"
    r = read(routes["open-restaurant"], {}, "个体户" + "啊" * 5000, current="entity")
    assert facts(r) == {"entity": "individual"}


def test_chinese_numerals():
    assert digits("一百来平") == "100来平"
    assert [q.value for q in quantities("不到300平")] == [299.99]
    assert [q.value for q in quantities("1.2万")] == [12000]


@pytest.mark.parametrize("route, text, step", [
    ("newborn", "医保能手机上办吗", "insurance"), ("open-restaurant", "要刻章吗", "seal"),
    ("open-restaurant", "发票怎么领", "invoice"), ("open-restaurant", "要多久", None),
])
def test_step_named_in_a_follow_up(catalogue, route, text, step):
    found = named_step(catalogue.routes[route], catalogue, text)
    assert (found.id if found else None) == step


def test_the_step_in_the_citizens_plan_is_named_before_one_it_leaves_out(catalogue):
    route = catalogue.routes["open-restaurant"]
    assert named_step(route, catalogue, "营业执照能网上办吗").item == "company-registration"  # nearest alias
    individual = named_step(route, catalogue, "营业执照能网上办吗", {"entity": "individual"})
    assert individual.item == "individual-business-registration"
    # Named outright, the left-out step is still the one meant ("企业设立登记要多久" → 不需要办).
    assert named_step(route, catalogue, "企业设立登记要多久", {"entity": "individual"}).item == "company-registration"


@pytest.mark.parametrize("route, answers, current, text, expected", [
    # a weak "要" inside a sentence about something else is not this question's answer
    ("start-company", {}, "need_seal", "不对，我是要开饭店", {}),
    ("open-restaurant", {"entity": "individual"}, "area", "还没租到店面，不确定多大", {}),
    ("open-private-kindergarten", {}, "kg_profit", "不以赚钱为目的", {"kg_profit": "nonprofit"}),
    ("newborn", {"married": "yes"}, "hukou_with", "随爸", {"hukou_with": "father"}),
    ("individual-business", {"food": "none"}, "hire", "家里没别人，就我自己", {"hire": "no"}),
    ("foreign-employee", {}, "location", "人还在国外呢", {"location": "abroad"}),
])
def test_natural_replies_to_the_question_being_asked(routes, route, answers, current, text, expected):
    assert facts(read(routes[route], answers, text, current=current)) == expected


def test_praise_is_small_talk(routes):
    assert read(routes["open-hotel"], {}, "你真厉害", current="entity").act == "small_talk"


def test_keywords_with_numerals_still_match(routes):
    """Chinese numerals become digits for quantities only: "第一套" and "一个人" stay words."""
    r = read(routes["second-hand-house"], {}, "买的是第一套房", current="first_home")
    assert facts(r) == {"first_home": "first"}
    r = read(routes["foreign-employee"], {"location": "abroad"}, "他一个人来", current="family")
    assert facts(r) == {"family": "no"}
    assert facts(read(routes["open-restaurant"], {"entity": "individual"}, "八十平", current="area")) == {"area": "small"}


@pytest.mark.parametrize("route, answers, current, text, expected", [
    # a predicate after 都 speaks for every item listed before it, with 和 or with 、
    ("start-company", {}, "need_seal", "章和发票都不要", {"need_seal": "no", "need_invoice": "no"}),
    ("start-company", {}, "need_seal", "章、发票都要", {"need_seal": "yes", "need_invoice": "yes"}),
    # but not across a fact that has its own predicate
    ("open-restaurant", {}, "entity", "个体，不卖烟，招牌都要挂", {"entity": "individual", "sells_tobacco": "no",
                                                            "signboard": "yes"}),
    # "只X" names only something else: no to the question being asked
    ("open-bookstore", {"entity": "individual"}, "drinks", "只卖书", {"drinks": "no"}),
    ("open-pharmacy", {"entity": "individual"}, "devices", "只卖药品", {"devices": "no"}),
    ("open-hotel", {"entity": "individual"}, "catering", "只住宿", {"catering": "no"}),
    # ... while "只卖烟" still says yes
    ("open-restaurant", {"entity": "individual"}, "sells_tobacco", "只卖烟", {"sells_tobacco": "yes"}),
    # "不管饭" says no; "不管" is "whatever" only before what it ranges over
    ("open-bathhouse", {"entity": "individual"}, "meals", "不管饭", {"meals": "no"}),
    ("open-restaurant", {"entity": "individual"}, "signboard", "招牌就算了", {"signboard": "no"}),
])
def test_lists_exclusives_and_waved_away_things(routes, route, answers, current, text, expected):
    assert facts(read(routes[route], answers, text, current=current)) == expected


@pytest.mark.parametrize("route, answers, current, text, expected", [
    # "不卖" is an option word of both 农药 and 兽药: it answers only the question being asked
    ("open-farm-supply-shop", {"entity": "individual"}, "pesticide", "不卖农药", {"pesticide": "no"}),
    ("open-farm-supply-shop", {"entity": "individual", "pesticide": "no"}, "vet", "兽药不卖", {"vet": "no"}),
    # "不卖吃的" is about food; its "不卖" says nothing about tobacco
    ("open-convenience-store", {"entity": "individual"}, "food", "不卖吃的", {"food": "none"}),
    # a one-character topic word of the question being asked still names it
    ("start-company", {}, "need_seal", "章要刻的", {"need_seal": "yes"}),
])
def test_bare_yes_no_words_anchor_only_their_own_question(routes, route, answers, current, text, expected):
    assert facts(read(routes[route], answers, text, current=current)) == expected


ENTITY_ROUTES = ["open-restaurant", "open-convenience-store", "open-hotel", "open-beauty-salon", "open-ktv",
                 "open-pharmacy", "open-auto-repair", "open-gym"]


@pytest.mark.parametrize("route", ENTITY_ROUTES)
@pytest.mark.parametrize("text, value", [
    ("两口子自己干", "individual"), ("就我一个人做", "individual"), ("个人独资的", "company"),
    ("注册有限责任公司", "company"), ("不是公司", "individual"),
])
def test_everyday_words_for_the_business_form_in_every_route(routes, route, text, value):
    """The shared 经营身份 question understands the same everyday words in every route that asks it."""
    assert facts(read(routes[route], {}, text, current="entity")) == {"entity": value}


def test_a_few_people_counted_is_not_a_question(routes):
    r = read(routes["open-ktv"], {}, "几个朋友合伙成立公司", current="entity")
    assert facts(r) == {"entity": "company"}
    assert r.act == "answer"
    assert read(routes["start-company"], {}, "要几个股东？").act == "question"


def test_a_space_between_chinese_words_separates_clauses(routes):
    # WeChat users type spaces for commas: the question at the end does not swallow the facts before it.
    r = read(routes["job-move"], {}, "从外地调过来 那边交过公积金 户口不迁 社保咋转")
    assert facts(r) == {"fund": "yes", "hukou": "no"}
    assert r.asks == ["社保咋转"]


@pytest.mark.parametrize("text, expected", [("四五十个平方", "45个平方"), ("二三百平", "250平"), ("十五六平", "十五六平")])
def test_two_neighbouring_digits_name_a_range_read_by_its_middle(text, expected):
    assert digits(text) == expected


def test_question_words_shared_with_an_alias_name_no_step(routes, catalogue):
    assert named_step(routes["open-pharmacy"], catalogue, "要带什么材料") is None
    assert named_step(routes["open-pharmacy"], catalogue, "卖体温计要什么证吗").id == "devices"


@pytest.mark.parametrize("text, kind", [
    ("稍等我问下我老婆", "hold"), ("嗯嗯", "ack"), ("👍", "ack"), ("你是机器人吗", "about_me"), ("谢谢你", "thanks"),
    ("好滴 谢谢你啊 帮大忙了", "thanks"), ("谢啦 我周一去", "thanks"), ("问这么多烦死了", "annoyed"),
    ("太啰嗦了吧", "annoyed"), ("唉 真麻烦", "annoyed"),
])
def test_small_talk_mid_form_is_no_answer_and_no_miss(routes, text, kind):
    r = read(routes["open-restaurant"], {}, text, current="entity")
    assert (r.act, r.small_talk, r.facts) == ("small_talk", kind, [])
    assert "entity" in r.open_questions


@pytest.mark.parametrize("text", ["谢谢，要刻章吗", "烦死了 到底要多久"])
def test_thanks_or_annoyance_with_a_question_is_the_question(routes, text):
    assert read(routes["open-restaurant"], {}, text, current="entity").act == "question"


def test_an_acknowledgement_still_answers_a_yes_no_question(routes):
    r = read(routes["open-restaurant"], {"entity": "individual", "area": "small"}, "好的", current="sells_tobacco")
    assert facts(r) == {"sells_tobacco": "yes"}


@pytest.mark.parametrize("text, value", [("选第一个", "individual"), ("前面那个", "individual"), ("后面那个", "company"),
                                         ("最后一个", "company")])
def test_a_place_in_the_list_chooses_an_option(routes, text, value):
    assert facts(read(routes["open-restaurant"], {}, text, current="entity")) == {"entity": value}


def test_a_question_whether_the_assistant_is_official_is_small_talk(routes):
    assert read(routes["open-restaurant"], {}, "你们这个是官方的吗", current="entity").small_talk == "about_me"


@pytest.mark.parametrize("text", ["这个二类器械备案收费不", "烟卖不卖都行吗", "执照办好了没"])
def test_a_not_a_questions_and_their_clipped_tails_ask(text):
    assert is_question(text)


@pytest.mark.parametrize("text", ["没有", "烟不卖", "门头不弄", "我们没有"])
def test_negative_answers_do_not_ask(text):
    assert not is_question(text)


def test_a_step_pointed_at_by_its_number_in_the_overview_or_the_plan(routes, catalogue):
    clinic = routes["open-clinic"]
    assert numbered_step(clinic, catalogue, "第二步要带哪些材料", {}).id == clinic.steps[1].id
    answers = {"clinic_type": "clinic", "profit": "company", "xray": "yes"}
    assert numbered_step(clinic, catalogue, "第3步多久", answers).id == "filing"  # the plan skips 个体 registration
    assert numbered_step(clinic, catalogue, "第十步", answers) is None


def test_a_topic_word_shared_with_an_option_answers_both_questions(routes):
    # "泳池" is the topic of 有游泳池吗 and an option word of 高危项目: having one means both are yes.
    r = read(routes["open-gym"], {}, "开个健身房 带个小泳池 一千二百平方 注册公司")
    assert facts(r) == {"high_risk": "yes", "pool": "yes", "area": "large", "entity": "company"}
    assert r.open_questions == []


def test_a_negated_topic_word_answers_only_its_own_question(routes):
    # No pool says nothing about 攀岩 or 潜水, so 高危项目 is still asked.
    r = read(routes["open-gym"], {}, "开个健身房 没有泳池 注册公司")
    assert facts(r) == {"pool": "no", "entity": "company"}
    assert "high_risk" in r.open_questions


def test_the_predicate_after_dou_chooses_among_the_options_listed_before_it(routes):
    # 果盘 and 现做 name one option, 饮料 another; "都是现做的" says what all of them are.
    r = read(routes["open-ktv"], {}, "果盘饮料都是现做的", current="sells_food")
    assert facts(r) == {"sells_food": "prepared"}


@pytest.mark.parametrize("text, expected", [
    # "是" opens a sentence about who, not a yes to 有公积金吗; "不是" only opens the correction.
    ("不是 是我自己 我是自己交的灵活就业社保", {"insured_type": "flexible"}),
    ("有个问题想问", {}),
    ("好 辛苦你了", {}), ("没有了，谢谢", {}),  # closings, not replies
    ("有的，谢谢", {"has_fund": "yes"}), ("没有，谢谢", {"has_fund": "no"}),
    ("是的", {"has_fund": "yes"}), ("有的，交了好几年", {"has_fund": "yes"}), ("不是", {"has_fund": "no"}),
])
def test_a_bare_yes_is_a_reply_of_its_own(routes, text, expected):
    assert facts(read(routes["retirement"], {"insured_type": "employee"}, text, current="has_fund")) == expected


@pytest.mark.parametrize("text, value", [("店很小十几个平方", "small"), ("几十平", "small"), ("三百二十几平", "large")])
def test_approximate_numbers_are_numbers_not_questions(routes, text, value):
    r = read(routes["open-restaurant"], {"entity": "individual"}, text, current="area")
    assert facts(r) == {"area": value} and not r.asks


@pytest.mark.parametrize("text, expected", [
    ("开个小书店兼卖咖啡 个体户 50平 不卖烟", {"drinks": "yes", "entity": "individual"}),
    ("不卖烟", {}),  # says no to tobacco, which this bookshop is not asked about
    ("不卖了", {"drinks": "no"}), ("不卖，只卖书", {"drinks": "no"}), ("不卖咖啡", {"drinks": "no"}),
])
def test_a_bare_no_with_its_own_object_says_no_to_that_object(routes, text, expected):
    assert facts(read(routes["open-bookstore"], {}, text, current="drinks")) == expected
