"""The monthly report's operational sections: budgets and quotas, top cost movers, anomalies,
holiday-trough warnings. Each is a function of the store as of the report period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from finops.context import Context
from finops.models.money import money_sum
from finops.report.figures import Period
from finops.store import Store
from finops.models.forecast.budgets import BudgetStatus
from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.guard import trough_guard
from finops.models.forecast.series import month_days
from finops.services.forecast import anomalies as find_anomalies
from finops.services.forecast import daily_series

TOP_MOVERS = 5
TOP_ANOMALIES = 10


def as_of_instant(period: Period) -> datetime:
    """Midnight UTC after the report's last data day: budgets are judged as of then (finops.metrics.budgets)."""
    from finops.metrics.budgets import as_of_instant as instant

    return instant(period.as_of)


def budgets(ctx: Context, period: Period) -> list[BudgetStatus]:
    from finops.metrics.budgets import budget_statuses

    return budget_statuses(ctx, period.as_of)


def movers(store: Store, period: Period, catalog: pl.DataFrame) -> pl.DataFrame:
    """Largest changes by project and by model: this month to date against the same days of last month.

    `catalog` (the context's) splits dollar lines that name no model by their priced tokens."""
    prev = month_days(period.prev_month)
    prev_last = prev[min(period.mtd_days, len(prev)) - 1]
    parts = []
    for by in ("project", "model"):
        data = daily_series(store, "dollars", by, until=period.as_of, catalog=catalog)
        this = data.filter(pl.col("day").is_between(period.first, period.as_of)).group_by("series").agg(money_sum(pl.col("value")).alias("this"))
        before = data.filter(pl.col("day").is_between(prev[0], prev_last)).group_by("series").agg(money_sum(pl.col("value")).alias("previous"))
        joined = this.join(before, on="series", how="full", coalesce=True).fill_null(0.0).with_columns(
            pl.lit(by).alias("dimension"),
            (pl.col("this") - pl.col("previous")).alias("change"),
        ).with_columns(
            pl.when(pl.col("previous") > 0).then(pl.col("change") / pl.col("previous") * 100).alias("change_pct"),
        )
        parts.append(joined.sort(pl.col("change").abs(), descending=True).head(TOP_MOVERS))
    return pl.concat(parts).select("dimension", pl.col("series").alias("name"), "this", "previous", "change", "change_pct")


def anomalies(store: Store, period: Period, spec: CalendarSpec) -> pl.DataFrame:
    """Days of the report month outside the 95% interval (spend and cost per task, by project), largest first."""
    frame = find_anomalies(store, "dollars", "project", lookback=period.mtd_days, spec=spec, until=period.as_of)
    frame = frame.filter(pl.col("day") >= period.first)
    return frame.sort(pl.col("excess_usd").abs(), descending=True).head(TOP_ANOMALIES)


@dataclass(frozen=True)
class TroughNote:
    series: str
    message: str


def trough_notes(store: Store, period: Period, spec: CalendarSpec) -> list[TroughNote]:
    """The holiday-trough guard on total and per-provider spend over the last 28 days of data."""
    out = []
    for by in ("total", "provider"):
        data = daily_series(store, "dollars", by, until=period.as_of)
        for name in sorted(data["series"].unique().to_list()) if data.height else []:
            s = data.filter(pl.col("series") == name).sort("day")
            if s.height >= 56 and (w := trough_guard(s["day"].to_list(), s["value"].to_numpy(), 28, spec)):
                out.append(TroughNote(name, w.message("$")))
    return out
