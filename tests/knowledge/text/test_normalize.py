"""One normalisation for queries and guides: Traditional, full-width and Cantonese input meet Simplified text."""
from __future__ import annotations

from knowledge.text.normalize import normalize


def test_traditional_and_full_width_become_simplified_ascii():
    assert normalize("營業執照　ＡＢＣ１２３") == "营业执照 abc123"


def test_cantonese_function_words_become_mandarin():
    assert normalize("公司唔做啦，結業要辦啲咩手續") == "公司不做啦,结业要办些什么手续"
    assert normalize("BB啱啱出世") == "婴儿刚刚出生"
    assert normalize("喺邊度攞號") == "在哪里拿号"
    assert normalize("衛生許可證又點") == "卫生许可证又怎么样"


def test_hong_kong_names_of_everyday_things_become_mainland_words():
    assert normalize("開辦一間幼稚園") == "开办一间幼儿园"
    assert normalize("開間士多") == "开间小卖部"
    assert normalize("屋企阿爺過咗身") == "家里爷爷去世了"


def test_mandarin_guide_wording_is_left_alone():
    for text in ("系统维护", "关系证明", "几时办结", "出生医学证明", "办过身份证"):
        assert normalize(text) == text


def test_an_elder_who_left_or_is_gone_died():
    assert normalize("老爷子上礼拜走了 后面要办啥手续") == "老爷子上礼拜去世了 后面要办啥手续"
    assert normalize("我妈没了") == "我妈去世了"
    assert normalize("我妈昨天夜里在家走的") == "我妈昨天夜里在家去世了"
    # Only an elder's 走了: walking, leaving a place or a person not named stay as they are.
    for text in ("走了两步", "他走了", "公司搬走了"):
        assert normalize(text) == text


def test_a_licence_cancelled_in_everyday_words_is_注销():
    assert normalize("我那个服装店不开了 要把执照销掉") == "我那个服装店不开了 要把执照注销"
    assert normalize("营业执照销了没") == "营业执照注销没"
    for text in ("执照销售", "销掉库存"):  # selling, and what is not a licence, stay as they are
        assert normalize(text) == text
