"""The same request from two sources is one request: merge a new log with what is stored.

The store keys requests on `request_id` (the provider's response or message id), so a call
seen by the gateway and by an OTel exporter can only be stored once. When a source loads a
request another source stored, the stored row keeps its values and only its gaps are filled
(the gateway knows the project, the span the cache reads), except that logged counts
replace counts we estimated; its source becomes both names (`requests:otel+requests:litellm`), the
first being the row's owner. The owner's later loads win where they have a value (a
corrected export); another source's only fill gaps. The stored timestamp always stays, so
the row never moves to another month's partition. Loading the files in any order, and
loading them again, therefore gives the same rows.
"""

from __future__ import annotations

import polars as pl

from finops.schema import REQUESTS, REQUESTS_TABLE, Provenance
from finops.store import Store

KEY = "request_id"
OLD = "__old_"
SEP = "+"
BLANK_IS_MISSING = ("project_id", "api_key_id")  # stored as "" when a source does not know them


def _missing(e: pl.Expr, c: str) -> pl.Expr:
    return pl.when(e == "").then(None).otherwise(e) if c in BLANK_IS_MISSING else e


def _other_sources(stored: pl.LazyFrame, sources: list[str]) -> bool:
    """Whether the store holds rows of any source but these (cheap: one dictionary column)."""
    present = stored.select(pl.col("source").unique()).collect().to_series().to_list()
    return any(s not in sources for s in present)


def merge_with_store(store: Store, new: pl.LazyFrame) -> tuple[pl.LazyFrame, int]:
    """`new` merged into the stored rows it shares ids with (other sources only); and how many."""
    if not store.months(REQUESTS_TABLE):
        return new, 0
    stored = store.scan(REQUESTS_TABLE)
    sources = new.select(pl.col("source").unique()).collect().to_series().to_list()
    if not _other_sources(stored, sources):
        return new, 0  # a re-load of the same source: the store's upsert replaces rows by key
    overlap = (
        new.select(KEY, "source")
        .join(stored.select(KEY, pl.col("source").alias(OLD + "source")), on=KEY, how="inner")
        .filter(pl.col("source") != pl.col(OLD + "source"))
        .select(KEY).unique()
        .collect(engine="streaming")
    )
    if overlap.height == 0:
        return new, 0
    ids = overlap.lazy()
    old = stored.join(ids, on=KEY, how="semi").rename({c: OLD + c for c in REQUESTS.names() if c != KEY})
    pairs = new.join(ids, on=KEY, how="semi").unique(KEY, keep="last", maintain_order=True).join(old, on=KEY, how="inner")
    owners = pl.col(OLD + "source").str.split(SEP).list
    is_owner = owners.first() == pl.col("source")
    known = owners.contains(pl.col("source"))
    upgrade = (pl.col(OLD + "provenance") == Provenance.ESTIMATED) & (pl.col("provenance") == Provenance.LOGGED)
    new_wins = is_owner | upgrade
    exprs = []
    for c in REQUESTS.names():
        if c == KEY:
            continue
        if c == "ts":
            exprs.append(pl.col(OLD + c).alias(c))
            continue
        if c == "source":
            exprs.append(pl.when(known).then(pl.col(OLD + c)).otherwise(pl.col(OLD + c) + SEP + pl.col(c)).alias(c))
            continue
        mine, theirs = _missing(pl.col(c), c), _missing(pl.col(OLD + c), c)
        merged = pl.when(new_wins).then(pl.coalesce(mine, theirs)).otherwise(pl.coalesce(theirs, mine))
        exprs.append((merged.fill_null("") if c in BLANK_IS_MISSING else merged).alias(c))
    merged_rows = pairs.select(KEY, *exprs).select(REQUESTS.names())
    rest = new.join(ids, on=KEY, how="anti").select(REQUESTS.names())
    return pl.concat([rest, merged_rows], how="vertical"), overlap.height


AGENT_FORMATS = ("claude-code", "codex")


def _tokens() -> pl.Expr:
    return (pl.col("input_tokens").fill_null(0) + pl.col("output_tokens").fill_null(0)).alias("__tokens")


def fullest_copies(store: Store, new: pl.LazyFrame) -> tuple[pl.DataFrame, list[str]]:
    """Agent session logs repeat a response (once per content block, again in a resumed
    session's file, sometimes across a month boundary): keep, per request id, the copy with the
    most tokens, over this load and what is stored, whatever month each copy sits in. Ties keep
    the earliest copy (so a stored row does not move). Returns the rows to write and the ids
    whose stored copy must go first (a fuller copy of them lies in another month)."""
    rows = new.with_columns(_tokens(), pl.lit(True).alias("__new"))
    stored = None
    if store.months(REQUESTS_TABLE):
        ids = rows.select(KEY).unique()
        stored = (store.scan(REQUESTS_TABLE).join(ids, on=KEY, how="semi")
                  .with_columns(_tokens(), pl.lit(False).alias("__new")))
    both = pl.concat([stored, rows], how="vertical") if stored is not None else rows
    ranked = both.sort(["__tokens", "ts", "__new"], descending=[True, False, False], nulls_last=True)
    best = ranked.unique(KEY, keep="first", maintain_order=False).collect(engine="streaming")
    write = best.filter(pl.col("__new"))
    moved: list[str] = []
    if stored is not None:
        old_month = stored.select(KEY, pl.col("ts").dt.truncate("1mo").alias("__old_month")).collect()
        moved = (write.join(old_month, on=KEY, how="inner")
                 .filter(pl.col("ts").dt.truncate("1mo") != pl.col("__old_month"))[KEY].unique().to_list())
    return write.drop("__tokens", "__new"), moved
