"""The hotline staff console (审批导航热线台): suggestions while the caller talks, the short message
sent to the caller afterwards, and the queue of conversations that asked for a person.

    GET  /api/console/suggest?text=…&route=…|item=…|faq=…&answers={"question":"option"}
    GET  /api/console/brief?route=…&answers=…   or   ?item=…
    GET  /api/console/handoffs?status=open|handled
    POST /api/console/handoffs/{id}/handled

Every call needs a signed-in account with the `console` capability.
"""
from __future__ import annotations

import json
import time
from typing import Annotated, cast

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from knowledge.api.auth import CurrentUser, require
from knowledge.api.deps import SessionDep, StateDep, lookup
from knowledge.api.limits import raw_json_depth
from knowledge.console import handoffs
from knowledge.console.brief import item_brief, route_brief
from knowledge.console.links import notice_url
from knowledge.dialogue.situation import read
from knowledge.console.suggestions import (MAX_TEXT_CHARS, Candidate, FaqView, ItemView, RouteView, candidates,
                                           clear_top, faq_view, item_view, route_view)
from knowledge.schema import Faq, Item, Route
from knowledge.search.engine import Match
from knowledge.text.normalize import normalize


def start_clock(request: Request) -> None:
    # Runs before the sign-in check, so server_ms covers everything the request costs the service.
    request.state.console_started = time.perf_counter()


router = APIRouter(prefix="/api/console", tags=["console"],
                   dependencies=[Depends(start_clock), require("console")])

MAX_ANSWERS = 50
MAX_ANSWERS_CHARS = 8000
ANSWERS_EXAMPLE = '{"entity": "company"}'


def elapsed_ms(request: Request) -> float:
    return round((time.perf_counter() - request.state.console_started) * 1000, 2)


def parse_answers(raw: str | None) -> dict[str, str]:
    if raw is None or not raw.strip():
        return {}
    if len(raw) > MAX_ANSWERS_CHARS:
        raise HTTPException(422, detail=f"情形答案太长（{len(raw)} 字符），最多 {MAX_ANSWERS_CHARS} 字符")
    try:
        # A flat object only: checking the nesting first keeps json.loads from recursing thousands of levels.
        answers = json.loads(raw) if raw_json_depth(raw) <= 1 else None
    except ValueError:
        answers = None
    if not isinstance(answers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= 64 for k, v in answers.items()):
        raise HTTPException(422, detail=f"情形答案（answers）格式不正确：应为“问题 → 选项”的 JSON 对象，例如 {ANSWERS_EXAMPLE}")
    if len(answers) > MAX_ANSWERS:
        raise HTTPException(422, detail=f"情形答案太多（{len(answers)} 个），最多 {MAX_ANSWERS} 个")
    return answers


AGAIN = "，请从候选中重新选择"


# ---- suggestions ---------------------------------------------------------------------------------

class Suggestion(BaseModel):
    query: str = Field(description="规范化后的来电内容（繁体转简体等）")
    match: Match
    candidates: list[Candidate]
    chosen_kind: str | None = Field(description="route | item | faq：当前展示的指南类型；未确定时为空")
    chosen_id: str | None
    chosen_by: str | None = Field(description="param：工作人员选定；clear：检索结果明确")
    route: RouteView | None = None
    item: ItemView | None = None
    faq: FaqView | None = None
    hint: str | None = Field(None, description="给工作人员的提示")
    search_ms: float | None = None
    search_timings: dict[str, float] = Field(default_factory=dict, description="检索各阶段耗时（毫秒）")
    server_ms: float


@router.get("/suggest", response_model=Suggestion)
def suggest(
    request: Request,
    response: Response,
    state: StateDep,
    text: Annotated[str, Query(description="来电人说的话（工作人员输入或粘贴）")] = "",
    route: Annotated[str | None, Query(description="工作人员选定的路线 id")] = None,
    item: Annotated[str | None, Query(description="工作人员选定的事项 id")] = None,
    faq: Annotated[str | None, Query(description="工作人员选定的问答 id")] = None,
    answers: Annotated[str | None, Query(description='情形答案 JSON，如 {"entity":"company"}')] = None,
    ignore: Annotated[str | None, Query(max_length=2000, description="工作人员取消勾选、不再从来电内容读取的问题 id，逗号分隔")] = None,
) -> Suggestion:
    if len(text) > MAX_TEXT_CHARS:
        raise HTTPException(400, detail=f"来电内容太长（{len(text)} 字），请只保留要办的事，精简到 {MAX_TEXT_CHARS} 字以内")
    if sum(map(bool, (route, item, faq))) > 1:
        raise HTTPException(400, detail="路线（route）、事项（item）和问答（faq）只能选一个")
    chosen_answers = parse_answers(answers)
    catalogue = state.catalogue
    # Resolve the staff member's choice before searching, so a bad id costs no search.
    chosen_route = lookup(catalogue.routes, route, "“一件事”路线", AGAIN) if route else None
    chosen_item = lookup(catalogue.items, item, "事项", AGAIN) if item else None
    chosen_faq = lookup(catalogue.faqs, faq, "问答", AGAIN) if faq else None
    chosen = chosen_route or chosen_item or chosen_faq

    query = normalize(text)
    found: list[Candidate] = []
    match, search_ms, top, timings = Match.none, None, None, {}
    if query:
        outcome = state.engine.search(text, k=5)
        found, match = candidates(outcome, catalogue), outcome.match
        search_ms = round(outcome.timings_ms.get("total", 0.0), 2)
        timings = {k: round(v, 2) for k, v in outcome.timings_ms.items()}
        if not chosen:
            top = clear_top(outcome, found)
    out = Suggestion(query=query, match=match, candidates=found, chosen_kind=None, chosen_id=None, chosen_by=None,
                     search_ms=search_ms, search_timings=timings, server_ms=0.0)

    guide = chosen or (catalogue.get(top.id) if top else None)
    if isinstance(guide, Route):
        # What the caller already said ("400平", "卖烟") is ticked for the staff member, marked as
        # taken from the text so it can be unticked; an answer the staff member gave wins.
        dismissed = set((ignore or "").split(","))
        heard = {f.question: f.value for f in read(guide, {}, query, meanings=state.meanings).facts
                 if f.question not in dismissed} if query else {}
        out.route = route_view(guide, catalogue, {**heard, **chosen_answers})
        for q in out.route.questions:
            q.from_text = q.answer is not None and heard.get(q.id) == q.answer
    elif isinstance(guide, Item):
        out.item = item_view(guide)
    elif isinstance(guide, Faq):
        out.faq = faq_view(guide)
    if guide is not None:
        out.chosen_kind, out.chosen_id = guide.kind, guide.id
        out.chosen_by = "param" if chosen else "clear"
    if chosen_answers and out.route is None:
        raise HTTPException(422, detail="情形答案只适用于“一件事”路线：请先选定路线（route）")

    if not query and not out.chosen_kind:
        out.hint = "请输入来电人所说的内容，例如“我想开个饭店”"
    elif match == Match.none and not out.chosen_kind:
        out.hint = "知识库中没有找到对应的办事指南，可换个说法，或请来电人说说具体要办的事"
    elif match == Match.ambiguous and not out.chosen_kind:
        out.hint = "有多个可能的指南，请向来电人确认后点选"
    out.server_ms = elapsed_ms(request)
    response.headers["Server-Timing"] = f"app;dur={out.server_ms}"
    return out


# ---- the message for the caller -------------------------------------------------------------------

class Brief(BaseModel):
    text: str = Field(description="发给来电人的短信/微信文字（不超过 500 字）")
    length: int
    notice_url: str
    kind: str
    id: str


@router.get("/brief", response_model=Brief)
def brief(
    state: StateDep,
    route: str | None = None,
    item: str | None = None,
    answers: str | None = None,
) -> Brief:
    if bool(route) == bool(item):
        raise HTTPException(400, detail="请指定一条路线（route）或一个事项（item）")
    catalogue, settings = state.catalogue, state.settings
    base, hotline = settings.public_base_url, settings.hotline_phone
    if route:
        view = route_view(lookup(catalogue.routes, route, "“一件事”路线", AGAIN), catalogue, parse_answers(answers))
        text = route_brief(view.plan, base, hotline)
        link = notice_url(base, "route", view.id, view.plan.answers)
        return Brief(text=text, length=len(text), notice_url=link, kind="route", id=view.id)
    if parse_answers(answers):
        raise HTTPException(422, detail="情形答案只适用于“一件事”路线，事项不需要")
    found = lookup(catalogue.items, item or "", "事项", AGAIN)  # item is given when route is not
    text = item_brief(found, base, hotline)
    return Brief(text=text, length=len(text), notice_url=notice_url(base, "item", found.id), kind="item", id=found.id)


# ---- handoffs -------------------------------------------------------------------------------------

@router.get("/handoffs", response_model=list[handoffs.Handoff])
def list_handoffs(state: StateDep, session: SessionDep,
                  status: Annotated[str, Query(max_length=16, description="open 待处理 | handled 已处理")] = "open",
                  ) -> list[handoffs.Handoff]:
    if status not in ("open", "handled"):
        raise HTTPException(422, detail="状态（status）只能是 open（待处理）或 handled（已处理）")
    return handoffs.list_handoffs(session, state.catalogue, cast(handoffs.HandoffStatus, status))  # checked above


class HandledIn(BaseModel):
    note: str | None = Field(None, max_length=500, description="处理说明（可选）")


@router.post("/handoffs/{event_id}/handled", response_model=handoffs.Handoff)
def mark_handled(event_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="转人工请求编号")],
                 state: StateDep, session: SessionDep, user: CurrentUser,
                 body: HandledIn | None = None) -> handoffs.Handoff:
    row = handoffs.get_handoff(session, event_id)
    if row is None:
        raise HTTPException(404, detail=f"没有找到转人工请求（编号 {event_id}）")
    try:
        return handoffs.mark_handled(session, state.catalogue, row, user.username, user.display_name,
                                     (body.note or "").strip() if body else None)
    except handoffs.AlreadyHandled as exc:
        raise HTTPException(409, detail=str(exc)) from exc
