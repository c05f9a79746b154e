"""The intents whose words must agree with the classifier (bot/components/intent_guards.py): the rules
and the NLU data must agree; an answer that only counts people is no handoff, a new goal no stop."""
from __future__ import annotations

import re

import pytest
import yaml

from knowledge.dialogue.acts import (
    asks_for_person,
    gives_a_rating,
    may_ask_for_the_notice,
    names_a_new_goal,
    says_goodbye,
    says_stop,
    says_thanks,
)
from tests.stack import ROOT


def examples(intent: str) -> list[str]:
    nlu = yaml.safe_load((ROOT / "bot" / "data" / "nlu.yml").read_text(encoding="utf-8"))["nlu"]
    # "[5](rating)分" is what the classifier sees as "5分"
    return [re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.removeprefix("- ").strip())
            for block in nlu if block.get("intent") == intent for line in block["examples"].splitlines() if line.strip()]


def test_every_handoff_example_asks_for_a_person():
    assert len(examples("human_handoff")) > 30
    assert [e for e in examples("human_handoff") if not asks_for_person(e)] == []


def test_every_stop_example_says_stop_and_names_no_new_goal():
    assert len(examples("stop")) > 30
    assert [e for e in examples("stop") if not says_stop(e)] == []


def test_every_notice_example_may_ask_for_the_notice():
    assert len(examples("ask_notice")) > 30
    assert [e for e in examples("ask_notice") if not may_ask_for_the_notice(e)] == []


def test_every_goodbye_and_thanks_example_says_so():
    assert len(examples("goodbye")) > 30 and len(examples("thank")) > 30
    assert [e for e in examples("goodbye") if not says_goodbye(e)] == []
    assert [e for e in examples("thank") if not says_thanks(e)] == []


@pytest.mark.parametrize("text", ["我下个月满60要退休了", "交了三年了，公司辞退的", "个体户 八十平"])
def test_a_fact_is_no_goodbye_nor_thanks(text):
    assert not says_goodbye(text) and not says_thanks(text)


@pytest.mark.parametrize("text", ["丢了", "坏了", "不见了", "过期了"])
def test_a_short_answer_is_no_stop(text):
    assert not says_stop(text)


@pytest.mark.parametrize("text", ["开个打印店 个体户", "想开家图文快印社", "搞个复印打印部"])
def test_opening_a_printing_business_is_no_notice_request(text):
    assert not may_ask_for_the_notice(text)


@pytest.mark.parametrize("text", ["算了KTV不搞了，改开个宾馆", "算了，还是开便利店吧", "不弄饭店了，想做个民宿"])
def test_turning_to_another_goal_is_no_stop(text):
    assert names_a_new_goal(text)


@pytest.mark.parametrize("text", ["就我一个人干", "夫妻两个人开", "家里没别人", "请了三个人", "我们俩人搞"])
def test_counting_people_is_not_asking_for_one(text):
    assert not asks_for_person(text)


@pytest.mark.parametrize("text", ["转人工", "有人能帮我看看吗", "找个工作人员", "电话多少", "我不想跟机器说话"])
def test_asking_for_a_person(text):
    assert asks_for_person(text)


def test_every_rating_example_rates():
    assert len(examples("give_rating")) > 30
    assert [e for e in examples("give_rating") if not gives_a_rating(e)] == []


@pytest.mark.parametrize("text", ["开火锅店，个体，200平", "三个人合伙", "我家老人85岁了", "开个分公司"])
def test_a_number_in_a_fact_is_no_rating(text):
    assert not gives_a_rating(text)
