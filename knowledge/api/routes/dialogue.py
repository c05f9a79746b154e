"""The dialogue's two calls per turn: understand a message, then get the answer to say.

    POST /api/dialogue/understand  text + focus + situation → aspect, step, search, situation reading
    POST /api/dialogue/answer      focus + aspect/step + situation → messages and the next question

The action server decides what to do between the two; the knowledge service owns the reading of
Chinese text and the wording. Sent by the action server only (no personal sign-in), so bodies are
bounded here like any public input.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, StringConstraints

from knowledge import referrals
from knowledge.api.deps import StateDep
from knowledge.catalogue import Catalogue
from knowledge.dialogue import acts, guide_faq
from knowledge.dialogue import answers as compose
from knowledge.dialogue.aspects import aspect_of
from knowledge.dialogue.situation import Reading, clauses, ordinal, read
from knowledge.dialogue.steps import named_step, numbered_step
from knowledge.planner import validate_answers
from knowledge.schema import Faq, Item, Route
from knowledge.search.engine import Match, SearchResult
from knowledge.text.normalize import normalize

router = APIRouter(prefix="/api/dialogue", tags=["dialogue"])

MAX_TEXT = 2000
QUERY_CHARS = 200  # the goal sits in the first sentences; a pasted essay would only slow the embedding
PROXY_FAQ = "faq-proxy-handling"
# Aspects whose general answer a guide's own 常见问答 may overrule: "要本人去吗" is 代办 in general (most
# items allow it) but not for 结婚登记 or 身份证; "多久内要过户" asks 多久 of something other than the
# processing time; a question on validity is better answered in the guide's own words when it has them.
FAQ_BEFORE_ASPECT = (None, "proxy", "duration", "validity")
Id = Annotated[str, StringConstraints(max_length=128)]


class Situation(BaseModel):
    answers: dict[Id, Id] = Field(default_factory=dict, max_length=50, description="情形问题 id → 选项值")
    unsure: list[Id] = Field(default_factory=list, max_length=50, description="市民表示不确定的问题")


class UnderstandRequest(Situation):
    text: str = Field(max_length=MAX_TEXT)
    focus: Id | None = Field(None, description="当前焦点，如 route:open-restaurant")
    current: Id | None = Field(None, description="正在问的情形问题 id")
    misses: int = Field(0, ge=0, le=100, description="当前问题连续没能确定答案的次数")
    offered: list[Id] = Field(default_factory=list, max_length=10, description="上一轮列出的可选指南，如 route:newborn")


class Found(BaseModel):
    match: Match
    results: list[SearchResult]


class NoGuide(BaseModel):
    referral: str = Field(description="转介表中的 id")
    domain: str
    word: str = Field(description="消息中据以判断的词")
    reply: compose.Answer


class Understanding(BaseModel):
    text: str
    choice: int | None = Field(None, description="消息只是一个序号（“2”“第二个”“就第一个吧”）时的序号，从 1 起")
    aspect: str | None
    search: Found
    step: str | None = Field(None, description="焦点路线中被点到的步骤 id")
    reading: Reading | None = Field(None, description="按焦点路线读出的情形")
    reply: compose.Answer | None = Field(None, description="情形问答中的回复（已记下/不确定/再问）")
    goal: str | None = Field(None, description="检索明确指向、且不同于焦点的路线或事项")
    goal_reading: Reading | None = Field(None, description="按新目标路线读出的情形（首句里的事实）")
    no_guide: NoGuide | None = Field(None, description="消息问到知识库没有指南的领域（转介表）：如实告知及办理部门")
    points_back: bool = Field(False, description="追问指回焦点（“这个备案…”），不换目标")
    small_talk: acts.SmallTalk | None = Field(None, description="闲聊的类别（点赞、稍等、问助手本身）")
    side_question: bool = Field(
        False, description="新目标只是与焦点路线同部门的一个事项，且以提问出现（“坐诊医生要什么资格”）：附带回答，路线不变")
    faq_reply: compose.Answer | None = Field(
        None, description="焦点指南（或焦点路线各步骤）的常见问答中明确对应这条追问的回答")
    unanswered: compose.Answer | None = Field(
        None, description="追问只能是关于焦点指南的，而指南没有写到：如实说明并告知向谁咨询（记为知识缺口）")


class AnswerRequest(Situation):
    focus: Id
    aspect: Id | None = None
    step: Id | None = None
    start_questions: bool = Field(False, description="情形未答完时先给概览并开始提问")
    general: bool = Field(False, description="市民跳过了情形问题：按通用方案回答")


def _clearly_another_guide(found: Found, focus: Item | Route) -> bool:
    if found.match != Match.clear or not found.results:
        return False
    top = found.results[0].id
    return top != focus.id and not (isinstance(focus, Route) and any(s.item == top for s in focus.steps))


def _guide(catalogue: Catalogue, focus: str | None) -> Item | Route | Faq | None:
    if not focus or ":" not in focus:
        return None
    kind, _, gid = focus.partition(":")
    tables: dict[str, Mapping[str, Item | Route | Faq]] = {
        "item": catalogue.items, "route": catalogue.routes, "faq": catalogue.faqs}
    return tables.get(kind, {}).get(gid)


@router.post("/understand", response_model=Understanding)
def understand(body: UnderstandRequest, state: StateDep) -> Understanding:
    catalogue = state.catalogue
    text = normalize(body.text)
    found = Found(match=Match.none, results=[])
    if text:
        outcome = state.engine.search(text[:QUERY_CHARS], k=5)
        hits = [h for h in outcome.hits if catalogue.get(h.doc.guide_id) is not None]
        match = outcome.match
        if match == Match.ambiguous:
            # A choice offered to a citizen must share words with the question: a guide that only
            # the embedding placed there ("农村翻建房子" → 结婚登记) is noise, not an option.
            hits = [h for h in hits if h.lexical_rank is not None or h.dense_rank == 0]
            match = Match.ambiguous if hits else Match.none
        found = Found(match=match, results=[SearchResult.of(h) for h in hits])
    result = Understanding(text=text, choice=ordinal(text, len(body.offered) or None), aspect=aspect_of(text),
                           search=found, small_talk=acts.small_talk_kind(text) if text else None)
    focus = _guide(catalogue, body.focus)
    if isinstance(focus, Route):
        answers = body.answers
        validate_answers(focus, answers)
        current = body.current if any(q.id == body.current for q in focus.questions) else None
        step = numbered_step(focus, catalogue, text, answers) or named_step(focus, catalogue, text, answers)
        result.step = step.id if step else None
        result.reading = read(focus, answers, text, current, body.unsure, meanings=state.meanings)
        result.reply = compose.reading_answer(focus, catalogue, result.reading, current, body.misses)
    no_guide = _no_guide(state, text, found, focus, result)
    if no_guide:
        # Nearest guides offered for a domain the base does not hold would only mislead.
        result.no_guide, result.search = no_guide, Found(match=Match.none, results=[])
        return result
    result.points_back = focus is not None and bool(acts.POINTS_BACK.match(text))
    # Whether a word of the message names a guide other than the one in focus ("社保怎么交" after 公积金提取).
    names_another = isinstance(focus, (Item, Route)) and bool(state.engine.topics(text) - _focus_ids(focus))
    # "有效期多久" after 护照: only the aspect's words, naming no other guide, so it asks about the guide in
    # focus, whichever guide those words happen to lead in the search (驾驶证换证 mentions 有效期 most).
    on_focus = isinstance(focus, (Item, Route)) and result.aspect is not None and not names_another
    goal = None if result.points_back or on_focus else _goal(state, text, found, body.focus, body.offered)
    if goal:
        result.goal, result.goal_reading = goal
        kind, _, gid = result.goal.partition(":")
        if kind == "route" and state.meanings is not None:
            # The goal was chosen on words alone; its facts are then read in full ("开个洗脚城 不弄吃的").
            result.goal_reading = read(catalogue.routes[gid], {}, text, meanings=state.meanings)
        if isinstance(focus, Route) and result.reading is not None and result.reading.facts \
                and kind == "route" and acts.names_a_new_goal(text):
            # "算了网吧太难搞了 还是开奶茶店吧": its 奶茶 answers the café's drinks question, but the
            # citizen turns to another business; what they said is about the new goal (goal_reading).
            # "改成公司吧" and "X光不弄了" name no new goal: they correct an answer of this route.
            result.reading = read(focus, body.answers, "", current, body.unsure)
            result.reply = compose.reading_answer(focus, catalogue, result.reading, current, body.misses)
        turning = acts.CHANGE_OF_MIND.search(text) or acts.CORRECTION.search(text) or acts.names_a_new_goal(text)
        result.side_question = isinstance(focus, Route) and kind == "item" and not turning and not result.step \
            and acts.is_question(text) and _same_undertaking(catalogue, focus, catalogue.items[gid])
        if result.step and (acts.CHANGE_OF_MIND.search(text) or acts.CORRECTION.search(text)):
            # "算了不开饭店了，我想开个宠物医院" and "不对 不是幼儿园 是托育机构" leave the route: the
            # step their words name is the one they turn away from.
            result.step = None
    elif isinstance(focus, (Item, Route)) and state.meanings is not None and result.aspect in FAQ_BEFORE_ASPECT \
            and not result.step and acts.is_question(text) and (on_focus or not _clearly_another_guide(found, focus)):
        # "要户口本吗" after 结婚登记: no aspect, no other guide; the focus's own 常见问答 may answer it.
        hit = guide_faq.answer(state.meanings, catalogue, focus, text)
        if hit:
            result.faq_reply = compose.guide_faq_answer(hit.item, hit.question, hit.answer)
        elif result.aspect is None and found.match != Match.clear and not result.small_talk \
                and not (result.reading and result.reading.facts) and not names_another:
            # "可以加急吗" after 公积金提取: no word of it names any other guide, so it asks about this
            # one, which does not say; guides sharing a word ("一年级") would only mislead.
            result.unanswered = compose.unanswered_answer(focus)
    return result


def _same_undertaking(catalogue: Catalogue, route: Route, item: Item) -> bool:
    """An item of a department that already handles a step of the route belongs to the same
    undertaking (坐诊医生的医师执业注册 while opening a clinic); a question about it asked in the middle of
    the route's questions is a side question, not a new goal (护照 while opening a restaurant)."""
    return item.department in {catalogue.items[s.item].department for s in route.steps}


def _focus_ids(focus: Item | Route) -> set[str]:
    return {focus.id, *(s.item for s in focus.steps)} if isinstance(focus, Route) else {focus.id}


def _no_guide(state, text: str, found: Found, focus, result: Understanding) -> NoGuide | None:
    """The message names a domain of the referral table ("公积金贷款" with no loan guide) that neither
    the guide in focus, the step of it the message names, nor a clear search answer covers in those
    words; a message that answers the route in focus is an answer, not a referral."""
    hit = referrals.named(referrals.table(state.settings.guides_dir), text)
    if hit is None or (result.reading and result.reading.facts):
        return None
    referral, word = hit
    if focus is not None and referrals.covers(focus, word):
        return None
    if result.step:
        # A step named by a general word ("营业执照") does not answer a specific one ("年报").
        step = next(s for s in focus.steps if s.id == result.step)
        if referrals.covers(state.catalogue.items[step.item], word):
            return None
    top = found.results[0] if found.results else None
    if found.match == Match.clear and top is not None:
        guide = state.catalogue.get(top.id)
        if guide is not None and referrals.covers(guide, word):
            return None
    return NoGuide(referral=referral.id, domain=referral.domain, word=word,
                   reply=compose.no_guide_answer(referral))


# A question about what to do ("要办哪些手续", "怎么弄") is answered by a route, when one is offered.
ROUTE_QUESTION = re.compile(r"手续|审批|哪些|办什么|办啥|要办|怎么办|怎么弄|咋办|流程|从哪下手|怎么开")
# "X已经办了，接下来要办啥": the next steps after one already taken.
NEXT_STEP = re.compile(r"接下来|下一步|然后(?:要|该|还)|还(?:要|得|需要)办(?:什么|啥|哪些)|还有(?:什么|啥|哪些)要办")


def _goal(state, text: str, found: Found, focus: str | None,
          offered: list[str]) -> tuple[str, Reading | None] | None:
    """The guide the message sets as its goal, when it is not the one in focus.

    Retrieval decides, with two general helps for how citizens write: a message that states its
    situation ("开个烧烤店，个体户，60平，卖烟，挂招牌") is about the route whose questions those facts
    answer, even when one fact's words (招牌) outrank the goal; and a long message whose whole text is
    unclear is searched again by its first and last clauses, where Chinese puts the goal and the
    decision ("算了，饭店太累，还是开个便利店吧")."""
    catalogue = state.catalogue
    # After a list of choices, a reply that answers one offered route's question ("政府投资的",
    # "结咗婚") chooses that route.
    offered_routes = [o.partition(":")[2] for o in offered if o.startswith("route:") and o.partition(":")[2] in catalogue.routes]
    fitting = [(rid, read(catalogue.routes[rid], {}, text)) for rid in offered_routes]
    fitting = [(rid, rd) for rid, rd in fitting if rd.facts]
    if len(fitting) == 1:
        return f"route:{fitting[0][0]}", fitting[0][1]
    results = list(found.results)
    match = found.match
    routes_on_top = [r for r in results[:3] if r.kind == "route"]
    if match == Match.ambiguous and len(routes_on_top) == 1 and ROUTE_QUESTION.search(text) \
            and f"route:{routes_on_top[0].id}" != focus \
            and _may_stand_for(catalogue.routes[routes_on_top[0].id], results[0]):
        rid = routes_on_top[0].id
        return f"route:{rid}", read(catalogue.routes[rid], {}, text)
    parts = clauses(text)
    by_clause = False
    if len(parts) >= 2 and (match != Match.clear or (results and results[0].kind != "route")):
        for part in dict.fromkeys([parts[-1], parts[0]]):
            outcome = state.engine.search(part[:QUERY_CHARS], k=3)
            extra = [SearchResult.of(h) for h in outcome.hits if catalogue.get(h.doc.guide_id) is not None]
            if outcome.match == Match.clear and match != Match.clear and extra and extra[0].kind != "faq":
                results, match, by_clause = extra + results, Match.clear, True
            else:
                results += [r for r in extra if r.kind == "route"]
    readings = {}
    for r in results:
        if r.kind == "route" and f"route:{r.id}" != focus and r.id not in readings:
            readings[r.id] = read(catalogue.routes[r.id], {}, text)
    counts = sorted(((len(rd.facts), rid) for rid, rd in readings.items()), reverse=True)
    top = results[0] if results else None
    # A clause that alone is clear ("在中介那看中一套二手房" → 开房产中介) yields to a route whose questions the
    # whole message answers twice or more (首套, 按揭 → 二手房买卖).
    if counts and counts[0][0] >= 1 and (len(counts) == 1 or counts[0][0] > counts[1][0]) and \
            (match != Match.clear or ((by_clause or (top is not None and top.kind == "item")) and counts[0][0] >= 2)):
        rid = counts[0][1]
        return f"route:{rid}", readings[rid]
    if match == Match.clear and top is not None and top.kind == "item" and NEXT_STEP.search(text):
        # "出生证医院已经给了 接下来要办啥": the item named is done; what comes next is its route's.
        owners = [r for r in catalogue.routes.values() if any(s.item == top.id for s in r.steps)]
        if len(owners) == 1 and f"route:{owners[0].id}" != focus:
            return f"route:{owners[0].id}", read(owners[0], {}, text)
    if match == Match.clear and top is not None and top.kind != "faq" and f"{top.kind}:{top.id}" != focus:
        return f"{top.kind}:{top.id}", readings.get(top.id) if top.kind == "route" else None
    return None


def _may_stand_for(route: Route, top: SearchResult) -> bool:
    """A route may answer a question whose first result is the route itself, a centre practice, or one
    of its own steps ("退休要办些啥": 养老金申领 leads); an unrelated item leading ("护找怎么办理":
    护照) is the answer, not a route that only shares a word."""
    return top.kind != "item" or any(s.item == top.id for s in route.steps)


@router.post("/answer", response_model=compose.Answer)
def answer(body: AnswerRequest, state: StateDep) -> compose.Answer:
    catalogue = state.catalogue
    guide = _guide(catalogue, body.focus)
    if guide is None:
        raise HTTPException(404, detail=f"没有找到指南「{body.focus[:64]}」")
    if isinstance(guide, Faq):
        return compose.faq_answer(guide)
    if isinstance(guide, Item):
        if body.aspect == "proxy":
            return compose.proxy_answer(guide.name, catalogue.faqs.get(PROXY_FAQ), compose.ITEM_FOLLOW_UPS,
                                        guide.in_person)
        return compose.item_answer(guide, body.aspect)
    answers = body.answers
    validate_answers(guide, answers)
    if body.step and any(s.id == body.step for s in guide.steps):
        return compose.step_answer(guide, catalogue, answers, body.step, body.aspect, catalogue.faqs.get(PROXY_FAQ))
    if body.aspect == "proxy":
        return compose.proxy_answer(guide.name, catalogue.faqs.get(PROXY_FAQ))
    return compose.route_answer(guide, catalogue, answers, body.unsure, body.aspect, body.start_questions,
                                body.general)


class SayRequest(BaseModel):
    what: Literal["greet", "not_found", "none_of_offered", "scope", "ask_goal", "offer", "small_talk"]
    aspect: Id | None = None
    small_talk: acts.SmallTalk | None = Field(None, description="small_talk：闲聊的类别")
    results: list[SearchResult] = Field(default_factory=list, max_length=10, description="offer：可选的指南")


@router.post("/say", response_model=compose.Answer)
def say(body: SayRequest) -> compose.Answer:
    """Replies about no guide in particular, in the same wording home as every other answer."""
    return compose.general(body.what, body.aspect, body.results, body.small_talk)
