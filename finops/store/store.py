"""The local store: lazy reads and idempotent, atomic upserts by natural key.

A load is first staged by month (staging.py), then each month is merged into its one
file (merge.py): in key-bucket groups of at most CHUNK_ROWS rows, so memory stays flat
however big a month grows. Rows whose values equal the stored row are left alone (their
ingestion time too), so loading the same data twice rewrites nothing; a month with new or
changed rows is rewritten to a temp file and renamed into place. A crash therefore leaves
each month either as it was or fully updated, and re-running the same load converges.
Callers advance a sync watermark only after upsert returns.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from polars.io.plugins import register_io_source

from finops.errors import InputError, StoreError
from finops.schema import SCHEMA_VERSION, TABLES, Table
from finops.store import atomic, layout, merge, staging
from finops.store.staging import Staged

INGEST_TIME_COLUMNS = ("ingested_at", "x_IngestedAt")
# Rows merged in memory at once: a month bigger than this is merged in key-bucket groups,
# so peak memory stays flat as months grow (about 0.25 KB a request row in memory).
# Measured on 10M/50M-row Parquet loads (peak RSS, 10M -> 50M): 1M-row groups, two months
# at once: 1.4 -> 2.3 GB; 500k-row groups, two months at once: 0.9 -> 1.8 GB (2.0x);
# 500k-row groups, one month at a time: 0.8 -> 1.2 GB (1.4x), about 10% slower. Months are
# therefore merged one after the other.
CHUNK_ROWS = 500_000


class _Unchanged(Exception):
    """Raised inside an atomic write to drop the temp file when a merge changed nothing."""


@dataclass
class UpsertResult:
    table: str
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    months_written: list[str] = field(default_factory=list)

    def __add__(self, other: "UpsertResult") -> "UpsertResult":
        return UpsertResult(
            self.table,
            self.added + other.added,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
            sorted(set(self.months_written) | set(other.months_written)),
        )


def _table(table: Table | str) -> Table:
    if isinstance(table, Table):
        return table
    try:
        return TABLES[table]
    except KeyError:
        raise StoreError(f"unknown table {table!r}; known: {', '.join(TABLES)}") from None


class Store:
    """A Hive-partitioned Parquet store rooted at one directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._check_version()

    # -- metadata -----------------------------------------------------------------
    def _check_version(self) -> None:
        meta = layout.meta_file(self.root)
        if not meta.is_file():
            return
        try:
            version = json.loads(meta.read_text())["schema_version"]
        except (ValueError, KeyError) as exc:
            raise StoreError(f"{meta}: unreadable store metadata ({exc})") from None
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.root}: store has schema version {version}, this finops reads "
                f"{SCHEMA_VERSION}; run `finops sample load` into a new --data-dir or migrate"
            )

    def _ensure_meta(self) -> None:
        meta = layout.meta_file(self.root)
        if not meta.is_file():
            atomic.write_text(meta, json.dumps({"schema_version": SCHEMA_VERSION}, indent=2) + "\n")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive writer lock, so two syncs never interleave their writes."""
        path = self.root / "_state" / "lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # -- reads --------------------------------------------------------------------
    def months(self, table: Table | str) -> list[str]:
        return layout.months(self.root, _table(table).name)

    def scan(self, table: Table | str) -> pl.LazyFrame:
        """A lazy frame over the whole table with exactly the table's schema."""
        t = _table(table)
        if not self.months(t):
            return t.empty().lazy()
        pattern = str(layout.table_dir(self.root, t.name) / "*" / layout.PART_FILE)
        return pl.scan_parquet(
            pattern,
            hive_partitioning=True,
            hive_schema={layout.PARTITION_KEY: pl.String},
        ).select(list(t.schema.names()))

    def read(self, table: Table | str) -> pl.DataFrame:
        return self.scan(table).collect()

    def _scan_month(self, t: Table, month: str) -> pl.LazyFrame | None:
        path = layout.partition_file(self.root, t.name, month)
        return pl.scan_parquet(path) if path.is_file() else None

    # -- writes -------------------------------------------------------------------
    def upsert(self, table: Table | str, frame: pl.DataFrame | pl.LazyFrame) -> UpsertResult:
        """Insert new rows and replace changed ones, keyed on the table's natural key.

        Within `frame`, a later row wins over an earlier one with the same key. Key
        columns must not be null: the error names the column and the first bad row.
        """
        t = _table(table)
        if isinstance(frame, pl.DataFrame):
            self._check_keys(t, t.conform(frame))  # names the row of the caller's frame
        with self.lock(), self.staging_dir() as folder:
            return self._commit(staging.stage(t, frame, folder))

    @contextlib.contextmanager
    def staging_dir(self) -> Iterator[Path]:
        """A temp folder inside the store (same filesystem) for staged loads, removed afterwards."""
        (self.root / "_state").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root / "_state", prefix=".stage-") as folder:
            yield Path(folder)

    def commit(self, staged: Staged) -> UpsertResult:
        """Merge rows staged by `staging.stage` (e.g. a checked log's good rows) into the store."""
        with self.lock():
            return self._commit(staged)

    def _commit(self, staged: Staged) -> UpsertResult:
        t = staged.table
        atomic.remove_stale_temps(layout.table_dir(self.root, t.name))
        self._ensure_meta()
        for month, rows in staged.parts.items():
            staging.check_keys(t, month, rows)
        results = [self._upsert_month(t, m, staged.parts[m]) for m in sorted(staged.parts)]  # see CHUNK_ROWS
        return sum(results, UpsertResult(t.name))

    def _check_keys(self, t: Table, lf: pl.LazyFrame) -> None:
        nulls = lf.select([pl.col(c).is_null().sum().alias(c) for c in dict.fromkeys((*t.key, t.time_column))]).collect()
        for col in nulls.columns:
            if nulls[col][0]:
                first = (
                    lf.with_row_index("__row")
                    .filter(pl.col(col).is_null())
                    .select("__row")
                    .head(1)
                    .collect()["__row"][0]
                )
                raise InputError(
                    f"table {t.name}: row {first + 1}: field {col!r} is empty "
                    f"({nulls[col][0]} row(s)); it is part of the key"
                )

    def _upsert_month(self, t: Table, month: str, new: pl.LazyFrame) -> UpsertResult:
        """Merge a month's new rows into its file, one key-bucket group at a time (see merge.py)."""
        key = list(t.key)
        value_cols = [c for c in t.schema.names() if c not in INGEST_TIME_COLUMNS]
        existing = self._scan_month(t, month)
        n_new = new.select(pl.len()).collect().item()
        if n_new == 0:
            return UpsertResult(t.name)
        n_old = existing.select(pl.len()).collect().item() if existing is not None else 0
        groups = max(1, math.ceil((n_new + n_old) / CHUNK_ROWS))
        if existing is not None:
            existing = existing.select(list(t.schema.names())).with_columns(merge.fine_bucket(key).alias(merge.BUCKET))
        counts = merge.MergeCounts()

        def merged_groups() -> Iterator[pl.DataFrame]:
            nonlocal counts
            for g in range(groups):
                pick = merge.in_group(g, groups)
                new_g = new.filter(pick).drop(merge.BUCKET).collect()
                old_g = None if existing is None else existing.filter(pick).drop(merge.BUCKET).collect()
                out, c = merge.merge_rows(old_g, new_g, key, value_cols, t.time_column)
                counts = counts + c
                yield out

        target = layout.partition_file(self.root, t.name, month)
        try:
            with atomic.atomic_path(target) as tmp:
                self._write_groups(t, tmp, merged_groups(), groups, lambda: counts.effective == 0)
        except _Unchanged:  # nothing new: the stored file (and its mtime) stays
            return UpsertResult(t.name, unchanged=counts.unchanged)
        return UpsertResult(t.name, counts.added, counts.changed, counts.unchanged, months_written=[month])

    def _write_groups(
        self, t: Table, path: Path, frames: Iterator[pl.DataFrame], groups: int, unchanged: Callable[[], bool]
    ) -> None:
        """Write merged groups to one Parquet file, streamed so one group is in memory at a time.

        Raises _Unchanged, before writing when there is one group, when no row changed.
        """
        options: dict = {"compression": "zstd", "metadata": {"finops_schema_version": str(SCHEMA_VERSION), "finops_table": t.name}}
        if groups == 1:
            only = next(frames)
            if unchanged():
                raise _Unchanged
            only.write_parquet(path, **options)
            return

        def source(*_args: object) -> Iterator[pl.DataFrame]:
            yield from frames

        register_io_source(source, schema=t.schema).sink_parquet(path, **options)
        if unchanged():
            raise _Unchanged

    def _write_month(self, t: Table, month: str, frame: pl.LazyFrame) -> None:
        target = layout.partition_file(self.root, t.name, month)
        # Streams to a temp file; the old file stays readable until the rename.
        atomic.write_parquet(
            target,
            frame.sort(t.time_column, maintain_order=True), metadata={"finops_schema_version": str(SCHEMA_VERSION), "finops_table": t.name}
        )

    def delete_where(self, table: Table | str, predicate: pl.Expr) -> int:
        """Remove rows matching a predicate (used to replace a source's whole period)."""
        t = _table(table)
        removed = 0
        with self.lock():
            for month in self.months(t):
                lf = self._scan_month(t, month)
                assert lf is not None
                n_before = lf.select(pl.len()).collect().item()
                kept = lf.filter(~predicate.fill_null(False)).collect()
                if kept.height == n_before:
                    continue
                removed += n_before - kept.height
                target = layout.partition_file(self.root, t.name, month)
                if kept.height == 0:
                    os.remove(target)
                else:
                    self._write_month(t, month, kept.lazy())
        return removed
