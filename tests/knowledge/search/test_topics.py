"""Which guides a query names by a word of their titles or aliases (SearchEngine.topics), on the sample
base: the dialogue tells a follow-up about the guide in focus from a question about something else."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("query, guide", [
    ("社保怎么交", "social-insurance-registration"),
    ("要带结婚证吗", "marriage-registration"),
    ("串串店呢", "open-restaurant"),  # an industry's name stands for its route
])
def test_a_word_of_a_title_or_alias_names_the_guide(sample_engine, query, guide):
    assert guide in sample_engine.topics(query)


@pytest.mark.parametrize("query", ["一年能取几次", "可以加急吗", "多久能到账"])
def test_a_follow_up_with_no_such_word_names_none(sample_engine, query):
    # "一年" is only part of the word 一年级 in 义务教育小学一年级入学报名: titles are cut whole.
    assert sample_engine.topics(query) == set()
