"""One-time notices (一次性告知单): every step, window, material and time limit on one printable page.

The route notice takes the situation answers as query parameters, so a notice link in a chat
answer reproduces exactly the plan the citizen was given.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from knowledge.api.deps import ItemDep, RouteDep, StateDep
from knowledge.planner import plan_route
from knowledge.schema.common import SAMPLE_LABEL
from knowledge.wording.costs import describe_costs

router = APIRouter(prefix="/api", tags=["notices"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "web" / "templates")
# The printed notice words costs and sample labels exactly as the chat does.
templates.env.globals.update(describe_costs=describe_costs, SAMPLE_LABEL=SAMPLE_LABEL)


@router.get("/routes/{route_id}/notice", response_class=HTMLResponse)
def route_notice(route: RouteDep, state: StateDep, request: Request) -> HTMLResponse:
    answers = {k: v for k, v in request.query_params.items() if k in {q.id for q in route.questions}}
    plan = plan_route(route, state.catalogue, answers)
    number = {s.id: s.number for s in plan.steps}
    # Citizens follow step numbers on the printed page, not step ids.
    prerequisites = {s.id: "、".join(str(number[d]) for d in s.depends_on) for s in plan.steps}
    return templates.TemplateResponse(
        request, "notice_route.html",
        {"plan": plan, "prerequisites": prerequisites, "settings": state.settings, "today": dt.date.today()},
    )


@router.get("/items/{item_id}/notice", response_class=HTMLResponse)
def item_notice(item: ItemDep, state: StateDep, request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "notice_item.html", {"item": item, "settings": state.settings, "today": dt.date.today()}
    )
