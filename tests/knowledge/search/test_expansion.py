"""Query expansion (knowledge/search/expansion.py): everyday words meet the guides' official ones."""
from __future__ import annotations

import pytest

from knowledge.search.expansion import expansions


@pytest.mark.parametrize("text, added", [
    ("公司想关掉", ["注销"]), ("店黄了", ["注销"]), ("个体户不干了", ["注销"]),
    ("盖个仓库要办什么", ["建设工程"]), ("在厂里盖栋办公楼", ["建设工程"]),
    ("奶茶店转给别人", []),  # handed on, not wound up
    ("公司注销不干了", []),  # already the official word
    ("材料要盖章吗", []),  # 盖章 builds nothing
])
def test_what_is_added(text, added):
    assert expansions(text) == added


@pytest.mark.parametrize("query, guide", [
    ("公司想关掉", "close-company"),
    ("盖仓库要办什么", "construction-project"),
])
def test_the_official_word_finds_the_guide(sample_engine, query, guide):
    assert sample_engine.search(query, k=3).hits[0].doc.guide_id == guide
