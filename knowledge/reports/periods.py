"""Report windows and calendar periods, in the service centre's local time.

Events are stored in UTC (SQLite hands them back without a zone). Weeks and months are counted in
China Standard Time, UTC+8 all year (no daylight saving), so a rating given at 07:00 on a Monday
belongs to that Monday's week and not to the Sunday before.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

LOCAL = dt.timezone(dt.timedelta(hours=8), "CST")
Period = Literal["week", "month"]


def utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def local(value: dt.datetime) -> dt.datetime:
    return utc(value).astimezone(LOCAL)


def now() -> dt.datetime:
    return dt.datetime.now(LOCAL)


def window(days: int, until: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The last `days` days up to now: (since, until), both in local time."""
    until = local(until) if until else now()
    return until - dt.timedelta(days=days), until


def period_start(value: dt.datetime, period: Period) -> dt.date:
    """The first day of the week (Monday) or month that `value` falls in, in local time."""
    day = local(value).date()
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_start(start: dt.date, period: Period) -> dt.date:
    if period == "week":
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def periods_between(since: dt.datetime, until: dt.datetime, period: Period) -> list[dt.date]:
    """Start dates of every period touching [since, until], oldest first (empty periods included)."""
    out, start = [], period_start(since, period)
    last = period_start(until, period)
    while start <= last:
        out.append(start)
        start = next_start(start, period)
    return out


def label(start: dt.date, period: Period) -> str:
    """"11月16日起" for a week, "2026年11月" for a month: how staff name them."""
    if period == "week":
        return f"{start.month}月{start.day}日起"
    return f"{start.year}年{start.month}月"
