"""Daily series from the stored tables' frames: dollars from the bills, tokens from the meters, tasks from the log.

dollars = inference and embedding cost lines in USD (BilledCost, provenance billed). Lines
that do not name a model are split over the models of the same day, provider and project
in proportion to their catalog-priced metered tokens (provenance estimated); with no
metered usage to go by they stay "(unattributed)".
tokens = metered token classes from billed_usage (provenance metered).
tasks = distinct task ids in the request log per UTC day (provenance logged).

Pure functions over the `cost_lines`, `billed_usage` and `requests` frames; the store is
read by finops/services/forecast.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from finops.models.money import money_sum
from finops.schema import is_provider_bill

BY_VALUES = ("total", "provider", "model", "project")
UNATTRIBUTED = "(unattributed)"
_USAGE_DIMS = {"provider": "provider", "project": "project_id", "model": "model"}


def _cost_lines(cost_lines: pl.LazyFrame, provider: str | None, project: str | None) -> pl.LazyFrame:
    lf = cost_lines.filter(is_provider_bill()).select(
        pl.col("ChargePeriodStart").dt.date().alias("day"),
        pl.col("ServiceProviderName").str.to_lowercase().alias("provider"),
        pl.col("SubAccountId").alias("project"),
        pl.col("x_Model").alias("model"),
        pl.col("BilledCost").alias("value"),
    )
    return _scope(lf, provider, project)


def _scope(lf: pl.LazyFrame, provider: str | None, project: str | None) -> pl.LazyFrame:
    if provider:
        lf = lf.filter(pl.col("provider") == provider.lower())
    if project:
        lf = lf.filter(pl.col("project") == project)
    return lf


def _usage(billed_usage: pl.LazyFrame, provider: str | None, project: str | None) -> pl.LazyFrame:
    lf = billed_usage.filter(pl.col("unit") == "tokens").select(
        pl.col("charge_period_start").dt.date().alias("day"),
        pl.col("provider").str.to_lowercase().alias("provider"),
        pl.col("project_id").alias("project"),
        "model", "token_class",
        pl.col("quantity").cast(pl.Float64).alias("value"),
    )
    return _scope(lf, provider, project)


def _split_unnamed(unnamed: pl.DataFrame, billed_usage: pl.LazyFrame, catalog: pl.DataFrame, provider: str | None,
                   project: str | None) -> pl.DataFrame:
    """Dollar lines without a model, split by catalog-priced token share (day, provider, project)."""
    from finops.models.pricing.catalog import price

    usage = _usage(billed_usage, provider, project).group_by("day", "provider", "project", "model", "token_class").agg(
        pl.col("value").sum()).collect()
    priced = price(usage, catalog).with_columns((pl.col("value") * pl.col("usd_per_million") / 1e6).alias("usd"))
    weights = priced.group_by("day", "provider", "project", "model").agg(money_sum(pl.col("usd")))
    weights = weights.filter(pl.col("usd") > 0).with_columns(
        (pl.col("usd") / money_sum(pl.col("usd")).over("day", "provider", "project")).alias("share"))
    joined = unnamed.join(weights.select("day", "provider", "project", pl.col("model").alias("w_model"), "share"),
                          on=["day", "provider", "project"], how="left")
    return joined.select(
        "day", "provider", "project",
        pl.coalesce("w_model", pl.lit(UNATTRIBUTED)).alias("model"),
        (pl.col("value") * pl.col("share").fill_null(1.0)).alias("value"),
    )


def _dollar_rows(cost_lines: pl.LazyFrame, billed_usage: pl.LazyFrame, catalog: pl.DataFrame | None, by: str,
                 provider: str | None, project: str | None) -> pl.DataFrame:
    lines = _cost_lines(cost_lines, provider, project)
    if by != "model":
        return lines.collect()
    named = lines.filter(pl.col("model").is_not_null()).collect()
    unnamed = lines.filter(pl.col("model").is_null()).group_by("day", "provider", "project").agg(money_sum(pl.col("value"))).collect()
    if unnamed.height == 0:
        return named
    if catalog is None:
        # The split prices tokens: it must use the caller's catalog (with its overrides), never a default of its own.
        raise ValueError("daily_series(by='model') needs the price catalog to split dollar lines that name no model")
    return pl.concat([named, _split_unnamed(unnamed, billed_usage, catalog, provider, project).select(named.columns)])


def estimated_share(cost_lines: pl.LazyFrame) -> float:
    """Share of inference dollars whose model is estimated from tokens (lines that name none)."""
    t = _cost_lines(cost_lines, None, None).select(money_sum(pl.col("value")).alias("all"),
                                              money_sum(pl.col("value").filter(pl.col("model").is_null())).alias("unnamed")).collect()
    total = float(t["all"][0] or 0.0)
    return float(t["unnamed"][0] or 0.0) / total if total else 0.0


def daily_series(cost_lines: pl.LazyFrame, billed_usage: pl.LazyFrame, metric: str = "dollars", by: str = "total",
                 provider: str | None = None, project: str | None = None, until: date | None = None,
                 catalog: pl.DataFrame | None = None) -> pl.DataFrame:
    """Columns day, series, value: one row per UTC day for every series, gaps filled with 0.

    `provider`/`project` narrow the data first (budgets); `until` cuts it (as-of reports).
    `catalog` prices metered tokens to split dollar lines that name no model (by="model"
    only; required then: the context's catalog, with `[pricing] override`).
    """
    if by not in BY_VALUES:
        raise ValueError(f"unknown --by {by!r}: use one of {', '.join(BY_VALUES)}")
    if metric == "dollars":
        rows = _dollar_rows(cost_lines, billed_usage, catalog, by, provider, project)
    elif metric == "tokens":
        rows = _usage(billed_usage, provider, project).collect()
    else:
        raise ValueError(f"unknown metric {metric!r}")
    if until is not None:
        rows = rows.filter(pl.col("day") <= until)
    key = pl.lit("total") if by == "total" else pl.col(by).fill_null(UNATTRIBUTED if by == "model" else "(unknown)")
    # Dollars summed exactly (finops.models.money); tokens are integers.
    total = money_sum(pl.col("value")) if metric == "dollars" else pl.col("value").sum()
    daily = rows.group_by("day", key.alias("series")).agg(total)
    return fill_days(daily)


def _day(value: object) -> date:
    """A Date column's min/max as the date it is (polars types scalars as a union)."""
    assert isinstance(value, date), value
    return value


def fill_days(daily: pl.DataFrame) -> pl.DataFrame:
    """Zero-fill each series from its first day to the last day of any series.

    Never past the data: a day after the last bill is unknown, not zero.
    """
    if daily.height == 0:
        return daily.select(pl.col("day").cast(pl.Date), pl.col("series").cast(pl.String), pl.col("value").cast(pl.Float64))
    last = daily["day"].max()
    parts = []
    for name in sorted(daily["series"].unique().to_list()):
        s = daily.filter(pl.col("series") == name)
        grid = pl.DataFrame({"day": pl.date_range(_day(s["day"].min()), _day(last), "1d", eager=True)})
        parts.append(grid.join(s, on="day", how="left").select(
            "day", pl.lit(name).alias("series"), pl.col("value").fill_null(0.0).cast(pl.Float64)))
    return pl.concat(parts).sort("series", "day")


def daily_tasks(requests: pl.LazyFrame, by: str = "total", provider: str | None = None, project: str | None = None,
                until: date | None = None) -> pl.DataFrame:
    """Columns day, series, tasks: distinct logged task ids per UTC day of their first request."""
    lf = requests.select(
        pl.col("ts"), pl.col("provider").str.to_lowercase().alias("provider"), pl.col("project_id").alias("project"),
        "model", "task_id").filter(pl.col("task_id").is_not_null())
    lf = _scope(lf, provider, project)
    key = pl.lit("total") if by == "total" else pl.col(by)
    first = lf.group_by("task_id", key.alias("series")).agg(pl.col("ts").min().dt.date().alias("day"))
    out = first.group_by("day", "series").agg(pl.len().cast(pl.Float64).alias("tasks")).collect()
    return out.filter(pl.col("day") <= until) if until is not None else out


def hour_profile(requests: pl.LazyFrame, provider: str | None = None, project: str | None = None) -> np.ndarray | None:
    """Share of logged requests by UTC hour of day (24 values), or None with no log to go by."""
    lf = _scope(requests.select(
        pl.col("ts").dt.hour().alias("hour"), pl.col("provider").str.to_lowercase().alias("provider"),
        pl.col("project_id").alias("project")), provider, project)
    counts = lf.group_by("hour").agg(pl.len().alias("n")).collect()
    if counts.height == 0:
        return None
    out = np.zeros(24)
    for h, n in counts.iter_rows():
        out[int(h)] = n
    return out / out.sum()


def as_arrays(frame: pl.DataFrame) -> tuple[list[date], np.ndarray]:
    return frame["day"].to_list(), frame["value"].to_numpy()


def month_days(month: str) -> list[date]:
    y, m = map(int, month.split("-"))
    start = date(y, m, 1)
    end = date(y + (m == 12), m % 12 + 1, 1)
    return [start + timedelta(days=i) for i in range((end - start).days)]
