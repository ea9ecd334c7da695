"""Budget used and quota left of each configured budget, as of the context's as-of day.

The status is taken at midnight UTC after the as-of day (that day complete, the rest of
the window forecast): the dashboard, `finops forecast`, `finops figures` and the report
(as of its own last day) all ask models.forecast with that instant, so they agree.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from finops.metrics.figure import Figure

if TYPE_CHECKING:
    from finops.context import Context


def as_of_instant(day: date) -> datetime:
    """Midnight UTC after `day`: that day is complete, the days after it are forecast."""
    return datetime.combine(day + timedelta(days=1), time(), timezone.utc)


def budget_statuses(ctx: "Context", end: date | None = None, units: tuple[str, ...] = ("usd", "tokens")) -> list[Any]:
    """models.forecast budget statuses at midnight after `end` (default ctx.as_of)."""
    from finops.services.forecast import budget_statuses as statuses

    return statuses(ctx.store, ctx.config, as_of_instant(end or ctx.as_of), ctx.calendar, units=units)


def _unit(status: Any) -> tuple[str, str]:
    tokens = status.budget.unit == "tokens"
    return ("tokens", "metered") if tokens else ("USD", "billed")


def budget_used(status: Any) -> Figure:
    """Spent in the budget's current window as a share of its cap (billed USD or metered tokens)."""
    unit, prov = _unit(status)
    b = status.budget
    cap = float(b.cap)
    return Figure(f"budget_used:{b.name}", "Budget used", b.name, status.spent / cap * 100 if cap else None, "%",
                  prov, status.window_start.date(), (status.window_end - timedelta(microseconds=1)).date(),  # type: ignore[arg-type]
                  note=f"window resets {b.reset_timezone}",
                  extra={"spent": status.spent, "cap": cap, "cap_unit": unit, "month_end_expected": status.expected,
                         "month_end_lo80": status.lo80, "month_end_hi80": status.hi80,
                         "probability_hit": status.probability_hit})


def quota_left(status: Any) -> Figure:
    """Cap minus spent in the current window (never below 0), with the chance of running out before the reset."""
    unit, prov = _unit(status)
    b = status.budget
    return Figure(f"quota_left:{b.name}", "Quota left", b.name, max(float(b.cap) - status.spent, 0.0), unit, prov,  # type: ignore[arg-type]
                  status.window_start.date(), (status.window_end - timedelta(microseconds=1)).date(),
                  extra={"probability_hit": status.probability_hit,
                         "hit_at": status.hit_at.isoformat() if status.hit_at else None})


def period_statuses(ctx: "Context", end: date) -> list[Any]:
    """The status of each budget's window that the period's last day `end` falls in.

    As of midnight after `end` (like `budget_statuses`), except for a window that opened during
    or after that day: a period that ends on a window's last day is about that window, not
    about the next one that has no spend yet, so that budget is taken as its own window closed.
    """
    from finops.services.forecast import budget_statuses_for

    instant = as_of_instant(end)
    out = []
    for status in budget_statuses(ctx, end):
        if status.window_start > instant - timedelta(days=1):
            before = budget_statuses_for(ctx.store, [status.budget], status.window_start - timedelta(microseconds=1),
                                         ctx.calendar)
            status = before[0] if before else status
        out.append(status)
    return out


def window_closed(status: Any, ctx: "Context") -> bool:
    """True when the status's window ended by the context's as-of instant: exhausted or not is known."""
    return bool(status.window_end <= as_of_instant(ctx.as_of))
