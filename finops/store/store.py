"""The local store: lazy reads and idempotent, atomic upserts by natural key.

A load is first staged by month (staging.py), in the store's file form. Then, per month:

- when none of its keys repeats or is stored already (merge.all_keys_new: one pass over
  the keys), its staged files are renamed into the month as new parts: nothing is
  rewritten, so loading a day into a big month costs the day, not the month;
- otherwise the month is merged (merge.py), in key-bucket groups of at most CHUNK_ROWS
  rows so memory stays flat however big a month grows, into one new part, and the
  month's folder is swapped for it (atomic.replaced_dir). Rows whose values equal the
  stored row are left alone (their ingestion time too), so loading the same data twice
  rewrites nothing.

A crash therefore leaves each month as it was, fully updated, or (for an append of
several files) with some of the new parts: never a row twice, and re-running the same
load converges. Callers advance a sync watermark only after upsert returns.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
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
# More parts than this and a month is merged into one part instead of appended to, so
# many small syncs cannot leave readers with thousands of files.
MAX_PARTS = 64


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
        self._recover_if_idle()

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
    def lock(self, wait: bool = True) -> Iterator[bool]:
        """An exclusive writer lock, so two syncs never interleave their writes.

        Yields whether it is held: always, unless `wait` is False and a writer holds it.
        """
        path = self.root / "_state" / "lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _recover_if_idle(self) -> None:
        """A month a crashed writer left moved away comes back before anyone reads; a live
        writer's swap (it holds the lock) is left to finish."""
        swaps = layout.swap_dir(self.root)
        if swaps.is_dir() and any(True for table in swaps.iterdir() for _ in table.iterdir()):
            with self.lock(wait=False) as held:
                if held:
                    atomic.recover_swaps(self.root, swaps)

    # -- reads --------------------------------------------------------------------
    def months(self, table: Table | str) -> list[str]:
        return layout.months(self.root, _table(table).name)

    def scan(self, table: Table | str) -> pl.LazyFrame:
        """A lazy frame over the whole table with exactly the table's schema."""
        t = _table(table)
        if not self.months(t):
            return t.empty().lazy()
        pattern = str(layout.table_dir(self.root, t.name) / "*" / layout.PART_GLOB)
        return pl.scan_parquet(
            pattern,
            hive_partitioning=True,
            hive_schema={layout.PARTITION_KEY: pl.String},
        ).select(list(t.schema.names()))

    def read(self, table: Table | str) -> pl.DataFrame:
        return self.scan(table).collect()

    def _scan_month(self, t: Table, month: str) -> pl.LazyFrame | None:
        parts = layout.part_files(self.root, t.name, month)
        return pl.scan_parquet(parts, hive_partitioning=False).select(list(t.schema.names())) if parts else None

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
        self._recover(t)
        self._ensure_meta()
        for month, rows in staged.parts.items():
            staging.check_keys(t, month, rows)
        results = [  # one month after the other: see CHUNK_ROWS
            self._upsert_month(t, m, staged.parts[m], staged.files.get(m)) for m in sorted(staged.parts)
        ]
        return sum(results, UpsertResult(t.name))

    def _recover(self, t: Table) -> None:
        """Clear what a crashed writer left: temp files, and half-done month swaps."""
        atomic.recover_swaps(self.root, layout.swap_dir(self.root))
        atomic.remove_stale_temps(layout.table_dir(self.root, t.name))

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

    def _upsert_month(self, t: Table, month: str, new: pl.LazyFrame, files: list[Path] | None) -> UpsertResult:
        """Add a month's new rows as new parts when all their keys are new, else merge (see module doc)."""
        key = list(t.key)
        n_new = new.select(pl.len()).collect().item()
        if n_new == 0:
            return UpsertResult(t.name)
        parts = layout.part_files(self.root, t.name, month)
        existing = self._scan_month(t, month)
        n_old = existing.select(pl.len()).collect().item() if existing is not None else 0
        if len(parts) < MAX_PARTS and merge.all_keys_new(new, existing, key, n_new + n_old):
            self._append(t, month, new, files)
            return UpsertResult(t.name, added=n_new, months_written=[month])
        return self._merge_month(t, month, new, existing, n_new + n_old)

    def _append(self, t: Table, month: str, new: pl.LazyFrame, files: list[Path] | None) -> None:
        folder = layout.partition_dir(self.root, t.name, month)
        if files:  # staged in store form: the files become parts as they are
            for f in files:
                atomic.move_into(f, folder / layout.new_part_name())
            return
        with atomic.atomic_path(folder / layout.new_part_name()) as tmp:
            new.sink_parquet(tmp, **staging.file_options(t))

    def _merge_month(self, t: Table, month: str, new: pl.LazyFrame, existing: pl.LazyFrame | None, rows: int) -> UpsertResult:
        """Merge a month's new rows with its parts into one part, one key-bucket group at a time."""
        key = list(t.key)
        value_cols = [c for c in t.schema.names() if c not in INGEST_TIME_COLUMNS]
        groups = max(1, math.ceil(rows / CHUNK_ROWS))
        new = new.with_columns(merge.fine_bucket(key).alias(merge.BUCKET))
        if existing is not None:
            existing = existing.with_columns(merge.fine_bucket(key).alias(merge.BUCKET))
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

        folder = layout.partition_dir(self.root, t.name, month)
        try:
            with atomic.replaced_dir(folder, layout.swap_dir(self.root)) as tmp:
                self._write_groups(t, tmp / layout.BASE_PART, merged_groups(), groups, lambda: counts.effective == 0)
        except _Unchanged:  # nothing new: the stored parts (and their mtimes) stay
            return UpsertResult(t.name, unchanged=counts.unchanged)
        return UpsertResult(t.name, counts.added, counts.changed, counts.unchanged, months_written=[month])

    def _write_groups(
        self, t: Table, path: Path, frames: Iterator[pl.DataFrame], groups: int, unchanged: Callable[[], bool]
    ) -> None:
        """Write merged groups to one Parquet file, streamed so one group is in memory at a time.

        Raises _Unchanged, before writing when there is one group, when no row changed.
        """
        options = staging.file_options(t)
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

    def delete_where(self, table: Table | str, predicate: pl.Expr) -> int:
        """Remove rows matching a predicate (used to replace a source's whole period)."""
        t = _table(table)
        removed = 0
        with self.lock():
            self._recover(t)
            for month in self.months(t):
                lf = self._scan_month(t, month)
                assert lf is not None
                n_before = lf.select(pl.len()).collect().item()
                kept = lf.filter(~predicate.fill_null(False)).collect()
                if kept.height == n_before:
                    continue
                removed += n_before - kept.height
                folder = layout.partition_dir(self.root, t.name, month)
                if kept.height == 0:
                    atomic.remove_dir(folder, layout.swap_dir(self.root))
                    continue
                with atomic.replaced_dir(folder, layout.swap_dir(self.root)) as tmp:
                    kept.sort(t.time_column, maintain_order=True).write_parquet(
                        tmp / layout.BASE_PART, **staging.file_options(t)
                    )
        return removed
