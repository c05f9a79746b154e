"""What kind of message a citizen sent, from its wording: a question, a correction, "I don't know",
small talk. Markers are about how Chinese is phrased, not about any service, so they live in code;
everything about a service (its questions, options, synonyms) lives in the route data."""
from __future__ import annotations

import re
from typing import Literal

# A clause that asks rather than tells: its facts are not taken as answers ("要刻章吗" is not "要刻章").
QUESTION = re.compile(
    r"[?？]|吗|(?<![这那多])么|多久|几天|几[月号点个岁时周年]|多长|多少|几趟|几次|怎么|怎样|如何|哪|什么|啥|是否|能否|可否|"
    r"能不能|可不可以|可以不|行不行|要不要|需不需要|用不用|是不是|有没有|会不会|咋|"
    # "卖不卖", "收费不", "办好了没": the A-not-A question and its clipped tail
    r"([\u4e00-\u9fff])[不没]\1|(?<=[\u4e00-\u9fff])(?<![不没])[不没][?？。.!！~]*$"
)
CORRECTION = re.compile(r"不对|说错|搞错|弄错|错了|改成|改为|换成|改一下|更正|其实是|应该是|我是说|重新选|不是.{0,8}是")
UNSURE = re.compile(r"不确定|不知道|不清楚|不太清楚|没想好|还没定|没确定|说不好|说不准|看情况|都有可能|不一定|两种都|还在考虑|拿不准|不懂")
SKIP = re.compile(r"^(跳过|略过|下一个|下一题|不想回答|不回答|先不说|直接看方案|看通用方案)[了吧啊呀。.!！]*$")
# Words that contain a negation character without negating anything.
# "不管" is "whatever" only before what it ranges over ("不管是不是", "不管多大"); "不管饭" says no.
_NOT_NEGATION = re.compile(r"没问题|不错|不然|不过|无论|不管(?=[是怎多什啥哪谁几有要大])|不少|差不多|不一定|别的|不止|无所谓|不仅")
# "招牌就算了", "烟就拉倒吧": a thing waved away is a no.
NEGATION = re.compile(r"不|没|无|否|别|免|甭|未|非|算了|拉倒")
AFFIRMATION = re.compile(r"^(嗯+|对+|是+|是的|对的|好+|好的|行|可以|需要|要+|有+|会+|没错|当然|肯定|必须|yes|ok)[的啊呀吧哦呢。.!！]*$", re.I)
# A message that turns to another goal ("算了KTV不搞了，改开个宾馆", "还是开便利店吧") is no stop, though
# it starts like one; "我不想办了", "改天再办" are stops.
NAMES_A_NEW_GOAL = re.compile(r"(?:改|换成?|还是|(?<![不没])想要?|打算)(?:开|办|做|搞|弄|干)(?!了)")
# A stop says so ("算了", "不办了", "退出"): the classifier also hears one in a short answer such as
# "丢了" (to 是丢失还是损坏), which must reach the question instead.
STOPS = re.compile(r"算了|不(?:想)?(?:办|问|弄|搞|回答|用继续|想继续)|退出|取消|跳过|停|别说|结束|重新|从头|换个|"
                   r"问别的|放一放|下一个|放弃|撤|终止|主菜单|返回|以后再说|改天")
# A goodbye or a thanks ends the conversation with a rating request, so it must say so: the classifier
# also hears one in "我下个月满60要退休了" or "交了三年了，公司辞退的" (a fact, a new goal).
ENDS = re.compile(r"再见|再会|拜|88|bye|回头见|回见|下次|告辞|下线|先这样|就这样|就这些|没有了|没了|没别的|没其他|没啥要问|"
                  r"没有问题了|没有别的|没有其他|改天|没问题了|问完了|没事了|先去忙|我走了|先下了|聊到这|到这里|结束对话|问到这|去大厅", re.I)
THANKS = re.compile(r"谢|3q|thank|麻烦你|麻烦您|辛苦|帮了大忙|帮大忙|感激|有心了", re.I)
# A rating says how the help was ("5分", "满意", "差评"): the classifier also hears one in any message
# with a small number ("开火锅店，个体，200平"), which then skipped the situation questions.
RATES = re.compile(r"(?<![\d.])[1-5一二三四五](?:\s*(?:分|星|颗星))|^\s*[1-5]\s*$|满分|评分|打分|评价|满意|好评|差评|"
                   r"一般|还行|还可以|凑合|不错|很好|挺好|太差|很差|差劲|糟糕|有帮助|没帮上|不清楚")
# "开个打印店", "想开家图文快印社": a business named by what it does; its "打印" is no request for the
# printable notice unless the message also names the notice ("开饭店的告知单给我打一份").
OPENS_A_BUSINESS = re.compile(r"(?:开|办|做|搞|弄|整|盘)(?:一)?(?:个|家|间|所)?\S{0,8}?(?:店|馆|社|铺|厂|部|公司|中心|工作室)")
NAMES_THE_NOTICE = re.compile(r"告知单|告知书|清单|单子|一份|纸质|文字版|书面|pdf|二维码|下载|导出|保存|存下来", re.I)
# A request for a person rather than the assistant. The classifier alone hears one in any "人"
# ("就我一个人干", "夫妻两个人开"), which mid-form answers how many people work there; a handoff
# needs one of these words (bot/components/intent_guards.py applies it to the NLU).
ASKS_FOR_PERSON = re.compile(
    r"人工|真人|客服|坐席|工作人员|办事员|帮办|专人|领导|电话|热线|12345|回电|机器|窗口的人|"
    r"(?:找|换|叫|问|和|跟|有)个?人(?![员口数])"
)
# Thanks and praise ("你真厉害", "给你点个赞"), greetings: a word back, not an answer.
SMALL_TALK = re.compile(r"^(你|您)?(真|太|好|很|挺)?(谢谢|多谢|感谢|辛苦|赞|点赞|给你点个赞|厉害|好棒|真棒|棒|聪明|好用|靠谱|哈+|呵+|你好|您好|在吗|在不在)")


# Small talk during the questions, by what it calls for: "wait, I'll ask my husband" (the question waits),
# a bare "嗯嗯" or an emoji that answers nothing (the question again, not "没能确定"), a question about
# the assistant itself.
HOLD = re.compile(r"稍等|等一下|等等|等会|等我|我问问|问一?下|我想想|想一想|让我想|我查一?下|我看一?下|回头|待会|一会儿?")
# "我问问装修师傅门头的事", "回头跟合伙人商量下": the answer will come from someone else, later; the
# clause's topic words are no answer yet.
DEFERS = re.compile(r"(?:我|等我|让我|回头|待会儿?|先)(?:去|再)?(?:问问|问一?下|查查|查一?下|商量商量|商量一?下|核实一?下)")
ACKNOWLEDGEMENT = re.compile(r"^(嗯+|哦+|噢+|喔+|额+|呃+|好+的?|好吧|ok|okay|收到|明白了?|知道了|了解)[的啊呀吧哦呢嗯。.!！~]*$", re.I)
ABOUT_THE_ASSISTANT = re.compile(r"你是(不是)?(机器人|真人|人工|ai|谁|智能)|机器人吗|是不是机器|是人还是|是真人吗|"
                                 r"(你|你们|这个)(这个)?是(不是)?官方", re.I)
_WORDLESS = re.compile(r"^\W*$")


# A change of mind names the goal it leaves ("算了不开饭店了，我想开个宠物医院"): the new goal wins over
# a step of the old route that the same words happen to name.
CHANGE_OF_MIND = re.compile(r"算了|不(?:开|办|做|弄|搞|干)了|改(?:成|为|开|办|做)|换成|换个|不想(?:开|办|做|弄|搞)")
# "这个备案是交通局管还是公安管": a follow-up that points back at what is in focus, whatever else its
# words match in the search. (A bare 那 is "then" — "那办护照呢" — and may name a new goal.)
POINTS_BACK = re.compile(r"^(这个|这项|这一?步|这些|那个|那项|那一?步|该|它|上面|刚才|前面)")


# "问这么多烦死了", "太啰嗦了": tired of the questions; an apology and the ways out, not an answer.
ANNOYED = re.compile(r"烦死|好烦|真烦|太烦|烦人|(?:真|好|太)麻烦(?![你您])|啰嗦|啰唆|罗嗦|磨叽|墨迹|问这么多|问那么多|问个没完|没完没了|受不了|麻烦死")
# Thanks that closes with a plan of the citizen's own ("谢啦 我周一去", "好滴 谢谢你啊 帮大忙了"): a short
# message that thanks and asks nothing.
_THANKS_SHORT = 20

SmallTalk = Literal["about_me", "thanks", "hold", "ack", "annoyed"]


def small_talk_kind(text: str) -> SmallTalk | None:
    """'about_me', 'thanks', 'hold', 'ack' or 'annoyed' for small talk, None for anything else."""
    if ABOUT_THE_ASSISTANT.search(text):
        return "about_me"
    if ANNOYED.search(text) and not is_question(ANNOYED.sub("", text)):
        return "annoyed"
    if SMALL_TALK.match(text) or (len(text) <= _THANKS_SHORT and says_thanks(text) and not is_question(text)):
        return "thanks"
    if (len(text) <= 15 and HOLD.search(text)) or DEFERS.search(text):
        return "hold"
    if ACKNOWLEDGEMENT.match(text) or _WORDLESS.match(text):
        return "ack"
    return None


def names_a_new_goal(text: str) -> bool:
    return bool(NAMES_A_NEW_GOAL.search(text))


def says_stop(text: str) -> bool:
    return bool(STOPS.search(text)) and not names_a_new_goal(text)


def says_goodbye(text: str) -> bool:
    return bool(ENDS.search(text))


def says_thanks(text: str) -> bool:
    return bool(THANKS.search(text))


def gives_a_rating(text: str) -> bool:
    return bool(RATES.search(text))


def opens_a_business(text: str) -> bool:
    return bool(OPENS_A_BUSINESS.search(text))


def may_ask_for_the_notice(text: str) -> bool:
    """"开饭店的告知单给我打一份" names the notice; "开个打印店" only opens a business."""
    return bool(NAMES_THE_NOTICE.search(text)) or not opens_a_business(text)


def asks_for_person(text: str) -> bool:
    return bool(ASKS_FOR_PERSON.search(text))


# "几个" counts people without asking how many when it opens the clause or follows who they are with
# ("几个朋友合伙", "我们几个人开"); "要几个股东" still asks.
_A_FEW_PEOPLE = re.compile(r"(?:^|(?<=[们咱和跟与同有好这那]))几个(?=人|朋友|股东|合伙人|伙伴|兄弟|姐妹|同学|亲戚|老乡|员工|家人)")


# "十几个平方", "二十几岁", "几十平" are approximate numbers, not "how many".
_APPROXIMATE = re.compile(r"(?<=[一二两三四五六七八九十百千万\d])几|几(?=[十百千万])")


def is_question(clause: str) -> bool:
    return bool(QUESTION.search(_APPROXIMATE.sub("", _A_FEW_PEOPLE.sub("", clause))))


def negated(text: str) -> bool:
    """True when the text says no ("不卖", "没有", "唔要" after normalisation), ignoring "没问题"-like words."""
    return bool(NEGATION.search(_NOT_NEGATION.sub("", text)))
