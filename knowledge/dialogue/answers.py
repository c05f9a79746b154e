"""What to say for one decision of the dialogue: the action server decides WHAT to answer (a guide,
an aspect, a step, the next situation question) and this module composes the messages from the
catalogue, the planner and the wording, in one call.
"""
from __future__ import annotations

from pydantic import BaseModel, Field

from knowledge.dialogue import acts
from knowledge.catalogue import Catalogue
from knowledge.dialogue.aspects import LABELS
from knowledge.dialogue.situation import Reading
from knowledge.planner import (Plan, completions, effective_answers, open_questions, pending_questions, plan_route,
                               possible_totals)
from knowledge.schema import Faq, Item, Route
from knowledge.schema.referral import Referral
from knowledge.schema.route import Condition, Question, condition_holds
from knowledge.search.engine import SearchResult
from knowledge.wording import chat

ROUTE_FOLLOW_UPS = ["要带哪些材料", "要多久", "能网上办吗", "材料不全能先办吗"]
ITEM_FOLLOW_UPS = ["要带哪些材料", "在哪里办", "收费吗", "打印告知单"]
PLAN_FOLLOW_UPS = ["材料不全能先办吗", "能网上办吗", "转人工"]
# Aspects that depend on the situation: asked before the questions are answered, they get what is
# known so far (a range of days, the materials of the steps already certain).
SITUATION_ASPECTS = {"materials", "duration", "process", "notice"}


class Button(BaseModel):
    title: str
    payload: str


class Message(BaseModel):
    text: str
    buttons: list[Button] = Field(default_factory=list)


def message(text: str, buttons: list[str] | None = None) -> Message:
    return Message(text=text, buttons=[Button(title=b, payload=b) for b in buttons or []])


class NextQuestion(BaseModel):
    id: str
    number: int
    total: int
    message: Message


class Answer(BaseModel):
    messages: list[Message]
    next_question: NextQuestion | None = Field(None, description="路线还有要问的情形问题时，下一个问题")
    starts_questions: bool = Field(False, description="这个回答开始了情形问答（概览之后接着问下一个问题）")


def next_question(route: Route, answers: dict[str, str], unsure: list[str], escapes: bool = False) -> NextQuestion | None:
    kept, _ = effective_answers(route, answers)
    remaining = [q for q in open_questions(route, kept) if q.id not in unsure]
    if not remaining:
        return None
    question = next(q for q in route.questions if q.id == remaining[0].id)
    done = len([q for q in kept if q in {x.id for x in route.questions}]) + len(unsure)
    number, total = done + 1, done + len(remaining)
    return NextQuestion(id=question.id, number=number, total=total,
                        message=message(*chat.question_message(question, number, total, escapes)))


def faq_answer(faq: Faq) -> Answer:
    return Answer(messages=[message(chat.faq_answer(faq))])


def guide_faq_answer(item: Item, question: str, answer: str) -> Answer:
    return Answer(messages=[message(chat.guide_faq_answer(item.name, item.department, question, answer))])


def item_answer(item: Item, aspect: str | None) -> Answer:
    text = chat.item_aspect(item, aspect) if aspect and aspect != "proxy" else chat.item_card(item)
    return Answer(messages=[message(text, ITEM_FOLLOW_UPS)])


def _step_titles(route: Route, catalogue: Catalogue, step_ids: list[str]) -> list[str]:
    by_id = {s.id: s for s in route.steps}
    return [by_id[s].title or catalogue.items[by_id[s].item].name for s in step_ids if s in by_id]


def route_answer(route: Route, catalogue: Catalogue, answers: dict[str, str], unsure: list[str],
                 aspect: str | None, start_questions: bool, general: bool = False) -> Answer:
    """A route: the overview and the first question while the situation is open (start_questions),
    what is known so far for an aspect asked early, or the tailored plan / its aspect."""
    kept, _ = effective_answers(route, answers)
    plan = plan_route(route, catalogue, kept)
    nq = next_question(route, kept, unsure)
    if nq and start_questions and (aspect is None or aspect in SITUATION_ASPECTS):
        items = {s.item: catalogue.items[s.item] for s in route.steps if s.item in catalogue.items}
        messages = [message(chat.route_overview(route, items)),
                    message(chat.questions_intro(nq.total - nq.number + 1))]
        if aspect:
            messages.insert(1, message(_early_aspect(route, catalogue, kept, aspect, plan)))
        return Answer(messages=messages, next_question=nq, starts_questions=True)
    if aspect and nq and aspect in SITUATION_ASPECTS and not general:
        return Answer(messages=[message(_early_aspect(route, catalogue, kept, aspect, plan))], next_question=nq)
    if aspect:
        return Answer(messages=[message(chat.route_aspect(plan, aspect), ROUTE_FOLLOW_UPS)], next_question=nq)
    return Answer(messages=[message(chat.plan_summary(plan)), message(chat.plan_materials(plan)),
                            message(chat.plan_extras(plan), PLAN_FOLLOW_UPS)], next_question=nq)


def _early_aspect(route: Route, catalogue: Catalogue, answers: dict[str, str], aspect: str, plan: Plan) -> str:
    if aspect == "duration" or aspect == "process":
        fastest, slowest, deciding = possible_totals(route, catalogue, answers)
        texts = {q.id: q.text for q in route.questions}
        return chat.open_duration(route.name, fastest, slowest, [texts[q] for q in deciding],
                                  chat.waiting_periods(plan) if aspect == "duration" else "")
    return chat.open_materials(plan, _step_titles(route, catalogue, plan.conditional_steps))


def step_answer(route: Route, catalogue: Catalogue, answers: dict[str, str], step_id: str,
                aspect: str | None, proxy_faq: Faq | None) -> Answer:
    """A follow-up about one step of the route in focus, answered for that step's item."""
    step = next(s for s in route.steps if s.id == step_id)
    item = catalogue.items[step.item]
    title = step.title or item.name
    kept, _ = effective_answers(route, answers)
    pending = pending_questions(route, kept)
    waiting = [qid for qid in (step.when or {}) if qid in pending]
    state = "depends" if waiting else "applies" if condition_holds(step.when, kept) else "skipped"
    texts = {q.id: q.text for q in route.questions}
    lines = [chat.step_status(route.name, title, state, [texts[q] for q in waiting])]
    if aspect == "proxy":
        lines.append(chat.proxy(title, proxy_faq, item.in_person))
    elif aspect:
        lines.append(chat.item_aspect(item, aspect))
    else:
        lines.append(chat.item_card(item))
    return Answer(messages=[message("\n".join(lines), ROUTE_FOLLOW_UPS)])


def reading_answer(route: Route, catalogue: Catalogue, reading: Reading, current: str | None,
                   misses: int) -> Answer:
    """The reply to a message during the situation questions, before the next question: what was
    taken, a correction applied, "不确定" explained; a message that answers nothing gets the question
    again with buttons (plus 不确定 and 跳过) once, and the second time the question is set aside, so the
    citizen never reads the same "没能确定" twice in a row."""
    questions = {q.id: q for q in route.questions}
    messages: list[Message] = []
    if reading.act == "other" and current in questions and current in reading.open_questions:
        if misses >= 1:
            reading.unsure.append(current)
            reading.open_questions.remove(current)
            messages.append(message(chat.skipped_twice(questions[current])))
        else:
            nq = next_question(route, reading.answers, reading.unsure, escapes=True)
            return Answer(messages=[message(chat.miss(questions[current]))], next_question=nq)
    if reading.facts:
        messages.append(message(chat.acknowledgement(reading.facts, questions)))
    if reading.dropped:
        messages.append(message(chat.dropped_note(reading.dropped, questions)))
    nq = next_question(route, reading.answers, reading.unsure)
    if reading.act == "unsure" and reading.unsure:
        q = next(x for x in route.questions if x.id == reading.unsure[-1])
        messages.append(message(chat.unsure(questions[q.id], consequences(route, catalogue, reading.answers, q))))
    elif reading.act == "small_talk":
        messages.append(message(chat.small_talk(reading.small_talk or "thanks", in_form=True)))
    return Answer(messages=messages, next_question=nq)


def consequences(route: Route, catalogue: Catalogue, answers: dict[str, str],
                 question: Question) -> list[tuple[str, list[str]]]:
    """For each option of the question, the steps that hang on this question and would then apply
    (for "不确定": the citizen sees what the choice changes)."""
    out = []
    for o in question.options:
        filled, _ = effective_answers(route, {**answers, question.id: o.value})
        steps = [s.id for s in route.steps if question.id in (s.when or {}) and _may_hold(route, filled, s.when)]
        out.append((o.label, _step_titles(route, catalogue, steps)))
    return out


def _may_hold(route: Route, answers: dict[str, str], cond: Condition | None) -> bool:
    """The condition can still hold once the other open questions are answered."""
    open_ids = [qid for qid in (cond or {}) if qid not in answers]
    return any(condition_holds(cond, filled) for filled in completions(route, answers, open_ids))


def proxy_answer(name: str, proxy_faq: Faq | None, follow_ups: list[str] | None = None,
                 in_person: str | None = None) -> Answer:
    """Someone else handing it in (代办), for the guide in focus."""
    return Answer(messages=[message(chat.proxy(name, proxy_faq, in_person), follow_ups)])


def unanswered_answer(focus: Item | Route) -> Answer:
    """The guide in focus says nothing on the follow-up: who to ask, and the guide's own buttons."""
    if isinstance(focus, Item):
        return Answer(messages=[message(chat.unanswered(focus.name, focus.department, focus.place.phone),
                                        ITEM_FOLLOW_UPS)])
    return Answer(messages=[message(chat.unanswered(focus.name, None, None), PLAN_FOLLOW_UPS)])


def no_guide_answer(referral: Referral) -> Answer:
    """No guide here for the domain the citizen named: say so, and who handles it."""
    return Answer(messages=[message(chat.no_guide(referral))])


def general(what: str, aspect: str | None, results: list[SearchResult],
            small_talk: acts.SmallTalk | None = None) -> Answer:
    if what == "offer":
        return Answer(messages=[Message(
            text=chat.options_text(results, "您想办的可能是以下哪一项？"),
            buttons=[Button(title=r.title, payload=f'/choose_option{{"choice":"{r.kind}:{r.id}"}}')
                     for r in results])])
    if what == "small_talk":
        return Answer(messages=[message(chat.small_talk(small_talk or "ack"))])
    if what == "ask_goal":
        return Answer(messages=[message(chat.ask_goal(LABELS.get(aspect or "", "情况")))])
    text = {"greet": chat.greeting, "not_found": chat.not_found, "none_of_offered": chat.none_of_offered,
            "scope": chat.scope_statement}[what]()
    return Answer(messages=[message(text)])
