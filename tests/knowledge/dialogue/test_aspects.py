"""Which aspect a follow-up asks about, from its wording (knowledge/dialogue/aspects.py)."""
from __future__ import annotations

import pytest

from knowledge.dialogue.aspects import aspect_of


@pytest.mark.parametrize("text, aspect", [
    ("让家里人去帮我办", "proxy"), ("我朋友去能办吗", "proxy"), ("让我男朋友去办行吗", "proxy"),
    # Going together with someone is not sending them instead.
    ("下个月跟女朋友去领证", None), ("和老婆去办", None), ("跟男朋友来办结婚", None),
    ("医保能手机上办吗", "online"), ("营业执照能网上办吗", "online"), ("app上能办吗", "online"),
    ("可以在网上申请吗", "online"), ("在家就能办吗", "online"), ("能不能线上办理", "online"),
    # Words that describe the business, not how to apply.
    ("想开个卖手机的店", None), ("在家做私房蛋糕朋友圈接单", None), ("在网上卖衣服要办执照吗", None),
    ("要多久", "duration"), ("在哪个窗口交材料", "location"),
    ("要交啥钱不", "fee"), ("契税几个点", "fee"), ("要交什么税", "fee"), ("要交什么材料", "materials"),
    ("税务登记怎么办", None),
    ("这个许可证能用多久，明年还要再办吗", "validity"), ("身份证有效期多久", "validity"),
    ("居住证要在这住满多久才能办", "conditions"), ("社保要交满多少年才能退休", "conditions"),
    ("哪个最花时间", "duration"), ("要股东都到场吗", "proxy"), ("必须亲自去吗", "proxy"), ("那一步具体要交哪些东西", "materials"), ("店里卖哪些东西", None),
])
def test_aspect_of_a_follow_up(text, aspect):
    assert aspect_of(text) == aspect
