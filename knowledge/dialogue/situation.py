"""Situation understanding: what one message says about a route's situation questions (情形).

Citizens answer in their own words and often give several facts at once ("个体户，80平左右，不卖烟酒"),
or mention them before being asked ("想开个500平的火锅店，还卖烟"). Every question of the route is
read from every message:

- a clause that asks ("要刻章吗？") gives no facts: it is a question to answer;
- a question not being asked needs an anchor: one of its topic words (`keywords` in the route data),
  an option label, or an option keyword that says more than yes/no;
- the polarity of a yes/no fact comes from a negation within the anchor's own stretch of the clause
  (between it and its neighbouring anchors), so "卖烟也不挂招牌" gives two facts with two polarities;
- numbers are placed in option ranges when they stand next to the question's unit word ("500平");
- only the question being asked also takes weak cues: its number in the list ("第一个"), a bare
  "要"/"没有", a one-character keyword, a clipped label;
- a clause none of these words anchor ("早饭会给客人做") is read by its meaning when the caller passes
  the search embedder's `Meanings` (knowledge/dialogue/meaning.py).

Everything about a service lives in the route data (options, keywords, ranges), so editors extend
what is understood without code; the wording rules of Chinese (negation, questions) live in acts.py.
"""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from knowledge.dialogue import acts
from knowledge.dialogue.numbers import counts_something, digits, quantities
from knowledge.planner import effective_answers, open_questions
from knowledge.schema.route import Option, Question, Route
from knowledge.text.normalize import normalize

if TYPE_CHECKING:
    from knowledge.dialogue.meaning import Meanings

Act = Literal["answer", "question", "correction", "unsure", "skip", "small_talk", "other", "empty"]

# On WeChat a space between two Chinese characters is the comma ("深圳交过公积金 户口不迁 社保咋转");
# "80 平" keeps its space.
_CLAUSES = re.compile(r"(?<=[?？])|[,，。；;!！\n…~～]+|\s{2,}|(?<=[\u4e00-\u9fff])\s(?=[\u4e00-\u9fff])")
_LIST = re.compile(r"、+")
# "章、发票都不要": a predicate after 都/全 speaks for every item listed before it.
_COLLECTIVE = re.compile(r"(?:也|就)?(?:都|全|全都|统统|一律)")
# What may stand between two listed items: "章和发票", "烟、酒", "章跟票".
_LIST_JOIN = re.compile(r"^(?:和|跟|与|及|以及|还有|同|加|或|或者|、)?$")
# "只卖书" answers "会卖咖啡吗" with no: the reply names only something else.
_EXCLUSIVE = re.compile(r"^(?:只|光|仅|单|就只|只是)")
# Words that only say yes or no: they anchor nothing unless their question is the one being asked.
_GENERIC = re.compile(r"^[不没有要需是否会无用暂别免行可以的了对好嗯]+$")
_CONTRAST = re.compile(r"但是|但|不过|可是|而是|只是")
# "选3", "就第一个吧", "拣第一个" (揀 in Cantonese), "挑第二个": the verb of choosing may be any of these.
_ORDINAL = re.compile(r"^\s*(?:就|那就|那)?\s*我?\s*(?:选择|选|要|拣|挑|点)?\s*第?\s*([1-9一二三四五六七八九])\s*(?:个|项|种|号|条)?\s*(?:吧|的|呀|啊|啦)?\s*$")
# "前面那个", "后面那个", "最后一个": a place in the list rather than a number.
_FIRST_OR_LAST = re.compile(r"^\s*(?:就|那就)?\s*我?\s*(?:选|要|拣|挑)?\s*(?:(前面|上面|前一|头一)|(后面|下面|后一|最后|最后面))\s*(?:那|这|一)?\s*(?:个|项|种|条)\s*(?:吧|的|呀|啊|啦)?\s*$")
_CN_DIGITS = "一二三四五六七八九"
_NEAR_UNIT = 4  # characters between a number and its unit word: "500多平", "80 平米"
_NEGATION_ONLY_WORDS = ("什么都", "无论", "不管")


class Fact(BaseModel):
    question: str
    value: str
    label: str
    evidence: str = Field(description="市民原话中据以判断的部分")
    previous: str | None = Field(None, description="被这条事实改掉的原答案（选项值）")


class Reading(BaseModel):
    """What a message says about the route's situation, and what is left to ask."""
    route: str
    act: Act
    facts: list[Fact]
    answers: dict[str, str] = Field(description="原有答案加上本条消息中的事实")
    dropped: list[str] = Field(description="因前面的答案改变而不再适用的答案")
    unsure: list[str] = Field(description="市民表示不确定的问题")
    asks: list[str] = Field(description="消息中提问的分句（回答完再继续问）")
    open_questions: list[str] = Field(description="仍要问的问题，按顺序")
    small_talk: acts.SmallTalk | None = Field(
        None, description="闲聊的类别：问助手本身、致谢、请稍等、应答词或表情")


def ordinal(text: str, count: int | None = None) -> int | None:
    """1-based choice number in "2", "第二个", "选3", or "前面那个" / "后面那个" among `count` choices;
    None if the text is not just a choice."""
    plain = unicodedata.normalize("NFKC", text or "")
    m = _ORDINAL.match(plain)
    if m:
        d = m.group(1)
        return int(d) if d.isdigit() else _CN_DIGITS.index(d) + 1
    place = _FIRST_OR_LAST.match(plain)
    if place and count:
        return 1 if place.group(1) else count
    return None


def clauses(text: str) -> list[str]:
    """The message cut into clauses; items listed with 、 are clauses of their own ("个体户、80平、卖烟")
    unless a 都/全 after them gives them one predicate ("章、发票都要")."""
    out: list[str] = []
    for part in _CLAUSES.split(text):
        if not part or not part.strip():
            continue
        out += [part] if _COLLECTIVE.search(part) else _LIST.split(part)
    return [c.strip() for c in out if c.strip()]


def is_question(clause: str) -> bool:
    plain = clause
    for word in _NEGATION_ONLY_WORDS:
        plain = plain.replace(word, "")
    return acts.is_question(plain)


def _negative(option: Option) -> bool:
    return option.value == "no" or bool(re.match(r"^(不|没|无|暂不|未)", option.label))


def polar_options(question: Question) -> tuple[Option, Option] | None:
    """(positive, negative) for a question answered by yes or no ("会卖香烟吗"), else None."""
    negatives = [o for o in question.options if _negative(o)]
    if len(question.options) == 2 and len(negatives) == 1:
        positive = next(o for o in question.options if o is not negatives[0])
        return positive, negatives[0]
    return None


class _Anchor(BaseModel):
    question: str
    start: int
    end: int
    option: str | None  # the option the anchor names, when it names one
    word: str


def _shared_words(route: Route) -> set[str]:
    """Option words that several questions of the route use ("不卖" for 烟 and for 食品, "提供"): they say
    yes or no to whichever question is being asked, and anchor no other."""
    seen: dict[str, set[str]] = {}
    for q in route.questions:
        for o in q.options:
            for word in [o.label, *o.keywords]:
                seen.setdefault(word.lower(), set()).add(q.id)
    # A topic word of some question ("泳池" of 有游泳池吗, also an option word of 高危项目) names a thing,
    # not a bare yes: it answers every question that uses it.
    topics = {w.lower() for q in route.questions for w in q.keywords}
    return {w for w, qs in seen.items() if len(qs) > 1 and w not in topics}


def _anchors(route: Route, clause: str, current: str | None) -> list[_Anchor]:
    found: list[_Anchor] = []
    shared = _shared_words(route)
    for q in route.questions:
        for word in q.keywords:
            for m in re.finditer(re.escape(word.lower()), clause):
                found.append(_Anchor(question=q.id, start=m.start(), end=m.end(), option=None, word=word))
        for o in q.options:
            for word in [o.label, *o.keywords]:
                w = word.lower()
                if not w:
                    continue
                for m in re.finditer(re.escape(w), clause):
                    if _weak_word(w) and not (q.id == current and (
                            (m.start() == 0 and _BARE_REPLY_END.match(clause[m.end():])) or len(clause) <= 3)):
                        # "要"/"是" answer only the question being asked, and only as a reply of its own
                        # ("要，挂的", "有的"), not inside a sentence about something else ("我是要开饭店",
                        # "不是，是我自己交的社保").
                        continue
                    if w in shared and q.id != current:
                        continue
                    if _about_another_thing(q, w, clause, m.end()):
                        continue
                    found.append(_Anchor(question=q.id, start=m.start(), end=m.end(), option=o.value, word=word))
    # A word inside a longer one of the same question ("公司" in "有限公司") adds nothing; of two
    # equal words, the one naming an option is kept.
    found.sort(key=lambda a: (a.start, -(a.end - a.start), a.option is None))
    kept: list[_Anchor] = []
    for a in found:
        if any(k.question == a.question and k.start <= a.start and a.end <= k.end for k in kept):
            continue
        kept.append(a)
    # Nor does a bare no (or yes) inside a longer word of another question: "不卖吃的" is about food, and
    # its "不卖" says nothing about tobacco (while "游泳" in "游泳池" still says 游泳).
    kept = [a for a in kept if not (
        (acts.negated(a.word) or _weak_word(a.word))
        and any(k.question != a.question and k.start <= a.start and a.end <= k.end
                and k.end - k.start > a.end - a.start for k in kept))]
    if any(a.question != current for a in kept):
        # The clause talks about another question: its "是"/"要" is not an answer to this one.
        # A topic word of the question being asked ("章" in "章和发票都要") still names it.
        kept = [a for a in kept if a.question != current or a.option is None or not _weak_word(a.word)]
    return kept


# Said on the way out ("好 辛苦你了", "没有了，谢谢"); with a thanks or goodbye they answer nothing.
_ACKNOWLEDGEMENT = re.compile(r"(好|好的|好吧|嗯|嗯嗯|行|行吧|ok|okay|可以|没有了|没了|没事了|就这些|就这样)+[啊呀了的吧哈]*")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")
# A message that opens with these alone goes on to say what is right instead.
_CORRECTION_OPENING = re.compile(r"(不是|不对|不不|错了|搞错了|说错了|弄错了)+[啊呀了的]?")
# What may follow a bare yes/no word that is a reply by itself: nothing, a pause, or a particle.
_BARE_REPLY_END = re.compile(r"$|[\s，,。.!！~、…]|[的啊呀呢哦吧嘛滴哈了喔噢]")


def _about_another_thing(question: Question, word: str, clause: str, end: int) -> bool:
    """A bare no ("不卖", "没有") with its own object right after it says no to that object: "不卖烟" at
    a bookshop says nothing about its coffee, "不卖，只卖书" and "不卖了" still do."""
    if not (acts.negated(word) and len(word) <= 2):
        return False
    rest = clause[end:]
    if not rest or not _HAN_CHAR.match(rest) or _BARE_REPLY_END.match(rest):
        return False
    words = {w.lower() for w in question.keywords} | {w.lower() for o in question.options for w in [o.label, *o.keywords]}
    return not any(rest.startswith(w) for w in words if w)


def _weak_word(word: str) -> bool:
    return len(word) < 2 or bool(_GENERIC.match(word))


def _scope(clause: str, anchor: _Anchor, anchors: list[_Anchor]) -> str:
    """The stretch of the clause that belongs to this anchor: up to halfway to the neighbouring
    anchors of other questions, and never across a contrast word ("卖烟但不挂招牌")."""
    lo, hi = 0, len(clause)
    for other in anchors:
        if other.question == anchor.question:
            continue
        if other.end <= anchor.start:
            lo = max(lo, (other.end + anchor.start + 1) // 2)
        elif other.start >= anchor.end:
            hi = min(hi, (anchor.end + other.start) // 2)
    for m in _CONTRAST.finditer(clause):
        if m.end() <= anchor.start:
            lo = max(lo, m.end())
        elif m.start() >= anchor.end:
            hi = min(hi, m.start())
    return clause[lo:hi]


def _read_clause(route: Route, clause: str, current: str | None,
                 anchors: list[_Anchor]) -> dict[str, tuple[Option, str]]:
    """question id → (option, evidence) for every question this clause answers with confidence, given
    the clause's anchors (`_anchors`)."""
    by_question: dict[str, list[_Anchor]] = {}
    for a in anchors:
        by_question.setdefault(a.question, []).append(a)
    # Numbers are read from the clause with Chinese numerals as digits; words are matched on the clause
    # as typed, so a keyword with a numeral in it ("一个人", "第一套") still matches.
    counted = digits(clause)
    numbers = quantities(counted)
    out: dict[str, tuple[Option, str]] = {}
    for q in route.questions:
        mine = by_question.get(q.id, [])
        ranged = [o for o in q.options if o.min is not None or o.max is not None]
        if ranged and numbers:
            units = [m.start() for word in q.keywords for m in re.finditer(re.escape(word.lower()), counted)]
            near = [n for n in numbers if any(0 <= start - n.end <= _NEAR_UNIT for start in units)]
            # A number with no unit answers the question just asked; one that counts something else
            # ("两层楼", "三个人") does not ("有四百多个平方 两层楼" is 400 m², on two floors).
            alone = [n for n in numbers if not counts_something(counted, n)]
            pick = near[0] if near else (alone[0] if q.id == current and len(numbers) == 1 and alone else None)
            if pick is not None:
                option = next((o for o in ranged if (o.min is None or pick.value >= o.min)
                               and (o.max is None or pick.value < o.max)), None)
                if option:
                    out[q.id] = (option, counted[pick.start:pick.end + 2])
                    continue
        if not mine:
            continue
        polar = polar_options(q)
        if polar:
            option, evidence = _polar_answer(clause, mine, anchors, *polar)
            if option is polar[1] and {a.word.lower() for a in mine} <= _topics_of_others(route, q):
                continue  # "没有泳池" answers 有游泳池吗, but says nothing of 攀岩 or 潜水
            out[q.id] = (option, evidence)
            continue
        named: dict[str, _Anchor] = {}
        for a in mine:
            if a.option is None:
                continue
            if not acts.negated(a.word) and acts.negated(clause[max(0, a.start - 2):a.start]):
                continue  # "不是个体" rules that option out rather than in (see `excluded` below)
            best = named.get(a.option)
            if best is None or (a.end - a.start) > (best.end - best.start):
                named[a.option] = a
        excluded = {a.option for a in mine if a.option and not acts.negated(a.word)
                    and acts.negated(clause[max(0, a.start - 2):a.start])}
        if not named and len(excluded) == 1 and len(q.options) == 2:
            # "不以赚钱为目的" rules out 营利性, which leaves the other option.
            other = next(o for o in q.options if o.value not in excluded)
            out[q.id] = (other, clause)
            continue
        if len(named) == 1:
            value, anchor = next(iter(named.items()))
            out[q.id] = (next(o for o in q.options if o.value == value), anchor.word)
        elif len(named) > 1:
            # Several options named: keep the one named by a clearly longer word ("不涉及食品" over "食品"),
            # or the one the predicate after 都/全 names for the things listed ("果盘饮料都是现做的").
            ranked = sorted(named.values(), key=lambda a: a.end - a.start, reverse=True)
            collective = _COLLECTIVE.search(clause)
            said = {a.option for a in mine if a.option and collective and a.start >= collective.end()}
            if ranked[0].end - ranked[0].start > ranked[1].end - ranked[1].start and \
                    ranked[1].start >= ranked[0].start and ranked[1].end <= ranked[0].end:
                out[q.id] = (next(o for o in q.options if o.value == ranked[0].option), ranked[0].word)
            elif len(said) == 1 and collective is not None:
                value = said.pop()
                out[q.id] = (next(o for o in q.options if o.value == value), clause[collective.start():])
    return out


def _topics_of_others(route: Route, question: Question) -> set[str]:
    return {w.lower() for q in route.questions if q is not question for w in q.keywords} - \
        {w.lower() for w in question.keywords}


def _polar_answer(clause: str, mine: list[_Anchor], anchors: list[_Anchor], positive: Option,
                  negative: Option) -> tuple[Option, str]:
    """Yes or no: the longest anchor says what the clause talks about, a negation in its stretch says no."""
    lead = max(mine, key=lambda a: (a.option is not None, a.end - a.start))
    scope = _scope(clause, lead, anchors)
    if lead.option == negative.value:
        return negative, scope  # "不卖", "一个人", "全款": the word itself says no
    predicate = _collective_predicate(clause, lead, anchors)
    if predicate is not None:
        return (negative if acts.negated(predicate) else positive), clause
    if _EXCLUSIVE.match(clause[:lead.start][-2:]) and all(a.option is not None and _weak_word(a.word) for a in mine) \
            and clause[lead.end:].strip():
        return negative, scope  # "只卖书" to "会卖咖啡吗": only something else
    if acts.negated(scope.replace(lead.word.lower(), "", 1)) and not acts.negated(lead.word):
        return negative, scope
    return positive, scope


def _collective_predicate(clause: str, anchor: _Anchor, anchors: list[_Anchor]) -> str | None:
    """The predicate after 都/全 when the anchor is one of a list it speaks for ("章和发票都不要" → "都不要"
    for 章 as well as 发票), else None."""
    m = next((m for m in _COLLECTIVE.finditer(clause) if m.start() >= anchor.end), None)
    if m is None:
        return None
    end = anchor.end
    for other in sorted(anchors, key=lambda a: a.start):
        if other.start < end or other.end > m.start():
            continue
        if not _LIST_JOIN.match(clause[end:other.start]):
            return None
        end = other.end
    return clause[m.start():] if end == m.start() else None


def _weak_answer(question: Question, text: str) -> Option | None:
    """The current question's answer from a short reply: "2", "第一个", the label, "要"/"没有", "自办"."""
    options = question.options
    plain = text.strip().lower()
    n = ordinal(plain, len(options))
    if n is not None and n <= len(options):
        return options[n - 1]
    for o in options:
        if plain in (o.label.lower(), o.value.lower()):
            return o
    if len(plain) >= 2:
        within = [o for o in options if plain in o.label.lower()]
        if len(within) == 1:
            return within[0]
    polar = polar_options(question)
    if polar and _EXCLUSIVE.match(plain) and not plain.startswith("只要"):
        return polar[1]  # "只住宿" to "提供早餐吗": only something else ("只要" is "as long as")
    if polar and len(plain) <= 8:
        if acts.AFFIRMATION.match(plain) or not acts.negated(plain) and acts.AFFIRMATION.match(plain[:2]):
            return polar[0]
        if acts.negated(plain):
            return polar[1]
    return None


_FILLER = set("的了是要有不没吧啊呀呢哦嗯就我们你他她这那个一还也都在和")


def _closest(question: Question, reply: str) -> Option | None:
    """A short reply that shares clearly more characters with one option's words than with any other
    ("随爸" → 随父亲落户, whose keywords include 爸爸)."""
    chars = {c for c in reply if c not in _FILLER}
    if not chars or len(reply) > 6:
        return None
    scores = []
    for o in question.options:
        words = "".join([o.label, *o.keywords]).lower()
        scores.append((len({c for c in chars if c in words}), o))
    scores.sort(key=lambda x: -x[0])
    best, runner_up = scores[0][0], scores[1][0]
    return scores[0][1] if best >= 2 and best > runner_up else None


def read(route: Route, answers: dict[str, str], text: str, current: str | None = None,
         unsure: list[str] | None = None, meanings: Meanings | None = None) -> Reading:
    """Read one message against the route. `answers` are the citizen's earlier answers (already
    valid), `current` the question being asked, `unsure` the questions the citizen could not answer;
    with `meanings`, a clause none of the route's words anchor is also read by its meaning."""
    unsure = [u for u in (unsure or []) if any(q.id == u for q in route.questions)]
    plain = normalize(text or "").lower()
    if not plain:
        return _reading(route, "empty", [], answers, [], unsure)
    facts: dict[str, Fact] = {}
    asks: list[str] = []
    unread: list[str] = []  # clauses that state something none of the route's words anchor
    parts = clauses(plain)
    # "好 辛苦你了", "没有了，谢谢": a closing's bare 好 or 没有 is no yes or no to the question asked.
    closing = acts.says_thanks(plain) or acts.says_goodbye(plain)
    for i, clause in enumerate(parts):
        if closing and _ACKNOWLEDGEMENT.fullmatch(clause):
            continue
        if is_question(clause):
            asks.append(clause)
            continue
        if i == 0 and len(parts) > 1 and _CORRECTION_OPENING.fullmatch(clause):
            continue  # "不是，是我自己交的社保": it opens a correction and says no to nothing
        if acts.DEFERS.search(clause):
            continue  # "我问问装修师傅门头的事": the answer comes later, from someone else
        anchors = _anchors(route, clause, current)
        if not anchors:
            unread.append(clause)
        for qid, (option, evidence) in _read_clause(route, clause, current, anchors).items():
            if qid == current and acts.UNSURE.search(clause):
                continue  # "不确定多大" does not answer 多大
            facts[qid] = Fact(question=qid, value=option.value, label=option.label, evidence=evidence)
    question = next((q for q in route.questions if q.id == current), None)
    doubtful = bool(acts.UNSURE.search(plain))
    if question is not None and not facts and not asks and not doubtful and not closing \
            and not acts.CORRECTION.search(plain):
        # Only a reply that said nothing else is read with the weak cues ("要", "没有", "2"), clause by
        # clause ("家里没别人，就我自己"), then by the characters it shares with one option ("随爸").
        for clause in [plain.strip("。.!！~"), *clauses(plain)]:
            weak = _weak_answer(question, clause.strip("。.!！~")) or _closest(question, clause)
            if weak is not None:
                facts[question.id] = Fact(question=question.id, value=weak.value, label=weak.label, evidence=clause)
                unread = []  # the reply was a short answer to the question asked, and nothing else
                break

    if meanings is not None and unread and not doubtful and not acts.CORRECTION.search(plain):
        for clause in unread:
            settled = {**answers, **{f.question: f.value for f in facts.values()}}
            asked = {q.id for q in open_questions(route, effective_answers(route, settled)[0])}
            still_open = [q for q in route.questions if q.id in asked and q.id not in facts and q.id not in unsure]
            meant = meanings.answer(route, clause, still_open)
            if meant is not None:
                q, option = meant
                facts[q.id] = Fact(question=q.id, value=option.value, label=option.label, evidence=clause)

    small_talk = None if facts else acts.small_talk_kind(plain)
    if facts:
        act: Act = "correction" if acts.CORRECTION.search(plain) else "answer"
    elif small_talk == "about_me":  # "你是机器人吗" asks, but about the assistant, not the route
        act = "small_talk"
    elif acts.SKIP.match(plain):
        act = "skip"
    elif doubtful:
        act = "unsure"
        if current and current not in unsure:
            unsure = [*unsure, current]
    elif asks:
        act = "question"
    elif acts.CORRECTION.search(plain):
        act = "correction"
    elif small_talk:
        act = "small_talk"
    else:
        act = "other"
    merged = dict(answers)
    for f in facts.values():
        if merged.get(f.question) not in (None, f.value):
            f.previous = merged[f.question]
        merged[f.question] = f.value
    unsure = [u for u in unsure if u not in facts]
    return _reading(route, act, list(facts.values()), merged, asks, unsure,
                    small_talk if act == "small_talk" else None)


def _reading(route: Route, act: Act, facts: list[Fact], answers: dict[str, str], asks: list[str],
             unsure: list[str], small_talk: acts.SmallTalk | None = None) -> Reading:
    kept, dropped = effective_answers(route, answers)
    remaining = [q.id for q in open_questions(route, kept) if q.id not in unsure]
    return Reading(route=route.id, act=act, facts=facts, answers=kept, dropped=dropped, unsure=unsure,
                   asks=asks, open_questions=remaining, small_talk=small_talk)
