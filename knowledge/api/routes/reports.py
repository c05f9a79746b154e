"""Reports for guide editors (capability `reports`): knowledge gaps and ratings (评议).

Query parameters are read as text and checked here, so a wrong value gets a Chinese message that
says what is allowed instead of FastAPI's English validation list.
"""
from __future__ import annotations

from fastapi import APIRouter, HTTPException

from knowledge.api.auth import require
from knowledge.api.deps import SessionDep, StateDep
from knowledge.reports.gaps import GapReport, gap_report
from knowledge.reports.ratings import RatingsReport, ratings_report

router = APIRouter(prefix="/api/reports", tags=["reports"], dependencies=[require("reports")])

MAX_GAP_DAYS = 365
MAX_RATING_DAYS = 730
MAX_GROUPS = 200
PERIODS = {"week": "周", "month": "月"}


def whole_number(value: str | None, what: str, default: int, low: int, high: int) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise HTTPException(422, detail=f"参数「{what}」应为 {low} 到 {high} 之间的整数")
    return number


@router.get("/gaps", response_model=GapReport)
def gaps(state: StateDep, session: SessionDep, days: str | None = None, limit: str | None = None) -> GapReport:
    """What citizens asked that the assistant could not answer well, grouped by similar questions."""
    return gap_report(session, state.engine, state.settings.cache_dir,
                      days=whole_number(days, "days（统计天数）", 30, 1, MAX_GAP_DAYS),
                      limit=whole_number(limit, "limit（最多显示的问题组数）", 50, 1, MAX_GROUPS))


@router.get("/ratings", response_model=RatingsReport)
def ratings(state: StateDep, session: SessionDep, period: str | None = None, days: str | None = None) -> RatingsReport:
    """Ratings per guide and overall, with one point per week or month."""
    period = (period or "week").strip()
    if period not in PERIODS:
        raise HTTPException(422, detail="参数「period（统计周期）」只能是 week（按周）或 month（按月）")
    return ratings_report(state.catalogue, session, period=period,  # type: ignore[arg-type]
                          days=whole_number(days, "days（统计天数）", 180, 1, MAX_RATING_DAYS))
