"""The Overview screen's figures: period and month-to-date spend, burn rate, movers, chart.

Budget, end-of-month forecast and quota come from models/forecast when that package is
present and configured; otherwise each is a `NotAvailable` saying what to do.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from finops.tui.data import spend
from finops.tui.data.availability import NotAvailable
from finops.tui.data.context import DashboardContext
from finops.tui.data.series import ChartSpec, Mark, daily_series, holiday_marks
from finops.tui.filters import Filters

BURN_DAYS = 7
DEFAULT_HOLIDAY_COUNTRIES = ("US",)


@dataclass(frozen=True)
class Extra:
    """One optional figure (budget, forecast, quota): a value line or why it is missing."""

    title: str
    lines: tuple[str, ...] = ()
    provenance: str = ""
    missing: NotAvailable | None = None
    warning: str = ""


@dataclass(frozen=True)
class OverviewData:
    currency: str
    start: date
    end: date
    period_total: float
    mtd_start: date
    mtd_total: float
    burn_rate: float  # mean billed per day over the last BURN_DAYS days up to `end`, bills spread over their days
    month_end_naive: float  # spread month-to-date + burn x days left in the month (estimated)
    days_left: int
    other_currencies: dict[str, float]  # period totals in currencies not converted
    provenance: tuple[str, ...]
    movers: pl.DataFrame
    chart: ChartSpec
    extras: tuple[Extra, ...] = field(default_factory=tuple)
    rows: int = 0
    fx_note: str = ""


def holiday_countries(ctx: DashboardContext) -> tuple[str, ...]:
    """[dashboard] holiday_countries, else the countries of [forecast] countries, else US."""
    for section, key in (("dashboard", "holiday_countries"), ("forecast", "countries")):
        value = ctx.section(section).get(key)
        if value:
            return tuple(str(v).upper() for v in value)  # a list, or the keys of {US = 0.55, ...}
    return DEFAULT_HOLIDAY_COUNTRIES


def period_of(ctx: DashboardContext, filters: Filters) -> tuple[date, date]:
    end = filters.end or (ctx.today - timedelta(days=1))
    start = filters.start or ctx.dims.first_day or end
    return start, end


def load_overview(ctx: DashboardContext, filters: Filters) -> OverviewData:
    start, end = period_of(ctx, filters)
    currency = ctx.reporting_currency
    scan = ctx.store.scan("cost_lines")
    # Month-to-date and burn use every day they need, whatever the period's start.
    frame = spend.cost_frame(scan, filters.with_(start=None), ctx.dims.feature_projects)
    frame, fx_note = spend.to_reporting(frame, ctx.settings.config, currency)
    # Collected once: every figure below is a small query over these rows (cost lines are
    # daily aggregates), which would otherwise each re-read the Parquet files.
    frame = frame.collect().lazy()
    in_period = frame.filter((pl.col("day") >= start) & (pl.col("day") <= end))
    period = spend.totals(in_period, None, None)
    mtd_start = end.replace(day=1)
    mtd = spend.totals(frame, mtd_start, end).get(currency, 0.0)
    # Rates over days spread multi-day bills over the days they cover (no spike on the 1st).
    spread = spend.amortized(frame).collect().lazy()
    burn_start = end - timedelta(days=BURN_DAYS - 1)
    burn = spend.totals(spread, burn_start, end).get(currency, 0.0) / BURN_DAYS
    days_in_month = calendar.monthrange(end.year, end.month)[1]
    days_left = days_in_month - end.day
    mtd_spread = spend.totals(spread, mtd_start, end).get(currency, 0.0)
    daily = spend.daily(spread.filter((pl.col("day") >= start) & (pl.col("day") <= end)), "provider")
    chart = ChartSpec(
        title=f"Daily spend by provider ({currency}, billed)",
        series=daily_series(daily, "provider", currency, start, end),
        y_label=currency,
    )
    return OverviewData(
        currency=currency,
        start=start,
        end=end,
        period_total=period.get(currency, 0.0),
        mtd_start=mtd_start,
        mtd_total=mtd,
        burn_rate=burn,
        month_end_naive=mtd_spread + burn * days_left,
        days_left=days_left,
        other_currencies={c: v for c, v in period.items() if c != currency},
        provenance=spend.provenances(in_period),
        movers=spend.movers(spread, end, currency),
        chart=chart,
        rows=in_period.select(pl.len()).collect().item(),
        fx_note=fx_note,
    )


def overview_holidays(ctx: DashboardContext, filters: Filters) -> tuple[Mark, ...]:
    """Holiday marks for the Overview chart (loaded after the first paint: the calendar import is slow)."""
    start, end = period_of(ctx, filters)
    return holiday_marks(start, end, holiday_countries(ctx))
