"""Evictions found by reconciliation, spread over the logged rows that expected the reads.

Reconcile's cache_eviction cause finds, per (day, provider, model, project, key), cache
reads the log expected and the provider metered as uncached input instead; its tokens and
catalog dollars come in here (the caller takes them from the reconcile result, so the
figure is reconcile's, not a second estimate). The usage APIs carry no feature, so each
(day, provider, project, model) cell's evicted reads go to its logged rows in proportion
to their cache reads (a cell with no logged reads: by the day's project); what still
matches nothing stays on a row of its own with feature "".
"""

from __future__ import annotations

import polars as pl

from finops.models.money import money_sum

CELL = ["day", "provider", "project_id", "model"]


def _spread(cells: pl.DataFrame, logged: pl.DataFrame, on: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows of `logged` (with row ids) and their share of each cell; cells left without a row."""
    weights = logged.group_by(on).agg(pl.col("reads").sum().alias("_cell_reads"))
    ok = cells.join(weights.filter(pl.col("_cell_reads") > 0), on=on, how="inner")
    shares = logged.join(ok.select(*on, "evicted_reads", "lost_eviction_usd", "_cell_reads"), on=on, how="inner").select(
        "_row", (pl.col("reads") / pl.col("_cell_reads") * pl.col("evicted_reads")).alias("evicted_reads"),
        (pl.col("reads") / pl.col("_cell_reads") * pl.col("lost_eviction_usd")).alias("lost_eviction_usd"))
    return shares, cells.join(ok.select(on), on=on, how="anti")


def apportion(evicted: pl.DataFrame, logged: pl.DataFrame) -> pl.DataFrame:
    """`logged` plus evicted_reads and lost_eviction_usd (0 where nothing was evicted)."""
    base = logged.with_row_index("_row")
    cells = evicted.group_by(CELL).agg(pl.col("evicted_reads").sum(), money_sum(pl.col("lost_eviction_usd")))
    first, rest = _spread(cells, base, CELL)
    by_project = rest.group_by(CELL[:3]).agg(pl.col("evicted_reads").sum(), money_sum(pl.col("lost_eviction_usd")))
    second, left = _spread(by_project, base, CELL[:3])
    shares = pl.concat([first, second]).group_by("_row").agg(pl.col("evicted_reads").sum(), money_sum(pl.col("lost_eviction_usd")))
    out = base.join(shares, on="_row", how="left").with_columns(
        pl.col("evicted_reads").fill_null(0).round(0).cast(pl.Int64), pl.col("lost_eviction_usd").fill_null(0.0)).drop("_row")
    if left.height:
        zeros = [pl.lit(0 if dt == pl.Int64 else 0.0, dt).alias(c) for c, dt in out.schema.items()
                 if dt in (pl.Int64, pl.Float64) and c not in ("evicted_reads", "lost_eviction_usd") and not c.startswith("rate_")]
        extra = left.select(
            *CELL[:3], pl.lit("").alias("model"), pl.lit("").alias("api_key_id"), pl.lit("").alias("feature"),
            pl.lit("logged").alias("provenance"), pl.col("evicted_reads").round(0).cast(pl.Int64), pl.col("lost_eviction_usd"),
        ).with_columns(zeros)
        out = pl.concat([out, extra], how="diagonal_relaxed")
    return out
