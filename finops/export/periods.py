"""UTC calendar months, the export's file period: names, bounds and the months a day range touches.

Files always hold whole months: `--since 2026-10-07` selects the month 2026-10, and the
file still holds every day of it, so an incremental export never replaces a full month
with part of one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(month: str) -> datetime:
    return datetime.strptime(month, "%Y-%m").replace(tzinfo=timezone.utc)


def next_month(month: str) -> str:
    start = month_start(month)
    return month_of(start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1))


def bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a month in UTC."""
    return month_start(month), month_start(next_month(month))


def in_range(month: str, since: date | None, until: date | None) -> bool:
    """Whether `month` overlaps the inclusive day range [since, until] (open ends allowed)."""
    return (since is None or month >= month_of(since)) and (until is None or month <= month_of(until))


def whole_months(since: date | None, until: date | None) -> tuple[date | None, date | None]:
    """The day range widened to whole months: first day of since's month, last day of until's month."""
    first = since.replace(day=1) if since else None
    last = month_start(next_month(month_of(until))).date() - timedelta(days=1) if until else None
    return first, last
