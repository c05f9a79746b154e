"""Which aspect of a guide a follow-up asks about ("要多久" → duration), from intent or wording."""
from __future__ import annotations

import re
from typing import Optional

BY_INTENT = {
    "ask_materials": "materials",
    "ask_duration": "duration",
    "ask_fee": "fee",
    "ask_location": "location",
    "ask_online": "online",
    "ask_deferral": "deferral",
    "ask_mailing": "mailing",
    "ask_process": "process",
    "ask_conditions": "conditions",
    "ask_notice": "notice",
}

# Wording cues catch an aspect the classifier filed under request_guide ("开饭店要带什么材料").
_CUES = [
    ("deferral", r"容缺|不全|不齐|缺(一|个|少|了)|后补|补交|先受理|先办"),
    ("materials", r"材料|资料|证件|带什么|带啥|准备什么|准备啥|要交什么|提交什么"),
    ("duration", r"多久|几天|多长时间|多少天|时限|什么时候(能|可以)?(拿|办好|下来)|快吗"),
    ("fee", r"收费|费用|多少钱|要钱|免费|交钱|花多少"),
    ("online", r"网上|线上|手机上?|在家|不用跑|不见面|全程网办|app|小程序"),
    ("mailing", r"邮寄|寄给|快递|寄到"),
    ("location", r"在哪|哪里办|哪儿办|窗口|地址|哪个部门|找谁|去哪"),
    ("notice", r"告知单|清单|打印"),
    ("conditions", r"条件|符合|资格|要求"),
    ("process", r"流程|步骤|先办|顺序|怎么走|几步"),
]

LABELS = {
    "materials": "材料", "duration": "办理时限", "fee": "收费", "location": "办理地点",
    "online": "网上办理", "deferral": "容缺受理", "mailing": "邮寄送达", "process": "办理流程",
    "conditions": "受理条件", "notice": "一次性告知单",
}


def aspect_of(intent: Optional[str], text: str) -> Optional[str]:
    if intent in BY_INTENT:
        return BY_INTENT[intent]
    for aspect, pattern in _CUES:
        if re.search(pattern, text or ""):
            return aspect
    return None
