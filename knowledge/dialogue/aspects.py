"""Which aspect of a guide a follow-up asks about ("要多久" → duration), from its wording.

The dialogue's intent classifier names an aspect too (the action server maps its intents); the
wording here catches what the classifier filed under another act ("开饭店要带什么材料")."""
from __future__ import annotations

import re
from typing import Optional

_CUES = [
    # Someone else handing it in ("让家里人去帮我办") is the 代办 practice, not mailing or online.
    ("proxy", r"代办|代理人|委托|帮我办|替我办|帮忙办|帮我跑|替我跑|请人|找人帮|本人不能|本人不去|本人必须|本人到场|"
              # "要股东都到场吗", "必须亲自去吗": who has to come is the other side of sending someone.
              r"(?:都|要|必须|需要|得)(?:亲自)?到场|亲自(?:去|来|到)|"
              # "跟女朋友去领证" goes together: someone going *with* the citizen is no proxy.
              r"(?<![跟和与同陪带])(?<![跟和与同陪带][女男])"
              r"(家里人|家人|别人|他人|朋友|亲戚|同事|老公|老婆|丈夫|妻子|爱人|爸爸|妈妈|父母|孩子|一方|一个人)"
              r"(去|来|代|帮|替|单独)"),
    # "在哪个窗口交材料" asks for a place, although it names materials.
    ("location", r"在哪|哪里办|哪儿办|窗口|地址|哪个部门|找谁|去哪|谁管|归谁|归哪|管还是|哪个局|哪个单位"),
    ("deferral", r"容缺|不全|不齐|缺(一|个|少|了)|后补|补交|先受理|先办"),
    ("materials", r"材料|资料|证件|带什么|带啥|准备什么|准备啥|(?:要交|提交)什么(?![钱税费])|"
                  r"(?:交|带|准备|提供|拿)(?:上)?哪些(?![钱税费])"),
    # "这个证能用多久", "明年还要再办吗": how long the result lasts, not how long it takes.
    ("validity", r"有效期|能用多久|用多久|管多久|管几年|用几年|几年有效|多少年有效|有效多久|明年还要|每年都要办|年年都要办|"
                 r"要年年办|过期"),
    # "居住证要住满多久才能办": a condition to meet, not a processing time.
    ("conditions", r"住满|缴满|交满|满多久|满几年|满多少"),
    ("duration", r"花时间|最慢|耗时|多久|几天|多长时间|多少天|时限|什么时候(能|可以)?(拿|办好|下来)|快吗|几个工作日"),
    ("visits", r"跑几趟|几趟|跑几次|去几次|跑几回|要跑|跑多少"),
    # "要交啥钱不", "契税几个点": money asked for in any words, a tax rate included.
    ("fee", r"收费|费用|多少钱|要钱|免费|交钱|花多少|(?:交|花|掏|付)(?:啥|什么|哪些|多少)?(?:钱|税)|贵不贵|几个点|税率|多少税"),
    # Online handling is asked about with a verb of handling: "卖手机的店", "在家做私房蛋糕", "网上卖衣服"
    # describe a business, and "能在手机上办吗", "网上能申请吗" ask how to apply.
    ("online", r"(网上|线上|手机|app|小程序|电脑|微信)上?\s*(能|可以|就能|怎么|咋)?\s*(办|申请|提交|弄|交|预约|操作|搞|填|报)|"
               r"(能|可以|可不可以|能不能|可否)\s*(在|用|通过)?\s*(网上|线上|手机|app|小程序)|"
               r"在家(里)?(就)?(能|可以)?(办|申请|弄|搞)|不用跑|不见面|全程网办|网办"),
    # A business that handles parcels ("开个快递代收点") is not asking for mailing: 快递 needs a verb.
    ("mailing", r"邮寄|寄给|寄到|寄回|(能|可以|用|发|走)快递|快递(给|到|回|过来|上门)"),
    ("notice", r"告知单|清单|打印"),
    ("conditions", r"条件|符合|资格|要求"),
    ("process", r"流程|步骤|先办|顺序|怎么走|几步"),
]

LABELS = {
    "proxy": "代办", "visits": "跑动次数",
    "materials": "材料", "duration": "办理时限", "fee": "收费", "location": "办理地点",
    "online": "网上办理", "deferral": "容缺受理", "mailing": "邮寄送达", "process": "办理流程",
    "conditions": "受理条件", "notice": "一次性告知单", "validity": "有效期",
}


def aspect_of(text: str) -> Optional[str]:
    for aspect, pattern in _CUES:
        if re.search(pattern, text or ""):
            return aspect
    return None
