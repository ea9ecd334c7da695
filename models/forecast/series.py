"""Daily series from the store: dollars from the bills, tokens from the usage meters."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from finops.store import Store

BY_COLUMNS = {
    "dollars": {"provider": pl.col("ServiceProviderName").str.to_lowercase(), "project": pl.col("SubAccountId"), "model": pl.col("x_Model")},
    "tokens": {"provider": pl.col("provider"), "project": pl.col("project_id"), "model": pl.col("model")},
}


def daily_series(store: Store, metric: str = "dollars", by: str = "total") -> pl.DataFrame:
    """Columns day, series, value: one row per UTC day for every series, gaps filled with 0.

    dollars = inference and embedding cost lines in USD (provenance billed);
    tokens = metered token classes (provenance metered).
    """
    if metric == "dollars":
        lf = store.scan("cost_lines").filter(
            pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD")
        ).with_columns(pl.col("ChargePeriodStart").dt.date().alias("day"), pl.col("BilledCost").alias("value"))
    elif metric == "tokens":
        lf = store.scan("billed_usage").filter(pl.col("unit") == "tokens").with_columns(
            pl.col("charge_period_start").dt.date().alias("day"), pl.col("quantity").cast(pl.Float64).alias("value")
        )
    else:
        raise ValueError(f"unknown metric {metric!r}")
    series = pl.lit("total") if by == "total" else BY_COLUMNS[metric][by].fill_null("(unknown)")
    daily = lf.group_by("day", series.alias("series")).agg(pl.col("value").sum()).collect()
    if daily.height == 0:
        return daily
    first, last = daily["day"].min(), daily["day"].max()
    grid = pl.DataFrame({"day": pl.date_range(first, last, "1d", eager=True)})  # type: ignore[arg-type]
    parts = []
    for name in sorted(daily["series"].unique().to_list()):
        s = daily.filter(pl.col("series") == name)
        start = s["day"].min()
        g = grid.filter(pl.col("day") >= start).join(s, on="day", how="left").with_columns(
            pl.lit(name).alias("series"), pl.col("value").fill_null(0.0)
        )
        parts.append(g.select("day", "series", "value"))
    return pl.concat(parts)


def as_arrays(frame: pl.DataFrame) -> tuple[list[date], list[float]]:
    return frame["day"].to_list(), frame["value"].to_list()


def month_days(month: str) -> list[date]:
    y, m = map(int, month.split("-"))
    start = date(y, m, 1)
    end = date(y + (m == 12), m % 12 + 1, 1)
    return [start + timedelta(days=i) for i in range((end - start).days)]
