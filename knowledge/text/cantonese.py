"""Written Cantonese function words (and Hong Kong names of everyday things) → Mandarin, so Hong Kong and Macau users' questions retrieve.

Traditional characters are converted by OpenCC, but "公司唔做啦，結業要辦啲咩手續" stays Cantonese:
唔, 啲, 咩 are not words of any guide and jieba cuts them as noise. Only words that are
unambiguous in Mandarin text are mapped (系 stays: it is 系统 and 关系 in Mandarin), so guide text
is unchanged by the same mapping.
"""
from __future__ import annotations

import re

# Applied after Traditional → Simplified conversion and lower-casing, so keys are Simplified.
MANDARIN = {
    "唔该": "谢谢", "唔使": "不用", "唔驶": "不用", "唔好": "不要", "唔": "不",
    "乜嘢": "什么", "咩嘢": "什么", "咩": "什么", "嘢": "东西",
    "点样": "怎样", "点办": "怎么办", "点解": "为什么", "又点": "又怎么样",
    "边度": "哪里", "边处": "哪里", "边个": "哪个", "边间": "哪家",
    "几耐": "多久", "几多钱": "多少钱", "几钱": "多少钱", "几多": "多少",
    "系咪": "是不是", "系唔系": "是不是",
    "喺": "在", "嘅": "的", "啲": "些", "咗": "了", "嚟": "来", "冇": "没有",
    "佢哋": "他们", "我哋": "我们", "你哋": "你们", "佢": "他",
    "而家": "现在", "依家": "现在", "啱啱": "刚刚",
    "搞掂": "办好", "攞": "拿", "搵": "找", "揾": "找", "畀": "给", "俾": "给", "睇": "看",
    "出世": "出生", "bb": "婴儿", "过咗身": "去世了", "屋企": "家里", "阿爷": "爷爷", "阿嫲": "奶奶",
    # Hong Kong and Macau names of everyday places and things, where the Mainland word is another.
    "幼稚园": "幼儿园", "士多": "小卖部", "铺头": "店铺", "的士": "出租车", "巴士": "公交车",
    "私家车": "小汽车", "单车": "自行车", "揸车": "开车", "打麻雀": "打麻将", "麻雀馆": "麻将馆",
    "舖": "铺", "车仔面": "面", "入息": "收入", "物业管理处": "物业",
}
_PATTERN = re.compile("|".join(sorted(map(re.escape, MANDARIN), key=len, reverse=True)))


def to_mandarin(text: str) -> str:
    return _PATTERN.sub(lambda m: MANDARIN[m.group(0)], text)
