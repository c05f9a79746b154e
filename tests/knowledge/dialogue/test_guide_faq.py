"""Follow-ups answered from the 常见问答 of the guide in focus (knowledge/dialogue/guide_faq.py), with
the real embedding model on the sample base; then through the dialogue API."""
from __future__ import annotations

import pytest

from knowledge.catalogue import Catalogue
from knowledge.core.config import get_settings
from knowledge.dialogue import guide_faq
from knowledge.dialogue.meaning import Meanings
from knowledge.search.embedder import Embedder


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.from_folder(get_settings().guides_dir)


@pytest.fixture(scope="module")
def meanings() -> Meanings:
    return Meanings(Embedder(get_settings().embedding_model_dir))


@pytest.mark.parametrize("focus, text, question", [
    ("marriage-registration", "要户口本吗", "结婚登记还要带户口本吗？"),
    ("resident-id-card", "下周三要坐飞机 来得及吗", "急着坐飞机、办业务，等不及新证怎么办？"),
    ("housing-fund-withdrawal", "一年能取几次", "一年能取几次？"),
    ("company-registration", "股东要都到场吗", "股东都要到场吗？"),
    ("resident-id-card", "要本人去吗", "要本人去吗？家里人能代办吗？"),
])
def test_a_follow_up_the_guide_answers(catalogue, meanings, focus, text, question):
    hit = guide_faq.answer(meanings, catalogue, catalogue.items[focus], text)
    assert hit is not None and hit.question == question


@pytest.mark.parametrize("focus, text", [
    ("housing-fund-withdrawal", "离职了能取吗"),  # none of its questions is about leaving a job
    ("marriage-registration", "照片要自己拍吗"),  # the guide's questions are not about photos
    ("passport", "今天天气怎么样"),
    ("resident-id-card", "临时身份证能办吗"),  # shares only the guide's own name with its questions
    ("passport", "好"),
])
def test_no_answer_when_no_question_of_the_guide_clearly_fits(catalogue, meanings, focus, text):
    assert guide_faq.answer(meanings, catalogue, catalogue.items[focus], text) is None


def test_a_route_answers_from_its_steps_questions(catalogue, meanings):
    hit = guide_faq.answer(meanings, catalogue, catalogue.routes["newborn"], "没领结婚证能办出生证吗")
    assert hit is not None and hit.item.id == "birth-medical-certificate"


@pytest.mark.parametrize("text", ["", "？？？", "<script>alert(1)</script>要户口本吗", "要户口本吗" * 400, "\x00\u200b"])
def test_odd_follow_ups_are_read_without_error(catalogue, meanings, text):
    hit = guide_faq.answer(meanings, catalogue, catalogue.items["marriage-registration"], text)
    assert hit is None or hit.question == "结婚登记还要带户口本吗？"
