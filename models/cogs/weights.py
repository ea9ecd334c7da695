"""Driver weights for shared cost lines: who used how much of a driver over a line's window.

A line's window is its charge period (UTC days, end exclusive). When nobody used the
driver in the window, the window widens to the line's calendar month; when `token_cost`
is unknown because a model is unpriced, `tokens` stands in. A line left without weights
is the caller's to mark unallocated.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

ATTEMPTS = (  # (driver substitution, window), tried in order for lines still without weights
    (None, "period"),
    ("tokens", "period"),
    (None, "month"),
    ("tokens", "month"),
)
OUT_SCHEMA = pl.Schema(
    {"__line": pl.Int64, "feature": pl.String, "project_id": pl.String, "weight": pl.Float64,
     "driver_used": pl.String, "window": pl.String}
)


def _windows(lines: pl.DataFrame, window: str) -> pl.DataFrame:
    start = pl.col("ChargePeriodStart").dt.date()
    if window == "month":
        d0 = start.dt.month_start()
        d1 = start.dt.month_end() + timedelta(days=1)
    else:
        d0 = start
        end = (pl.col("ChargePeriodEnd") - pl.duration(microseconds=1)).dt.date() + timedelta(days=1)
        d1 = pl.when(pl.col("ChargePeriodEnd").is_not_null() & (end > start)).then(end).otherwise(start + timedelta(days=1))
    return lines.with_columns(d0.alias("d0"), d1.alias("d1"))


def _weights_once(lines: pl.DataFrame, drivers: pl.DataFrame) -> pl.DataFrame:
    """(__line, project_id, feature, weight) for lines whose window has a positive, fully known driver total."""
    combos = lines.select("driver_used", "scope", "d0", "d1").unique()
    combos = combos.with_row_index("__combo")
    days = combos.with_columns(pl.date_ranges("d0", "d1", closed="left").alias("day")).explode("day")
    used = days.join(drivers, left_on=["driver_used", "day"], right_on=["driver", "day"], how="inner")
    used = used.filter(pl.col("scope").is_null() | (pl.col("project_id") == pl.col("scope")))
    per_target = used.group_by("__combo", "project_id", "feature").agg(
        pl.col("quantity").sum().alias("weight"), pl.col("quantity").null_count().alias("__nulls")
    )
    good = per_target.group_by("__combo").agg(
        ((pl.col("__nulls").sum() == 0) & (pl.col("weight").sum() > 0)).alias("__ok")
    ).filter("__ok")
    weights = per_target.join(good.select("__combo"), on="__combo").filter(pl.col("weight") > 0)
    keyed = lines.join(combos, on=["driver_used", "scope", "d0", "d1"], how="inner", nulls_equal=True)
    return keyed.join(weights, on="__combo", how="inner").select("__line", "project_id", "feature", "weight")


def window_weights(lines: pl.DataFrame, drivers: pl.DataFrame) -> pl.DataFrame:
    """Weights per (line, target); `lines` has __line, driver, scope, ChargePeriodStart/End, month."""
    found = []
    todo = lines
    for substitute, window in ATTEMPTS:
        if todo.height == 0:
            break
        if substitute is not None:
            candidates = todo.filter(pl.col("driver") == "token_cost").with_columns(pl.lit(substitute).alias("driver_used"))
        else:
            candidates = todo.with_columns(pl.col("driver").alias("driver_used"))
        if candidates.height == 0:
            continue
        got = _weights_once(_windows(candidates, window), drivers)
        if got.height:
            used = candidates.select("__line", "driver_used").join(got, on="__line")
            found.append(used.with_columns(pl.lit(window).alias("window")).select(OUT_SCHEMA.names()))
            todo = todo.join(got.select("__line").unique(), on="__line", how="anti")
    if not found:
        return pl.DataFrame(schema=OUT_SCHEMA)
    return pl.concat([f.cast({k: v for k, v in OUT_SCHEMA.items()}) for f in found])
