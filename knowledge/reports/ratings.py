"""Ratings (评议) per guide over time: how many, the average, the share of low ratings (1–2 分).

A rating belongs to the guide that was in focus when the citizen rated (`guide_id`, an item or a
route); ratings given with nothing in focus count only in the overall line. Each line has one point
per week or month of the window, empty periods included, so the page can draw them side by side.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.catalogue import Catalogue
from knowledge.reports import periods
from knowledge.reports.periods import Period
from knowledge.store.tables import ConversationEventRow

LOW_RATING = 2


class RatingPoint(BaseModel):
    start: dt.date = Field(description="first day of the week (Monday) or month, local time")
    label: str
    count: int
    average: float | None
    low: int = Field(description="ratings of 1 or 2")


class RatingLine(BaseModel):
    count: int
    average: float | None
    low_share: float | None = Field(description="share of ratings of 1 or 2, 0–1")
    series: list[RatingPoint]


class GuideRatings(RatingLine):
    id: str
    kind: str | None = Field(description="item | route | faq; None if the guide is no longer published")
    title: str
    published: bool


class RatingsReport(BaseModel):
    period: Period
    days: int
    since: dt.datetime
    until: dt.datetime
    overall: RatingLine
    without_guide: int = Field(description="ratings given with no guide in focus (in the overall line only)")
    guides: list[GuideRatings]


def _line(ratings: list[tuple[dt.datetime, int]], starts: list[dt.date], period: Period) -> RatingLine:
    by_start: dict[dt.date, list[int]] = defaultdict(list)
    for at, score in ratings:
        by_start[periods.period_start(at, period)].append(score)
    series = [
        RatingPoint(start=s, label=periods.label(s, period), count=len(by_start[s]),
                    average=round(sum(by_start[s]) / len(by_start[s]), 2) if by_start[s] else None,
                    low=sum(1 for r in by_start[s] if r <= LOW_RATING))
        for s in starts
    ]
    scores = [r for _, r in ratings]
    return RatingLine(
        count=len(scores),
        average=round(sum(scores) / len(scores), 2) if scores else None,
        low_share=round(sum(1 for r in scores if r <= LOW_RATING) / len(scores), 3) if scores else None,
        series=series,
    )


def ratings_report(catalogue: Catalogue, session: Session, period: Period = "week", days: int = 180,
                   until: dt.datetime | None = None) -> RatingsReport:
    since, until = periods.window(days, until)
    t = ConversationEventRow
    rows = session.execute(
        select(t.guide_id, t.rating, t.created_at)
        .where(t.type == "rating", t.rating.is_not(None), t.created_at >= since.astimezone(dt.timezone.utc))
    ).all()
    ratings = [(gid, r, periods.local(at)) for gid, r, at in rows if r is not None and periods.utc(at) <= until]
    starts = periods.periods_between(since, until, period)
    per_guide: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for gid, score, at in ratings:
        if gid:
            per_guide[gid].append((at, score))
    guides = []
    for gid, items in per_guide.items():
        guide = catalogue.get(gid)
        line = _line(items, starts, period)
        guides.append(GuideRatings(id=gid, kind=guide.kind if guide else None,
                                   title=guide.name if guide else gid, published=guide is not None,
                                   **line.model_dump()))
    # Most rated first; among equals the worst first, since those are what an editor should open.
    guides.sort(key=lambda g: (-g.count, g.average if g.average is not None else 5, g.id))
    return RatingsReport(
        period=period, days=days, since=since, until=until,
        overall=_line([(at, score) for _, score, at in ratings], starts, period),
        without_guide=sum(1 for gid, _, _ in ratings if not gid),
        guides=guides,
    )
