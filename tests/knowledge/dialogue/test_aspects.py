"""Which aspect a follow-up asks about, from its wording (knowledge/dialogue/aspects.py)."""
from __future__ import annotations

import pytest

from knowledge.dialogue.aspects import aspect_of


@pytest.mark.parametrize("text, aspect", [
    ("让家里人去帮我办", "proxy"), ("我朋友去能办吗", "proxy"), ("让我男朋友去办行吗", "proxy"),
    # Going together with someone is not sending them instead.
    ("下个月跟女朋友去领证", None), ("和老婆去办", None), ("跟男朋友来办结婚", None),
    ("要多久", "duration"), ("在哪个窗口交材料", "location"),
])
def test_aspect_of_a_follow_up(text, aspect):
    assert aspect_of(text) == aspect
