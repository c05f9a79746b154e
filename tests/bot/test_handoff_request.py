"""A handoff needs words that ask for a person (bot/components/handoff_needs_a_request.py): the rule
and the NLU data must agree, and an answer that only counts people is not a request."""
from __future__ import annotations

import pytest
import yaml

from knowledge.dialogue.acts import asks_for_person
from tests.stack import ROOT


def test_every_handoff_example_asks_for_a_person():
    nlu = yaml.safe_load((ROOT / "bot" / "data" / "nlu.yml").read_text(encoding="utf-8"))["nlu"]
    examples = [line.removeprefix("- ").strip() for block in nlu if block.get("intent") == "human_handoff"
                for line in block["examples"].splitlines() if line.strip()]
    assert len(examples) > 30
    assert [e for e in examples if not asks_for_person(e)] == []


@pytest.mark.parametrize("text", ["就我一个人干", "夫妻两个人开", "家里没别人", "请了三个人", "我们俩人搞"])
def test_counting_people_is_not_asking_for_one(text):
    assert not asks_for_person(text)


@pytest.mark.parametrize("text", ["转人工", "有人能帮我看看吗", "找个工作人员", "电话多少", "我不想跟机器说话"])
def test_asking_for_a_person(text):
    assert asks_for_person(text)
