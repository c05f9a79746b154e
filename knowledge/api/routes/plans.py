"""POST /api/routes/{id}/plan — the tailored plan for the citizen's situation."""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from knowledge.api.deps import RouteDep, StateDep
from knowledge.planner import Plan, plan_route

router = APIRouter(prefix="/api", tags=["plans"])


class PlanRequest(BaseModel):
    answers: dict[str, str] = Field(default_factory=dict, description="情形问题 id → 选项值", max_length=50)


@router.post("/routes/{route_id}/plan", response_model=Plan)
def make_plan(route: RouteDep, state: StateDep, body: PlanRequest | None = None) -> Plan:
    return plan_route(route, state.catalogue, (body or PlanRequest()).answers)
