"""Free-text answers to situation questions, as citizens type them."""
import pytest

from actions.aspects import aspect_of
from actions.option_matching import match_option, ordinal

TOBACCO = {"options": [
    {"value": "yes", "label": "卖烟", "keywords": ["卖", "会", "要", "是", "有", "烟"]},
    {"value": "no", "label": "不卖烟", "keywords": ["不卖", "不会", "不要", "没有", "否"]},
]}
AREA = {"options": [
    {"value": "small", "label": "300平方米以下", "keywords": ["小"], "min": 0, "max": 300},
    {"value": "large", "label": "300平方米及以上", "keywords": ["大"], "min": 300},
]}
ENTITY = {"options": [
    {"value": "individual", "label": "个体工商户", "keywords": ["个体", "个人"]},
    {"value": "company", "label": "公司（有限责任公司等）", "keywords": ["公司", "企业"]},
]}


@pytest.mark.parametrize("text,expected", [
    ("会卖点烟", "yes"), ("不卖", "no"), ("不是", "no"), ("是的", "yes"), ("没有", "no"),
    ("嗯", "yes"), ("不用", "no"), ("卖烟", "yes"), ("不卖烟", "no"), ("2", "no"), ("第一个", "yes"),
])
def test_yes_no_answers(text, expected):
    assert match_option(TOBACCO, text)["value"] == expected


@pytest.mark.parametrize("text", ["今天天气", "", "   ", "7", "第九个"])
def test_non_answers_are_not_forced_into_an_option(text):
    assert match_option(TOBACCO, text) is None


@pytest.mark.parametrize("text,expected", [
    ("大概80平", "small"), ("５００平米", "large"), ("300", "large"), ("299.5平", "small"),
    ("挺大的", "large"), ("300平方米以下", "small"),
])
def test_numbers_fall_into_option_ranges(text, expected):
    assert match_option(AREA, text)["value"] == expected


@pytest.mark.parametrize("text,expected", [
    ("个体户", "individual"), ("我自己个人开", "individual"), ("开公司", "company"),
    ("公司（有限责任公司等）", "company"), ("company", "company"),
])
def test_labels_keywords_and_values(text, expected):
    assert match_option(ENTITY, text)["value"] == expected


CANTEEN = {"options": [
    {"value": "yes", "label": "自办食堂"},
    {"value": "no", "label": "不办食堂（外购配餐）"},
]}
PROFIT = {"options": [{"value": "nonprofit", "label": "非营利性"}, {"value": "profit", "label": "营利性"}]}


@pytest.mark.parametrize("question,text,expected", [
    (CANTEEN, "自办", "yes"), (CANTEEN, "不办", "no"), (CANTEEN, "外购配餐", "no"),
    (PROFIT, "营利性", "profit"), (PROFIT, "非营利", "nonprofit"),
])
def test_a_clipped_label_picks_the_one_option_it_is_part_of(question, text, expected):
    assert match_option(question, text)["value"] == expected


def test_a_clipped_label_shared_by_two_options_picks_neither():
    assert match_option(PROFIT, "营利") is None


@pytest.mark.parametrize("text,n", [("1", 1), ("第二个", 2), ("选3", 3), ("３", 3), ("第三项吧", 3)])
def test_ordinals(text, n):
    assert ordinal(text) == n


@pytest.mark.parametrize("text", ["10", "第一个公司", "我选护照", ""])
def test_not_ordinals(text):
    assert ordinal(text) is None


@pytest.mark.parametrize("intent,text,aspect", [
    ("ask_fee", "多少钱", "fee"),
    ("request_guide", "开饭店要带什么材料", "materials"),
    ("request_guide", "材料不齐能先受理吗", "deferral"),
    ("request_guide", "证能快递给我吗", "mailing"),
    ("request_guide", "我想开个饭店", None),
])
def test_aspects_from_intent_or_wording(intent, text, aspect):
    assert aspect_of(intent, text) == aspect
