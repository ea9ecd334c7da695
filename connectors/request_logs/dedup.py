"""The same request from two sources is one request: merge a new log with what is stored.

The store keys requests on `request_id` (the provider's response or message id), so a call
seen by the gateway and by an OTel exporter can only be stored once. Which values it keeps:
a row from the source that stored it wins where it has a value (a corrected re-export); a
row from another source only fills the stored row's gaps (the gateway knows the project,
the span knows the cache reads), except that logged counts replace counts we estimated.
The stored timestamp and source always stay, so the row never moves to another month's
partition. Re-loading either file after the other therefore changes nothing.
"""

from __future__ import annotations

import polars as pl

from finops.schema import REQUESTS, REQUESTS_TABLE, Provenance
from finops.store import Store

KEY = "request_id"
OLD = "__old_"
BLANK_IS_MISSING = ("project_id", "api_key_id")  # stored as "" when a source does not know them


def _missing(c: str) -> pl.Expr:
    col = pl.col(c)
    return pl.when(col == "").then(None).otherwise(col) if c in BLANK_IS_MISSING else col


def merge_with_store(store: Store, new: pl.LazyFrame) -> tuple[pl.LazyFrame, int]:
    """`new` merged into the stored rows it shares ids with; and how many came from another source."""
    if not store.months(REQUESTS_TABLE):
        return new, 0
    stored = store.scan(REQUESTS_TABLE)
    overlap = (
        new.select(KEY, "source")
        .join(stored.select(KEY, pl.col("source").alias(OLD + "source")), on=KEY, how="inner")
        .group_by(KEY).agg((pl.col("source") != pl.col(OLD + "source")).any().alias("other"))
        .collect(engine="streaming")
    )
    if overlap.height == 0:
        return new, 0
    ids = overlap.select(KEY).lazy()
    old = stored.join(ids, on=KEY, how="semi").rename({c: OLD + c for c in REQUESTS.names() if c != KEY})
    pairs = new.join(ids, on=KEY, how="semi").unique(KEY, keep="last", maintain_order=True).join(old, on=KEY, how="inner")
    same_source = pl.col("source") == pl.col(OLD + "source")
    new_wins = same_source | ((pl.col(OLD + "provenance") == Provenance.ESTIMATED) & (pl.col("provenance") == Provenance.LOGGED))
    exprs = []
    for c in REQUESTS.names():
        if c == KEY:
            continue
        if c in ("ts", "source"):
            exprs.append(pl.col(OLD + c).alias(c))
            continue
        mine, theirs = _missing(c), pl.col(OLD + c)
        theirs = pl.when(theirs == "").then(None).otherwise(theirs) if c in BLANK_IS_MISSING else theirs
        merged = pl.when(new_wins).then(pl.coalesce(mine, theirs)).otherwise(pl.coalesce(theirs, mine))
        if c in BLANK_IS_MISSING:
            merged = merged.fill_null("")
        exprs.append(merged.alias(c))
    merged_rows = pairs.select(KEY, *exprs).select(REQUESTS.names())
    rest = new.join(ids, on=KEY, how="anti").select(REQUESTS.names())
    return pl.concat([rest, merged_rows], how="vertical"), int(overlap["other"].sum())
