"""Budget, month-end forecast and quota headroom for the Overview, from models/forecast.

Imported lazily and computed in its own worker after the Overview's first paint, so the
model fits never delay it. Everything is "as of" the filter's last day: the history is
cut there and the month (in each budget's reset timezone) is the one that day falls in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import cast

import polars as pl

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
    grid = pl.DataFrame({"day": pl.date_range(cast(date, daily["day"].min()), end, "1d", eager=True)})
    return grid.join(daily, on="day", how="left").with_columns(pl.col("value").fill_null(0.0)).sort("day")


def _as_of(end: date) -> datetime:
    # Midnight after the filter's last day: that day is complete, the days after it are forecast.
    return datetime.combine(end + timedelta(days=1), time(), timezone.utc)


def _matching_status(statuses: list, filters: Filters):  # type: ignore[no-untyped-def]
    """The budget whose provider and project are exactly the filters' (none = the all-spend budget)."""
    def norm(v: str | None) -> str | None:
        return v.lower() if v else None

    for s in statuses:
        b = s.budget
        if norm(b.provider) == norm(filters.provider) and b.project == filters.project:
            return s
    return None


def month_end(ctx: DashboardContext, filters: Filters, end: date, spec) -> tuple[float, float, float] | None:  # type: ignore[no-untyped-def]
    """Inference spend of the filter end's UTC month: actual to `end` plus the forecast rest (mean, p10, p90)."""
    import numpy as np

    from finops.models.forecast.model import forecast

    daily = inference_daily(ctx, filters, end)
    if daily.height == 0:
        return None
    first = end.replace(day=1)
    actual = float(daily.filter(pl.col("day") >= first)["value"].sum())
    next_month = (first + timedelta(days=32)).replace(day=1)
    horizon = (next_month - end).days - 1
    if horizon <= 0:
        return actual, actual, actual
    fc = forecast(daily["day"].to_list(), daily["value"].to_numpy(), horizon, spec)
    simulate = getattr(fc, "simulate", None)
    if simulate is not None:
        totals = actual + np.asarray(simulate(2000, 0)).sum(axis=1)
        return float(totals.mean()), float(np.percentile(totals, 10)), float(np.percentile(totals, 90))
    # Older models.forecast without sample paths: sums of the daily bounds are a wider, safe band.
    return actual + float(np.sum(fc.yhat)), actual + float(np.sum(fc.lo80)), actual + float(np.sum(fc.hi80))


def overview_extras(ctx: DashboardContext, filters: Filters) -> OverviewExtras:
    """Holiday marks, then budget, month-end forecast and quota (when models/forecast exists)."""
    from dataclasses import replace

    from finops.tui.data.overview import overview_holidays

    return replace(_extras(ctx, filters), marks=overview_holidays(ctx, filters))


def _extras(ctx: DashboardContext, filters: Filters) -> OverviewExtras:
    spec = service.calendar_spec(ctx.settings.config)
    _, end = period_of(ctx, filters)
    extras: list[Extra] = []

    projection = month_end(ctx, filters, end, spec)
    if projection is None:
        extras.append(Extra("Month-end forecast", missing=NotAvailable("Month-end forecast", "no inference spend under these filters")))
    else:
        mean, lo, hi = projection
        # Short lines: a figure is ~22 columns wide in an 80-column terminal.
        extras.append(Extra("Month-end forecast", (_money(mean), f"80%: {_money(lo)}–{_money(hi)}", "inference only"), "estimated"))

    if not service.load_budgets(ctx.settings.config):
        missing = NotAvailable("Budget", "no budgets configured", "add [[budgets]] (name, monthly_usd, reset_timezone) to finops.toml")
        extras += [Extra("Budget", missing=missing), Extra("Quota headroom", missing=missing)]
        return OverviewExtras(tuple(extras))
    # As of the filter's last day: history is cut there and the window is the month it falls in.
    statuses = service.budget_statuses(ctx.store, ctx.settings.config, _as_of(end), spec)
    chosen = _matching_status(statuses, filters)
    if chosen is None:
        extras.append(Extra("Budget", missing=NotAvailable("Budget", "no budget for this provider/project", "see [[budgets]] in finops.toml")))
    else:
        cap = _cap(chosen.budget)
        used = chosen.spent_usd / cap * 100
        extras.append(Extra(
            "Budget",
            (f"{_amount(chosen.spent_usd, chosen.budget)} of {_amount(cap, chosen.budget)}",
             f"{used:.0f}% · → {_amount(chosen.forecast_usd, chosen.budget)} (est.)", chosen.budget.name),
            _provenance(chosen.budget), warning="over" if chosen.forecast_usd > cap else "",
        ))
    if statuses:
        risk = max(statuses, key=lambda s: (s.probability_hit, s.spent_usd / _cap(s.budget)))
        left = _cap(risk.budget) - risk.spent_usd
        when = risk.hit_in(risk.budget.reset_timezone)
        # The median exhaustion time among simulated paths only means something when many paths hit.
        odds = f"P(exhausted) {risk.probability_hit:.1%}"
        lines = (f"{_amount(max(left, 0.0), risk.budget, compact=True)} left of {_amount(_cap(risk.budget), risk.budget, compact=True)}",
                 *((odds, f"~{when}") if when and risk.probability_hit >= 0.05 else (f"{odds} this month",)), risk.budget.name)
        extras.append(Extra("Quota headroom", lines, "estimated", warning="risk" if risk.probability_hit >= 0.2 else ""))
    return OverviewExtras(tuple(extras))


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
