"""Budget, month-end forecast and quota headroom for the Overview, from models/forecast.

Imported lazily and computed in its own worker after the Overview's first paint, so the
model fits never delay it. Everything is "as of" the filter's last day: the history is
cut there and the month (in each budget's reset timezone) is the one that day falls in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import polars as pl

from finops.tui.data.availability import NotAvailable, optional_module
from finops.tui.data.context import DashboardContext
from finops.tui.data.overview import Extra, period_of
from finops.tui.filters import Filters


@dataclass(frozen=True)
class OverviewExtras:
    extras: tuple[Extra, ...]


def _money(v: float) -> str:
    return f"${v:,.2f}"


def inference_daily(ctx: DashboardContext, filters: Filters, end: date) -> pl.DataFrame:
    """(day, value): billed USD of inference and embedding lines under the filters, zero-filled, up to `end`."""
    from finops.tui.filters import apply

    lf = apply(ctx.store.scan("cost_lines"), "cost_lines", filters.with_(start=None, end=end), ctx.dims.feature_projects)
    daily = (
        lf.filter(pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD"))
        .group_by(pl.col("ChargePeriodStart").dt.date().alias("day"))
        .agg(pl.col("BilledCost").sum().alias("value"))
        .collect()
    )
    if daily.height == 0:
        return daily
    grid = pl.DataFrame({"day": pl.date_range(daily["day"].min(), end, "1d", eager=True)})
    return grid.join(daily, on="day", how="left").with_columns(pl.col("value").fill_null(0.0)).sort("day")


def _as_of(end: date) -> datetime:
    # The last instant of the filter's last day: its month is the window, the days after it are forecast.
    return datetime.combine(end, time(23, 59, 59), timezone.utc)


def _matching_budget(budgets: list, filters: Filters):  # type: ignore[no-untyped-def]
    def norm(v: str | None) -> str | None:
        return v.lower() if v else None

    for b in budgets:
        if norm(b.provider) == norm(filters.provider) and b.project == filters.project:
            return b
    return None


def _status(ctx: DashboardContext, filters: Filters, budget, end: date, spec):  # type: ignore[no-untyped-def]
    """A budget's status as of `end`, on the series the budget itself covers (its provider/project)."""
    from models.forecast import budgets as budget_mod
    from models.forecast.model import forecast

    scope = Filters(provider=budget.provider, project=budget.project, feature=filters.feature)
    daily = inference_daily(ctx, scope, end)
    if daily.height == 0:
        return None
    days, y = daily["day"].to_list(), daily["value"].to_numpy()
    now = _as_of(end)
    _, window_end = budget_mod.window(now, budget.reset_timezone)
    horizon = max(1, (window_end.date() - days[-1]).days + 1)
    fc = forecast(days, y, horizon, spec)
    return budget_mod.status(budget, days, y, fc.days, fc.yhat, fc.lo80, fc.hi80, now)


def overview_extras(ctx: DashboardContext, filters: Filters) -> OverviewExtras:
    service = optional_module("models.forecast.service", "Forecast", "the forecast model is not installed in this build")
    if isinstance(service, NotAvailable):
        return OverviewExtras((
            Extra("Budget", missing=NotAvailable("Budget", "budgets are not available in this build", "models/forecast adds them")),
            Extra("Month-end forecast", missing=service),
            Extra("Quota headroom", missing=NotAvailable("Quota", "quota tracking is not available in this build")),
        ))
    from models.forecast import budgets as budget_mod

    spec = service.calendar_spec(ctx.settings.config)
    _, end = period_of(ctx, filters)
    extras: list[Extra] = []

    # Month-end forecast of inference spend: an uncapped "budget" over the UTC month is a pure projection.
    projection = budget_mod.Budget("month end", float("inf"), "UTC", filters.provider, filters.project)
    status = _status(ctx, filters, projection, end, spec)
    if status is None:
        extras.append(Extra("Month-end forecast", missing=NotAvailable("Month-end forecast", "no inference spend under these filters")))
    else:
        extras.append(Extra(
            "Month-end forecast",
            (_money(status.forecast_usd), f"inference; 80%: {_money(status.forecast_lo80)}–{_money(status.forecast_hi80)}"),
            "estimated",
        ))

    budgets = budget_mod.load_budgets(ctx.settings.config)
    if not budgets:
        missing = NotAvailable("Budget", "no budgets configured", "add [[budgets]] (name, monthly_usd, reset_timezone) to finops.toml")
        extras += [Extra("Budget", missing=missing), Extra("Quota headroom", missing=missing)]
        return OverviewExtras(tuple(extras))
    statuses = [s for s in (_status(ctx, filters, b, end, spec) for b in budgets) if s is not None]
    chosen = _matching_budget([s.budget for s in statuses], filters)
    if chosen is None:
        extras.append(Extra("Budget", missing=NotAvailable("Budget", "no budget for this provider/project", "see [[budgets]] in finops.toml")))
    else:
        s = next(s for s in statuses if s.budget is chosen)
        used = s.spent_usd / s.budget.monthly_usd * 100
        extras.append(Extra(
            "Budget",
            (f"{_money(s.spent_usd)} of {_money(s.budget.monthly_usd)}",
             f"{used:.0f}% · {s.budget.name}", f"→ {_money(s.forecast_usd)} at month end (est.)"),
            "billed", warning="over" if s.forecast_usd > s.budget.monthly_usd else "",
        ))
    if statuses:
        risk = max(statuses, key=lambda s: (s.probability_hit, s.spent_usd / s.budget.monthly_usd))
        left = risk.budget.monthly_usd - risk.spent_usd
        when = risk.hit_in(risk.budget.reset_timezone)
        # The median exhaustion time among simulated paths only means something when many paths hit.
        odds = f"P(exhausted) {risk.probability_hit:.1%}"
        lines = (f"{_money(max(left, 0.0))} left of {_money(risk.budget.monthly_usd)}",
                 f"{odds}, ~{when}" if when and risk.probability_hit >= 0.05 else f"{odds} this month", risk.budget.name)
        extras.append(Extra("Quota headroom", lines, "estimated", warning="risk" if risk.probability_hit >= 0.2 else ""))
    return OverviewExtras(tuple(extras))
