"""The Overview screen's figures: period and month-to-date spend, burn rate, movers, chart.

Budget, end-of-month forecast and quota come from models/forecast when that package is
present and configured; otherwise each is a `NotAvailable` saying what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from finops.tui.data import spend
from finops.tui.data.availability import NotAvailable
from finops.tui.data.context import DashboardContext
from finops.tui.data.series import ChartSpec, Mark, daily_series, holiday_marks
from finops.metrics.figure import Figure
from finops.metrics.month import BURN_DAYS  # noqa: F401  (re-exported for the screen)
from finops.tui.filters import Filters, apply
DEFAULT_HOLIDAY_COUNTRIES = ("US",)


@dataclass(frozen=True)
class Extra:
    """One optional figure (budget, forecast, quota): a value line or why it is missing."""

    title: str
    lines: tuple[str, ...] = ()
    provenance: str = ""
    missing: NotAvailable | None = None
    warning: str = ""
    label: str | None = None  # the figure's "title · scope" once computed (finops.metrics)


@dataclass(frozen=True)
class OverviewData:
    currency: str
    start: date
    end: date
    period: Figure  # finops.metrics: every line in the period (all AI COGS), billed
    mtd: Figure  # month to date, all AI COGS
    mtd_inference: Figure  # month to date, inference only (what the month-end forecast and budgets cover)
    burn: Figure  # mean per day over the last BURN_DAYS days, bills spread over their days
    provenance: tuple[str, ...]
    movers: pl.DataFrame
    chart: ChartSpec
    extras: tuple[Extra, ...] = field(default_factory=tuple)
    rows: int = 0
    fx_note: str = ""

    # Plain numbers, for callers that only need the value.
    @property
    def period_total(self) -> float:
        return self.period.value or 0.0

    @property
    def mtd_total(self) -> float:
        return self.mtd.value or 0.0

    @property
    def mtd_start(self) -> date:
        return self.mtd.start or self.end

    @property
    def burn_rate(self) -> float:
        return self.burn.value or 0.0

    @property
    def other_currencies(self) -> dict[str, float]:
        return dict(self.period.extra.get("other_currencies", {}))


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
    from finops.metrics import month
    from finops.metrics.spend import SCOPE_ALL, SCOPE_INFERENCE

    start, end = period_of(ctx, filters)
    currency = ctx.reporting_currency
    # Month-to-date and burn use every day they need, whatever the period's start.
    # Read once for both scopes' views (the cold start's preload does this): each scan of the
    # cost lines' Parquet files costs more than the figures computed from them.
    lines = apply(ctx.store.scan("cost_lines"), "cost_lines", filters.with_(start=None), ctx.dims.feature_projects).collect().lazy()
    owner = spend.project_feature_map(ctx.dims.feature_projects)
    view = month.spend_view(ctx.core, SCOPE_ALL, lines, owner)
    inference = month.spend_view(ctx.core, SCOPE_INFERENCE, lines, owner)
    frame = view.frame
    in_period = frame.filter((pl.col("day") >= start) & (pl.col("day") <= end))
    # Rates over days spread multi-day bills over the days they cover (no spike on the 1st).
    spread = view.spread.collect().lazy()
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
        period=month.period_total(ctx.core, start, end, view),
        mtd=month.month_to_date(ctx.core, end=end, view=view),
        mtd_inference=month.month_to_date(ctx.core, SCOPE_INFERENCE, end=end, view=inference),
        burn=month.burn_rate(ctx.core, end, view),
        provenance=spend.provenances(in_period),
        movers=spend.movers(spread, end, currency),
        chart=chart,
        rows=in_period.select(pl.len()).collect().item(),
        fx_note=view.note,
    )


def overview_holidays(ctx: DashboardContext, filters: Filters) -> tuple[Mark, ...]:
    """Holiday marks for the Overview chart (loaded after the first paint: the calendar import is slow)."""
    start, end = period_of(ctx, filters)
    return holiday_marks(start, end, holiday_countries(ctx))
