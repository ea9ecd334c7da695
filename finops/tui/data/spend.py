"""Billed spend from the cost lines under the global filters: per day, per currency, movers.

Money is never summed across currencies: every aggregate keeps `currency` as a key and
the screens show the reporting currency first and the others beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import polars as pl

from finops.config import ConfigFile
from finops.tui.filters import Filters, apply

UNATTRIBUTED = "(unattributed)"
_SNAPSHOT_SUFFIX = r"-(\d{8}|\d{4}-\d{2}-\d{2})$"


def short_model(name: pl.Expr) -> pl.Expr:
    """A model snapshot without its date suffix (gpt-4.1-2025-04-14 -> gpt-4.1), for display."""
    return name.str.replace(_SNAPSHOT_SUFFIX, "")


def project_feature_map(feature_projects: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """project -> feature for projects that serve exactly one feature in the request logs."""
    owners: dict[str, set[str]] = {}
    for feature, projects in feature_projects.items():
        for p in projects:
            owners.setdefault(p, set()).add(feature)
    return {p: next(iter(f)) for p, f in owners.items() if len(f) == 1}


def cost_frame(
    cost_lines: pl.LazyFrame,
    filters: Filters,
    feature_projects: Mapping[str, Sequence[str]],
    *,
    dates: bool = True,
) -> pl.LazyFrame:
    """Filtered cost lines with day, provider, model, project, feature, currency, cost."""
    owner = project_feature_map(feature_projects)
    lf = apply(cost_lines, "cost_lines", filters, feature_projects, dates=dates)
    feature = (
        pl.when(pl.col("x_Feature").fill_null("") != "")
        .then(pl.col("x_Feature"))
        .otherwise(pl.col("SubAccountId").replace_strict(owner, default=UNATTRIBUTED, return_dtype=pl.String))
    )
    return lf.select(
        pl.col("ChargePeriodStart").dt.date().alias("day"),
        pl.col("ServiceProviderName").fill_null("?").str.to_lowercase().alias("provider"),
        pl.coalesce(pl.col("x_Model"), pl.col("ServiceName"), pl.col("ServiceProviderName"), pl.lit("?")).alias("model"),
        pl.col("SubAccountId").fill_null("").alias("project"),
        feature.alias("feature"),
        pl.col("BillingCurrency").fill_null("?").str.to_uppercase().alias("currency"),
        pl.col("BilledCost").alias("cost"),
        pl.col("x_Provenance").fill_null("billed").alias("provenance"),
        pl.col("x_CostSource").fill_null("inference").alias("cost_source"),
        _rate_date().alias("rate_date"),
        _period_days().alias("days"),
    )


def _period_days() -> pl.Expr:
    """UTC days a line's charge period covers (at least 1): 1 for a daily line, ~30 for a monthly bill."""
    start, end = pl.col("ChargePeriodStart"), pl.col("ChargePeriodEnd")
    span = (end - pl.duration(microseconds=1)).dt.date() - start.dt.date()
    return pl.when(end.is_not_null() & (end > start)).then(span.dt.total_days() + 1).otherwise(1).cast(pl.Int64)


def amortized(frame: pl.LazyFrame) -> pl.LazyFrame:
    """One row per line and day it covers, with the cost spread evenly over those days.

    A monthly vendor bill then adds a thirtieth to each day instead of a spike on the 1st,
    which is what a daily chart, a burn rate and a week-on-week comparison need. Sums over
    whole charge periods are unchanged.
    """
    return (
        frame.with_columns(
            pl.date_ranges(pl.col("day"), pl.col("day") + pl.duration(days=pl.col("days") - 1)).alias("__days"),
            (pl.col("cost") / pl.col("days")).alias("cost"),
        )
        .explode("__days")
        .with_columns(pl.col("__days").alias("day"))
        .drop("__days")
    )


def _rate_date() -> pl.Expr:
    """The day whose exchange rate converts a line: the last day its charge period covers."""
    start, end = pl.col("ChargePeriodStart"), pl.col("ChargePeriodEnd")
    last = (end - pl.duration(microseconds=1)).dt.date()
    return pl.when(end.is_not_null() & (end > start)).then(last).otherwise(start.dt.date())


def to_reporting(frame: pl.LazyFrame, config: ConfigFile, target: str) -> tuple[pl.LazyFrame, str]:
    """Convert lines in other currencies into `target` at dated rates (models.cogs.fx).

    Returns the frame and a note. When rates are missing, the frame is returned unconverted and the note says why (amounts are never taken 1:1).
    """
    needs = (
        frame.filter(pl.col("currency") != target)
        .select("currency", "rate_date").unique().collect()
    )
    if needs.height == 0:
        return frame, ""
    from finops.errors import FinopsError
    from finops.services.currency import rates as configured_rates

    try:
        rates = configured_rates(config)
        table = rates.rates_for(needs, target)
    except FinopsError as exc:
        return frame, f"not converted to {target}: {exc}"
    converted = (
        frame.join(table.lazy(), on=["currency", "rate_date"], how="left")
        .with_columns(
            pl.when(pl.col("fx_rate").is_not_null()).then(pl.col("cost") * pl.col("fx_rate")).otherwise(pl.col("cost")).alias("cost"),
            pl.when(pl.col("fx_rate").is_not_null()).then(pl.lit(target)).otherwise(pl.col("currency")).alias("currency"),
        )
        .drop("fx_rate")
    )
    names = ", ".join(sorted(set(needs["currency"])))
    from pathlib import Path

    return converted, f"{names} lines converted to {target} at dated rates ({Path(rates.source).name})"


def totals(frame: pl.LazyFrame, start: date | None, end: date | None) -> dict[str, float]:
    """{currency: billed sum} for start..end inclusive (None = open)."""
    lf = frame
    if start is not None:
        lf = lf.filter(pl.col("day") >= start)
    if end is not None:
        lf = lf.filter(pl.col("day") <= end)
    out = lf.group_by("currency").agg(pl.col("cost").sum()).collect()
    return {c: float(v) for c, v in out.sort("currency").iter_rows()}


def daily(frame: pl.LazyFrame, by: str = "provider") -> pl.DataFrame:
    """(day, <by>, currency, cost) sorted by day."""
    return frame.group_by("day", by, "currency").agg(pl.col("cost").sum()).sort("day", by, "currency").collect()


def provenances(frame: pl.LazyFrame) -> tuple[str, ...]:
    return tuple(sorted(frame.select(pl.col("provenance").unique()).collect().to_series().to_list()))


def movers(
    frame: pl.LazyFrame, end: date, currency: str, window: int = 7, top: int = 12
) -> pl.DataFrame:
    """Biggest changes in spend: the last `window` days up to `end` vs the window before.

    One row per (dimension, key) over model, project and feature, ranked by the absolute
    dollar change; `pct` is null when the earlier window had no spend.
    """
    cur_start = end - timedelta(days=window - 1)
    prev_start = cur_start - timedelta(days=window)
    lf = frame.filter((pl.col("currency") == currency) & (pl.col("day") >= prev_start) & (pl.col("day") <= end))
    parts = []
    for dim in ("model", "project", "feature"):
        parts.append(
            lf.group_by(pl.col(dim).alias("key"))
            .agg(
                pl.col("cost").filter(pl.col("day") >= cur_start).sum().alias("current"),
                pl.col("cost").filter(pl.col("day") < cur_start).sum().alias("previous"),
            )
            .with_columns(pl.lit(dim).alias("dimension"))
        )
    out = pl.concat(parts).collect() if parts else pl.DataFrame()
    if out.height == 0:
        return pl.DataFrame(
            schema={"dimension": pl.String, "key": pl.String, "label": pl.String, "current": pl.Float64, "previous": pl.Float64,
                    "delta": pl.Float64, "pct": pl.Float64}
        )
    return (
        out.with_columns((pl.col("current") - pl.col("previous")).alias("delta"))
        .with_columns(
            pl.when(pl.col("previous") > 0).then(pl.col("delta") / pl.col("previous") * 100).otherwise(None).alias("pct")
        )
        .filter(pl.col("key").fill_null("") != "")
        # Rounded: parallel sums differ in the last bits, and equal changes (a feature and its
        # only project) must keep the same order on every run.
        .sort(pl.col("delta").abs().round(6), "dimension", "key", descending=[True, False, False])
        .head(top)
        .with_columns(
            pl.when(pl.col("dimension") == "model").then(short_model(pl.col("key"))).otherwise(pl.col("key")).alias("label")
        )
        .select("dimension", "key", "label", "current", "previous", "delta", "pct")
    )
