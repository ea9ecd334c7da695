"""Budget, month-end forecast and quota headroom for the Overview, from models/forecast.

Imported lazily and computed in its own worker after the Overview's first paint, so the
model fits never delay it. Everything is "as of" the filter's last day: the history is
cut there and the month (in each budget's reset timezone) is the one that day falls in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo


from finops.services import forecast as service
from finops.tui.data.availability import NotAvailable
from finops.tui.data.context import DashboardContext
from finops.tui.data.overview import Extra, period_of
from finops.tui.filters import Filters


@dataclass(frozen=True)
class OverviewExtras:
    extras: tuple[Extra, ...]
    marks: tuple = ()  # holiday marks for the spend chart


def _money(v: float) -> str:
    return f"${v:,.2f}"


def _matching_status(statuses: list, filters: Filters):  # type: ignore[no-untyped-def]
    """The budget whose provider and project are exactly the filters' (none = the all-spend budget)."""
    def norm(v: str | None) -> str | None:
        return v.lower() if v else None

    for s in statuses:
        b = s.budget
        if norm(b.provider) == norm(filters.provider) and b.project == filters.project:
            return s
    return None


def month_end(ctx: DashboardContext, filters: Filters, end: date):  # type: ignore[no-untyped-def]
    """finops.metrics month-end forecast of inference spend under the filters, as of the filter's last day."""
    from finops.metrics.forecast import month_end_forecast
    from finops.tui.filters import apply

    lines = apply(ctx.store.scan("cost_lines"), "cost_lines", filters.with_(start=None, end=end), ctx.dims.feature_projects)
    return month_end_forecast(ctx.core, lines, end)


def overview_extras(ctx: DashboardContext, filters: Filters) -> OverviewExtras:
    """Holiday marks, then budget, month-end forecast and quota (when models/forecast exists)."""
    from dataclasses import replace

    from finops.tui.data.overview import overview_holidays

    return replace(_extras(ctx, filters), marks=overview_holidays(ctx, filters))


def _extras(ctx: DashboardContext, filters: Filters) -> OverviewExtras:
    from finops.metrics import budgets as budget_metrics
    from finops.metrics.forecast import interval_text

    _, end = period_of(ctx, filters)
    extras: list[Extra] = []

    projection = month_end(ctx, filters, end)
    if projection is None:
        extras.append(Extra("Month-end forecast", missing=NotAvailable("Month-end forecast", "no inference spend under these filters")))
    else:
        fig = projection.figure
        # Short lines: a figure is ~22 columns wide in an 80-column terminal.
        lines: tuple[str, ...] = (fig.money(), f"80%: {interval_text(fig)}") if fig.lo80 is not None else (fig.money(), fig.note)
        extras.append(Extra("Month-end forecast", lines, fig.provenance, label=f"{fig.title} · {fig.scope}"))

    if not service.load_budgets(ctx.settings.config):
        missing = NotAvailable("Budget", "no budgets configured", "add [[budgets]] (name, monthly_usd, reset_timezone) to finops.toml")
        extras += [Extra("Budget", missing=missing), Extra("Quota headroom", missing=missing)]
        return OverviewExtras(tuple(extras))
    # As of the filter's last day: history is cut there and the window is the month it falls in.
    statuses = budget_metrics.period_statuses(ctx.core, end)
    chosen = _matching_status(statuses, filters)
    if chosen is None:
        extras.append(Extra("Budget", missing=NotAvailable("Budget", "no budget for this provider/project", "see [[budgets]] in finops.toml")))
    else:
        cap = _cap(chosen.budget)
        used = budget_metrics.budget_used(chosen)
        extras.append(Extra(
            "Budget",
            (f"{_amount(chosen.spent_usd, chosen.budget)} of {_amount(cap, chosen.budget)}",
             f"{used.money()} used · → {_amount(chosen.forecast_usd, chosen.budget)} (est.)", chosen.budget.name),
            used.provenance, warning="over" if chosen.forecast_usd > cap else "", label="Budget used",
        ))
    quota = _quota_candidates(statuses, filters)
    if not quota:
        scope = " / ".join(v for v in (filters.provider, filters.project) if v) or "these filters"
        extras.append(Extra("Quota headroom", missing=NotAvailable("Quota", f"no budget covers {scope}",
                                                                   "see [[budgets]] in finops.toml")))
    else:
        risk = max(quota, key=lambda s: (s.probability_hit, s.spent / _cap(s.budget)))
        quota_fig = budget_metrics.quota_left(risk)
        left = quota_fig.value or 0.0
        amounts = (f"{_amount(max(left, 0.0), risk.budget, compact=True)} left of "
                   f"{_amount(_cap(risk.budget), risk.budget, compact=True)}")
        if budget_metrics.window_closed(risk, ctx.core):
            # A closed window has no odds: it ran out or it did not.
            last = (risk.window_end - timedelta(microseconds=1)).astimezone(ZoneInfo(risk.budget.reset_timezone))
            outcome = f"ran out {risk.hit_in(risk.budget.reset_timezone)}" if risk.already_hit and risk.hit_at else (
                "ran out" if risk.already_hit else "not exhausted")
            lines = (amounts, f"closed {last:%Y-%m-%d} · {outcome}", risk.budget.name)
            warning = "risk" if risk.already_hit else ""
        else:
            when = risk.hit_in(risk.budget.reset_timezone)
            # The median exhaustion time among simulated paths only means something when many paths hit.
            odds = f"P(exhausted) {risk.probability_hit:.1%}"
            lines = (amounts, *((odds, f"~{when}") if when and risk.probability_hit >= 0.05 else (f"{odds} this month",)),
                     risk.budget.name)
            warning = "risk" if risk.probability_hit >= 0.2 else ""
        # The card is the quota-left figure (billed dollars or metered tokens); the odds under it say "P(...)".
        extras.append(Extra("Quota headroom", lines, quota_fig.provenance, warning=warning, label="Quota left"))
    return OverviewExtras(tuple(extras))


def _quota_candidates(statuses: list, filters: Filters) -> list:
    """Budgets inside the filters' scope: a provider (project) filter keeps that provider's (project's)
    budgets and the ones not tied to any; without filters, every budget."""
    def inside(b) -> bool:  # type: ignore[no-untyped-def]
        if filters.provider and b.provider and b.provider.lower() != filters.provider.lower():
            return False
        if filters.project and b.project and b.project != filters.project:
            return False
        if filters.provider and not b.provider and b.project is None:
            return False  # an all-provider cap says nothing about one provider's headroom
        return True

    return [s for s in statuses if inside(s.budget)]


def _cap(budget) -> float:  # type: ignore[no-untyped-def]
    return float(getattr(budget, "cap", None) or budget.monthly_usd)


def _is_tokens(budget) -> bool:  # type: ignore[no-untyped-def]
    return getattr(budget, "unit", "usd") == "tokens"


def _amount(value: float, budget, compact: bool = False) -> str:  # type: ignore[no-untyped-def]
    if not _is_tokens(budget):
        return _money(value)
    return f"{_compact(value)} tokens" if compact else f"{value:,.0f} tokens"


def _compact(value: float) -> str:
    """7,697,472 -> 7.70M: three significant digits with a unit, for narrow figures."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            n = value / size
            return f"{n:.2f}{unit}" if abs(n) < 10 else f"{n:.1f}{unit}" if abs(n) < 100 else f"{n:.0f}{unit}"
    return f"{value:,.0f}"


def _provenance(budget) -> str:  # type: ignore[no-untyped-def]
    return "metered" if _is_tokens(budget) else "billed"
