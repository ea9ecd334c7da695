"""Merge new rows into a stored month: pure functions over polars frames, no IO.

A month larger than the store's chunk is merged one key bucket at a time: every row of a
key lands in the same bucket (a hash of the key), so each bucket is an independent merge
and memory is bounded by one bucket, however big the month grows. The same buckets bound
the check that lets a load of only new keys skip the merge (`all_keys_new`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

BUCKET = "__bucket"
FINE_BUCKETS = 256  # rows get a fine bucket; a month uses them in `groups` coarse groups
# Key hashes checked at once (8 bytes each, plus the hash set): about 100 MB.
KEY_CHECK_ROWS = 4_000_000


@dataclass(frozen=True)
class MergeCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    def __add__(self, other: "MergeCounts") -> "MergeCounts":
        return MergeCounts(self.added + other.added, self.changed + other.changed, self.unchanged + other.unchanged)

    @property
    def effective(self) -> int:
        return self.added + self.changed


def _key_hash(key: list[str], seed: int = 0) -> pl.Expr:
    return pl.col(key[0]).hash(seed=seed) if len(key) == 1 else pl.struct(key).hash(seed=seed)


def fine_bucket(key: list[str]) -> pl.Expr:
    """A stable bucket per key value (the same in the stage and in the stored file)."""
    return (_key_hash(key, seed=7) % FINE_BUCKETS).cast(pl.UInt16)


def in_group(group: int, groups: int) -> pl.Expr:
    return pl.col(BUCKET) % groups == group


def all_keys_new(new: pl.LazyFrame, old: pl.LazyFrame | None, key: list[str], rows: int) -> bool:
    """Whether no key repeats within `new` or appears in `old` (`rows`: both heights together).

    Counts distinct key hashes, a bucket group at a time; a hash collision can only answer
    False, which sends the load down the exact merge path.
    """
    hashes = [new.select(_key_hash(key).alias(BUCKET))]
    if old is not None:
        hashes.append(old.select(_key_hash(key).alias(BUCKET)))
    every = pl.concat(hashes, how="vertical")
    groups = max(1, math.ceil(rows / KEY_CHECK_ROWS))
    for g in range(groups):
        picked = every.filter(in_group(g, groups)) if groups > 1 else every
        n, distinct = picked.select(pl.len(), pl.col(BUCKET).n_unique()).collect(engine="streaming").row(0)
        if distinct != n:
            return False
    return True


def last_per_key(new: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """One row per key, the later one winning (a cheap hash check skips the common no-duplicate case)."""
    if new.select(_key_hash(key).n_unique()).item() == new.height:  # 3x cheaper than is_duplicated().any()
        return new  # (a hash collision only sends us to the exact path below)
    return new.unique(subset=key, keep="last", maintain_order=True)


def in_time_order(frame: pl.DataFrame, time_column: str) -> pl.DataFrame:
    """Sorted by time, stable; logs usually arrive in order, and checking is far cheaper than sorting."""
    if frame[time_column].is_sorted():
        return frame
    return frame.sort(time_column, maintain_order=True)


def merge_rows(
    old: pl.DataFrame | None, new: pl.DataFrame, key: list[str], value_cols: list[str], time_column: str
) -> tuple[pl.DataFrame, MergeCounts]:
    """The stored rows with `new` applied, in time order, and what changed.

    A new row equal to the stored one in every value column (ingest times aside) is
    unchanged and the stored row, with its ingest time, stays. Rows of the same instant
    keep their order (stored rows first, then new ones in input order): a stable sort on
    time alone is half the cost of also sorting by key, and as deterministic.
    """
    new = last_per_key(new, key)
    if old is None or old.height == 0:
        return in_time_order(new, time_column), MergeCounts(added=new.height)
    effective = new.join(old.select(value_cols), on=value_cols, how="anti", nulls_equal=True)
    if effective.height == 0:
        return old, MergeCounts(unchanged=new.height)
    added = effective.join(old.select(key), on=key, how="anti").height
    merged = pl.concat([old.join(effective.select(key), on=key, how="anti"), effective], how="vertical")
    counts = MergeCounts(added=added, changed=effective.height - added, unchanged=new.height - effective.height)
    return in_time_order(merged, time_column), counts
