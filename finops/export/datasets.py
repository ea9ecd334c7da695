"""The exportable datasets: how each is built for one month (or a range, split by month) and sorted.

Store datasets (costs, usage, requests, carbon) are built one month at a time from that
month's store partitions, so memory stays bounded by a month. Derived datasets
(reconcile, cogs, forecast) are built once for the selected months and split; their
modules are imported when the dataset is exported. Columns of every dataset are listed
in docs/export.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from finops.export import periods
from finops.export.context import Context
from finops.models.energy import data as energy_data
from finops.schema import BILLED_USAGE_TABLE

MonthBuild = Callable[[Context, str], pl.DataFrame]
RangeBuild = Callable[[Context, "date | None", "date | None"], pl.DataFrame]


@dataclass(frozen=True)
class Dataset:
    name: str
    period_column: str  # Date, Datetime or "YYYY-MM" String; one file per UTC month of it
    sort: tuple[str, ...]  # a unique order, so equal data gives byte-equal files
    tables: tuple[str, ...]  # store tables it reads; the first lists its months
    by_month: MonthBuild | None = None
    by_range: RangeBuild | None = None
    stamps: tuple[str, ...] = ()  # extra inputs: "catalog", "data:energy", "config:<dotted key>"


def _month(ctx: Context, table: str, column: str, month: str) -> pl.LazyFrame:
    start, end = periods.bounds(month)
    return ctx.store.scan(table).filter((pl.col(column) >= start) & (pl.col(column) < end))


def _costs(ctx: Context, month: str) -> pl.DataFrame:
    from finops.export.focus_costs import focus_frame

    lines = _month(ctx, "cost_lines", "ChargePeriodStart", month).collect()
    usage = _month(ctx, "billed_usage", "charge_period_start", month).collect()
    return focus_frame(lines, usage, ctx.catalog, ctx.settings.billing_accounts)


def _usage(ctx: Context, month: str) -> pl.DataFrame:
    return _month(ctx, "billed_usage", "charge_period_start", month).collect()


def _requests(ctx: Context, month: str) -> pl.DataFrame:
    return _month(ctx, "requests", "ts", month).collect()


CARBON_KEYS = ["day", "provider", "model", "project_id", "feature"]


def _carbon(ctx: Context, month: str) -> pl.DataFrame:
    from finops.models.energy import carbon

    req = carbon.per_request(_month(ctx, "requests", "ts", month), catalog=ctx.catalog)
    return carbon.summarise(req.with_columns(pl.col("ts").dt.date().alias("day")), CARBON_KEYS).collect()


RECONCILE_KEYS = ("day", "provider", "project_id", "api_key_id", "model", "token_class")


def _reconcile(ctx: Context, since: date | None, until: date | None) -> pl.DataFrame:
    from finops.reconcile import reconcile

    return reconcile(ctx.store, since, until, catalog=ctx.context.catalog, thresholds=ctx.context.thresholds,
                     identity=ctx.context.identity).by("day")


def _cogs(ctx: Context, since: date | None, until: date | None) -> pl.DataFrame:
    from finops.services import cogs

    frame = cogs.unit_economics(ctx.store, ctx.context.cogs_setup)
    if frame.height == 0:
        return frame
    if since:
        frame = frame.filter(pl.col("month") >= periods.month_of(since))
    if until:
        frame = frame.filter(pl.col("month") <= periods.month_of(until))
    return frame


CACHE_KEYS = ("day", "provenance", "provider", "model", "project_id", "api_key_id", "feature")


def _cache(ctx: Context, since: date | None, until: date | None) -> pl.DataFrame:
    """Prompt-cache rows per day and group, logged and metered (finops.metrics.cache; docs/cache.md)."""
    from finops.metrics.cache import cache_view

    if not ctx.store.months("requests") and not ctx.store.months("billed_usage"):
        return pl.DataFrame()
    return cache_view(ctx.context, since, until).rows


FORECAST_HORIZON_DAYS = 90
FORECAST_METRICS = ("dollars", "tokens")


def _forecast(ctx: Context, since: date | None, until: date | None) -> pl.DataFrame:
    from finops.services import forecast as service

    spec = ctx.context.calendar
    parts = [
        service.forecast_series(ctx.store, metric, "total", FORECAST_HORIZON_DAYS, spec).frame
        .with_columns(pl.lit(metric).alias("metric"))
        for metric in FORECAST_METRICS
    ]
    frame = pl.concat(parts).select("metric", pl.exclude("metric"))
    if since:
        frame = frame.filter(pl.col("day") >= since)
    if until:
        frame = frame.filter(pl.col("day") <= until)
    return frame


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("costs", "ChargePeriodStart", ("ChargePeriodStart", "x_Source", "x_LineId"),
                ("cost_lines", "billed_usage"), by_month=_costs, stamps=("catalog",)),
        Dataset("usage", "charge_period_start", BILLED_USAGE_TABLE.key, ("billed_usage",), by_month=_usage),
        Dataset("requests", "ts", ("ts", "request_id"), ("requests",), by_month=_requests),
        Dataset("carbon", "day", tuple(CARBON_KEYS), ("requests",), by_month=_carbon,
                stamps=("catalog", "data:energy")),
        Dataset("reconcile", "day", RECONCILE_KEYS, ("requests", "billed_usage", "cost_lines"), by_range=_reconcile,
                stamps=("catalog",)),
        Dataset("cogs", "month", ("month", "feature"), ("cost_lines", "requests", "billed_usage"), by_range=_cogs,
                stamps=("catalog", "config:display.fx_rates")),
        Dataset("cache", "day", CACHE_KEYS, ("requests", "billed_usage", "cost_lines"), by_range=_cache,
                stamps=("catalog",)),
        Dataset("forecast", "day", ("metric", "series", "kind", "day"), ("billed_usage", "cost_lines"),
                by_range=_forecast),
    )
}


def stamp_parts(ctx: Context, ds: Dataset, month: str | None) -> list[str]:
    """What a period of `ds` is computed from (see context.Context.stamp)."""
    parts = [ds.name, *ctx.partitions(ds.tables, month)]
    for extra in ds.stamps:
        if extra == "catalog":
            parts.append(ctx.catalog_stamp)
        elif extra == "data:energy":
            parts += ctx.data_files(energy_data.folder())
        elif extra.startswith("config:"):
            parts += ctx.config_file(extra[7:])
    return parts


def month_expr(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The YYYY-MM of a period column of any of the three kinds."""
    dtype = frame.schema[column]
    if dtype == pl.String:
        return pl.col(column).str.slice(0, 7)
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.convert_time_zone("UTC").dt.strftime("%Y-%m")
    return pl.col(column).dt.strftime("%Y-%m")
