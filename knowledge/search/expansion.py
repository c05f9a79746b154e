"""Query expansion: the official word the guides use, added to the lexical query when a citizen says the
same thing in everyday words (as RAGFlow's rag/nlp/query.py adds synonyms). The text itself, and so the
embedding, is left as typed; only BM25 sees the added words.

Each rule names a whole way of saying it, not a guide: an alias belongs to one guide, an expansion to
every guide that uses the official word.
"""
from __future__ import annotations

import re

# "公司想关掉", "店黄了", "个体户不干了": what the guides call 注销. Handing a business on (转让) is not.
WINDING_UP = re.compile(r"不开了|不干了|不做了|不想干了|关门|关店|关掉|关了|倒闭|黄了|散伙|解散")
# "在自己的地上盖个仓库", "盖栋办公楼": 建设工程 in the guides; 盖章 is not building.
BUILDING = re.compile(r"盖(?:个|座|栋|间|一栋|一座|一间)?(?:房|楼|仓库|库房|厂房|车间|厂|办公楼|宿舍)")

RULES: list[tuple[re.Pattern[str], str]] = [
    (WINDING_UP, "注销"),
    (BUILDING, "建设工程"),
]


def expansions(text: str) -> list[str]:
    """The official words to add for `text` (normalised), each once and only when not already there."""
    return [word for pattern, word in RULES if word not in text and pattern.search(text)]
