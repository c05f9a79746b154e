"""What the console shows while a caller talks: the matching guides, and for the chosen one its
situation questions and tailored plan (a route), its summary (an item) or its answer (a FAQ entry).

Everything here is built from one search outcome and at most one plan, so a suggestion stays well
inside the console's 200 ms budget however often the staff member's typing refreshes it.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from knowledge.catalogue import Catalogue
from knowledge.console.links import notice_path
from knowledge.wording.phrases import KIND_LABELS, item_fee, item_online, item_place, item_time
from knowledge.planner import (MaterialView, Plan, effective_answers, open_questions, pending_questions, plan_route,
                               validate_answers)
from knowledge.schema import Faq, Item, Route
from knowledge.search.engine import Match, Outcome

# What staff type is the caller's goal in their words, not a transcript. Query embedding time grows
# with length (about 5 ms per character on a busy 2-core machine), so the console takes at most this
# much to stay inside its 200 ms budget; the search API's own limit (MAX_QUERY_CHARS) is longer.
MAX_TEXT_CHARS = 200

QuestionState = Literal["answered", "open", "waiting", "skipped"]


class Candidate(BaseModel):
    id: str
    kind: str
    kind_label: str
    title: str
    department: str
    score: float


class OptionView(BaseModel):
    value: str
    label: str


class QuestionView(BaseModel):
    id: str
    text: str
    help: str | None
    options: list[OptionView]
    answer: str | None
    state: QuestionState = Field(description="answered 已回答；open 现在可问；waiting 取决于尚未回答的问题；skipped 按已答情形无需再问")
    from_text: bool = Field(False, description="答案是从来电内容中读出的（工作人员可取消）")


class DepartmentStop(BaseModel):
    """One department the caller has to deal with, and at which steps and windows."""

    department: str
    steps: list[int]
    windows: list[str]
    addresses: list[str]


class PendingStep(BaseModel):
    """A step that may or may not apply, depending on questions not answered yet."""

    id: str
    title: str
    department: str
    depends_on_questions: list[str]


class RouteView(BaseModel):
    id: str
    name: str
    summary: str
    questions: list[QuestionView]
    unanswered: list[str] = Field(description="仍需询问的情形问题 id（含取决于其他问题的）")
    ignored_answers: list[str] = Field(description="所依赖的情形已改变、因而不再适用的答案")
    complete: bool = Field(description="情形问题都已回答，计划已完全按来电人情况定制")
    plan: Plan
    pending_steps: list[PendingStep]
    departments: list[DepartmentStop]
    notice_path: str


class ItemView(BaseModel):
    id: str
    name: str
    type: str
    department: str
    summary: str | None
    place: str
    window: str | None
    hours: str
    phone: str
    time: str
    promised_days: int
    statutory_days: int | None
    visits: int
    online: str
    fee: str
    fee_basis: str | None
    result: str
    delivery: list[str]
    conditions: list[str]
    materials: list[MaterialView]
    notice_path: str


class FaqView(BaseModel):
    id: str
    question: str
    answer: str


def candidates(outcome: Outcome, catalogue: Catalogue) -> list[Candidate]:
    # A guide withdrawn between the search and this read is simply left out.
    return [
        Candidate(id=h.doc.guide_id, kind=h.doc.kind, kind_label=KIND_LABELS.get(h.doc.kind, h.doc.kind),
                  title=h.doc.title, department=h.doc.department, score=h.score)
        for h in outcome.hits
        if catalogue.get(h.doc.guide_id) is not None
    ]


def clear_top(outcome: Outcome, found: list[Candidate]) -> Candidate | None:
    """The guide the caller clearly means, if the search is sure of one."""
    if outcome.match != Match.clear or not found or found[0].id != outcome.hits[0].doc.guide_id:
        return None
    return found[0]


def route_view(route: Route, catalogue: Catalogue, answers: dict[str, str]) -> RouteView:
    """Raises knowledge.planner.PlanError when an answer names an unknown question or option."""
    validate_answers(route, answers)
    answers, ignored = effective_answers(route, answers)
    plan = plan_route(route, catalogue, answers)
    pending = pending_questions(route, answers)
    askable = {q.id for q in open_questions(route, answers)}

    def state(qid: str) -> QuestionState:
        if qid in answers:
            return "answered"
        return "open" if qid in askable else "waiting" if qid in pending else "skipped"

    questions = [
        QuestionView(id=q.id, text=q.text, help=q.help,
                     options=[OptionView(value=o.value, label=o.label) for o in q.options],
                     answer=answers.get(q.id), state=state(q.id))
        for q in route.questions
    ]
    return RouteView(
        id=route.id, name=route.name, summary=route.summary, questions=questions,
        unanswered=[q.id for q in route.questions if q.id in pending], ignored_answers=ignored,
        complete=not pending, plan=plan, departments=departments(plan),
        pending_steps=[
            PendingStep(id=st.id, title=st.title or catalogue.items[st.item].name,
                        department=catalogue.items[st.item].department,
                        depends_on_questions=[qid for qid in (st.when or {}) if qid in pending])
            for st in route.steps if st.id in plan.conditional_steps
        ],
        notice_path=notice_path("route", route.id, plan.answers),
    )


def departments(plan: Plan) -> list[DepartmentStop]:
    stops: dict[str, DepartmentStop] = {}
    for s in plan.steps:
        stop = stops.setdefault(s.department,
                                DepartmentStop(department=s.department, steps=[], windows=[], addresses=[]))
        stop.steps.append(s.number)
        if s.window and s.window not in stop.windows:
            stop.windows.append(s.window)
        if s.address not in stop.addresses:
            stop.addresses.append(s.address)
    return list(stops.values())


def item_view(item: Item) -> ItemView:
    return ItemView(
        id=item.id, name=item.name, type=item.type, department=item.department, summary=item.summary,
        place=item_place(item), window=item.place.window, hours=item.place.hours, phone=item.place.phone,
        time=item_time(item), promised_days=item.time_limit.promised_days,
        statutory_days=item.time_limit.statutory_days, visits=item.time_limit.visits,
        online=item_online(item), fee=item_fee(item), fee_basis=item.fee.basis,
        result=item.result.name, delivery=list(item.result.delivery), conditions=list(item.conditions),
        materials=[
            MaterialView(name=m.name, form=m.form, copies=m.copies, necessity=m.necessity,
                             deferral_days=m.deferral_days, condition=m.condition, commitment=m.commitment)
            for m in item.materials
        ],
        notice_path=notice_path("item", item.id),
    )


def faq_view(faq: Faq) -> FaqView:
    return FaqView(id=faq.id, question=faq.question, answer=faq.answer)
