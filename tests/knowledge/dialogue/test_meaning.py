"""Situation answers read by meaning (knowledge/dialogue/meaning.py), with the real embedding model on the
sample routes: what no route word anchors is answered only when one question clearly stands out."""
from __future__ import annotations

import pytest

from knowledge.catalogue import Catalogue
from knowledge.core.config import get_settings
from knowledge.dialogue.meaning import Meanings
from knowledge.dialogue.situation import read
from knowledge.search.embedder import Embedder


@pytest.fixture(scope="module")
def routes():
    return Catalogue.from_folder().routes


@pytest.fixture(scope="module")
def meanings() -> Meanings:
    return Meanings(Embedder(get_settings().embedding_model_dir))


def facts(reading) -> dict[str, str]:
    return {f.question: f.value for f in reading.facts}


@pytest.mark.parametrize("route, text, current, expected", [
    ("open-hotel", "早饭会给客人做", "catering", {"catering": "yes"}),
    ("open-childcare-centre", "中午那顿饭我们自己做", "meals", {"meals": "yes"}),
    ("open-bathhouse", "开个洗脚城 公司 两百平 不弄吃的", None, {"entity": "company", "area": "small", "meals": "no"}),
])
def test_an_answer_in_words_no_option_lists_is_read_by_meaning(routes, meanings, route, text, current, expected):
    r = read(routes[route], {}, text, current, meanings=meanings)
    assert facts(r) == expected
    # Without the meanings the same words anchor nothing of it: the rule is what answers.
    assert set(facts(read(routes[route], {}, text, current))) != set(expected)


@pytest.mark.parametrize("route, text, current", [
    ("open-hotel", "离地铁站很近", "catering"),  # about none of the questions
    ("open-restaurant", "要卖酒", "entity"),  # near 会卖香烟吗, but about something else
    ("open-restaurant", "卖点饮料", None),
    ("open-restaurant", "开在小区门口", "signboard"),
    ("open-auto-repair", "和朋友想开个汽修店", None),  # the goal, not a fact
    ("ride-hailing-driver", "我有驾照五年了", "own_car"),  # one question: nothing to stand out from
    ("open-restaurant", "大概下个月开业", "entity"),
    ("open-restaurant", "想开个火锅店", None),  # the goal, not a fact
    ("close-company", "没有欠债", "mode"),  # between two 简易注销 options
    ("open-restaurant", "好的", "entity"),
])
def test_a_clause_no_question_clearly_fits_answers_nothing(routes, meanings, route, text, current):
    assert facts(read(routes[route], {}, text, current, meanings=meanings)) == {}


def test_a_question_answered_in_words_is_not_read_again_by_meaning(routes, meanings):
    r = read(routes["open-restaurant"], {"entity": "individual"}, "不卖烟，门口那块就不弄了", "sells_tobacco",
             meanings=meanings)
    assert facts(r)["sells_tobacco"] == "no"
    assert "entity" not in facts(r)


def test_a_clause_that_defers_to_someone_else_answers_nothing(routes, meanings):
    r = read(routes["open-pet-clinic"], {}, "等会儿 我问问装修师傅门头的事", "signboard", meanings=meanings)
    assert facts(r) == {}
    assert r.act == "small_talk" and r.small_talk == "hold"


@pytest.mark.parametrize("text", ["", "   ", "。。。", "<script>alert(1)</script>", "卖" * 2000, "\x00\u200b"])
def test_empty_huge_or_hostile_text_is_read_without_error_and_answers_nothing(routes, meanings, text):
    assert facts(read(routes["open-restaurant"], {}, text, "entity", meanings=meanings)) == {}
