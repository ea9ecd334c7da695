"""The spend columns of cost_lines, summed in one place with one null handling.

Every figure of money billed (period total, month to date, burn rate, the forecast's daily
series) reads cost lines through `spend_lines` and sums them with `spend_sum`, exactly and in
any row order (finops.models.money): a null BilledCost is *unpriced*, left out of the sum and
counted, never taken as 0; a sum over lines that are all unpriced is null, not 0.

Scopes (what a figure includes):
- "all AI COGS": every cost line (inference, embeddings, vector DB, observability, human
  review, storage, contracts), converted into the reporting currency at dated FX rates;
- "inference": inference and embeddings lines billed in USD (the forecast's and the budgets'
  series: the provider bills, which are in USD).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

import polars as pl

from finops.models.money import money_sum
from finops.schema import is_provider_bill

if TYPE_CHECKING:
    from finops.context import Context

COST_COLUMN = "BilledCost"
SCOPE_ALL = "all AI COGS"
SCOPE_INFERENCE = "inference"
SCOPES = (SCOPE_ALL, SCOPE_INFERENCE)
UNATTRIBUTED = "(unattributed)"


def spend_sum(column: str = "cost", alias: str | None = None) -> list[pl.Expr]:
    """`value` (sum of the priced rows, null when none is priced) and `unpriced` (rows with no price)."""
    col = pl.col(column)
    return [
        pl.when(col.is_not_null().any()).then(money_sum(col)).otherwise(None).alias(alias or "value"),
        col.is_null().sum().cast(pl.Int64).alias("unpriced"),
    ]


def in_scope(lines: pl.LazyFrame, scope: str) -> pl.LazyFrame:
    """Cost lines of a scope (see the module docstring); `lines` is the raw cost_lines table."""
    if scope == SCOPE_INFERENCE:
        return lines.filter(is_provider_bill())
    if scope == SCOPE_ALL:
        return lines
    raise ValueError(f"unknown scope {scope!r}")


def _period_days() -> pl.Expr:
    """UTC days a line's charge period covers (at least 1): 1 for a daily line, ~30 for a monthly bill."""
    start, end = pl.col("ChargePeriodStart"), pl.col("ChargePeriodEnd")
    span = (end - pl.duration(microseconds=1)).dt.date() - start.dt.date()
    return pl.when(end.is_not_null() & (end > start)).then(span.dt.total_days() + 1).otherwise(1).cast(pl.Int64)


def _rate_date() -> pl.Expr:
    """The day whose exchange rate converts a line: the last day its charge period covers."""
    start, end = pl.col("ChargePeriodStart"), pl.col("ChargePeriodEnd")
    last = (end - pl.duration(microseconds=1)).dt.date()
    return pl.when(end.is_not_null() & (end > start)).then(last).otherwise(start.dt.date())


def spend_lines(lines: pl.LazyFrame, project_feature: Mapping[str, str] | None = None) -> pl.LazyFrame:
    """Cost lines as day, provider, model, project, feature, currency, cost, provenance, cost_source, rate_date, days.

    `day` is the UTC day the charge period starts; `cost` is BilledCost (null = unpriced).
    """
    owner = dict(project_feature or {})
    feature = (
        pl.when(pl.col("x_Feature").fill_null("") != "")
        .then(pl.col("x_Feature"))
        .otherwise(pl.col("SubAccountId").replace_strict(owner, default=UNATTRIBUTED, return_dtype=pl.String))
    )
    return lines.select(
        pl.col("ChargePeriodStart").dt.date().alias("day"),
        pl.col("ServiceProviderName").fill_null("?").str.to_lowercase().alias("provider"),
        pl.coalesce(pl.col("x_Model"), pl.col("ServiceName"), pl.col("ServiceProviderName"), pl.lit("?")).alias("model"),
        pl.col("SubAccountId").fill_null("").alias("project"),
        feature.alias("feature"),
        pl.col("BillingCurrency").fill_null("?").str.to_uppercase().alias("currency"),
        pl.col(COST_COLUMN).cast(pl.Float64).alias("cost"),
        pl.col("x_Provenance").fill_null("billed").alias("provenance"),
        pl.col("x_CostSource").fill_null("inference").alias("cost_source"),
        _rate_date().alias("rate_date"),
        _period_days().alias("days"),
    )


@dataclass(frozen=True)
class Converted:
    frame: pl.LazyFrame
    note: str = ""  # what was converted at which rates, or why some lines were not


def to_reporting(ctx: "Context", frame: pl.LazyFrame) -> Converted:
    """Convert spend_lines in other currencies into the reporting currency at the context's dated rates.

    Lines whose currency has no rate stay in their own currency (summed apart, never 1:1)
    and the note says why; the figures then show them beside the converted total.
    """
    from finops.errors import FinopsError

    target = ctx.reporting_currency
    needs = frame.filter(pl.col("currency") != target).select("currency", "rate_date").unique().collect()
    if needs.height == 0:
        return Converted(frame)
    names = ", ".join(sorted(set(needs["currency"])))
    try:
        table = ctx.fx.rates_for(needs, target)
    except FinopsError as exc:
        return Converted(frame, f"not converted to {target}: {exc}")
    converted = (
        frame.join(table.lazy(), on=["currency", "rate_date"], how="left")
        .with_columns(
            pl.when(pl.col("fx_rate").is_not_null()).then(pl.col("cost") * pl.col("fx_rate")).otherwise(pl.col("cost")).alias("cost"),
            pl.when(pl.col("fx_rate").is_not_null()).then(pl.lit(target)).otherwise(pl.col("currency")).alias("currency"),
        )
        .drop("fx_rate")
    )
    return Converted(converted, f"{names} lines converted to {target} at dated rates ({Path(ctx.fx.source).name})")


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


@dataclass(frozen=True)
class Total:
    value: float | None  # null when every line is unpriced
    unpriced: int = 0


def totals(frame: pl.LazyFrame, start: date | None, end: date | None) -> dict[str, Total]:
    """{currency: Total} of spend_lines for days start..end inclusive (None = open)."""
    lf = frame
    if start is not None:
        lf = lf.filter(pl.col("day") >= start)
    if end is not None:
        lf = lf.filter(pl.col("day") <= end)
    out = lf.group_by("currency").agg(*spend_sum()).sort("currency").collect()
    return {c: Total(None if v is None else float(v), int(n)) for c, v, n in out.iter_rows()}


def daily(frame: pl.LazyFrame, by: str | None = None) -> pl.DataFrame:
    """(day, [by], currency, cost, unpriced) sorted: the one daily sum of spend."""
    keys = ["day", *([by] if by else []), "currency"]
    return frame.group_by(keys).agg(*spend_sum(alias="cost")).sort(keys).collect()


def inference_daily(ctx: "Context", lines: pl.LazyFrame | None = None, until: date | None = None) -> pl.DataFrame:
    """(day, value): billed USD of the inference scope per UTC day, zero-filled through `until` (default: as of)
    or the store's last day of cost lines, whichever is first.

    The series every spend forecast of the inference scope is fitted on. A day with only
    unpriced lines is 0 here (a forecast needs numbers); the figures built on it say so.
    """
    until = until or ctx.as_of
    if ctx.last_data_day is not None:
        until = min(until, ctx.last_data_day)  # never past the data: a day after the last bill is unknown, not 0
    raw = lines if lines is not None else ctx.store.scan("cost_lines")
    frame = spend_lines(in_scope(raw, SCOPE_INFERENCE)).filter(pl.col("day") <= until)
    per_day = frame.group_by("day").agg(*spend_sum()).collect()
    if per_day.height == 0:
        return pl.DataFrame(schema={"day": pl.Date, "value": pl.Float64})
    grid = pl.DataFrame({"day": pl.date_range(cast(date, per_day["day"].min()), until, "1d", eager=True)})
    return grid.join(per_day.select("day", "value"), on="day", how="left").with_columns(
        pl.col("value").fill_null(0.0).cast(pl.Float64)).sort("day")
