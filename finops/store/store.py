"""The local store: lazy reads of one committed version, and idempotent upserts by natural key
committed a whole load at a time.

A load is first staged by month (staging.py), in the store's file form. Then, inside one
transaction (every upsert and delete of a sync, an ingest or a sample load), per month:

- when none of its keys repeats or is stored already (merge.all_keys_new: one pass over
  the keys), its staged files are renamed into the month's folder as new parts: nothing is
  rewritten, so loading a day into a big month costs the day, not the month;
- otherwise the month is merged (merge.py), in key-bucket groups of at most CHUNK_ROWS
  rows so memory stays flat however big a month grows, into one new part under a new
  name. Rows whose values equal the stored row are left alone (their ingestion time too),
  so loading the same data twice rewrites nothing.

Part files are never changed in place. The transaction ends by committing a new version
(snapshot.py): a manifest of every part file, swapped in with one rename; readers scan the
files of one version, so they see the store before a load or after it, never between,
across every month and table the load touched. A crash or kill -9 before the commit
point leaves the previous version, and the next open deletes the load's files; re-running
the load converges. Callers advance a sync watermark only after the commit.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import shutil
import tempfile
import threading
from typing import Any
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import polars as pl
from polars.io.plugins import register_io_source

from finops.errors import InputError, StoreError
from finops.schema import SCHEMA_VERSION, TABLES, Table
from finops.store import atomic, killpoints, layout, merge, snapshot, staging
from finops.store.staging import Staged

INGEST_TIME_COLUMNS = ("ingested_at", "x_IngestedAt")
STAGE_PREFIX = ".stage-"
QUARANTINE = "_quarantine"  # damaged parts set aside by drop_parts, outside every table folder
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

# Schema evolution: a column added to a table after some months were written reads as null
# in those months' files (and a column a newer finops wrote but this one does not know is
# ignored), so an older store opens without a rewrite.
_EVOLVE: dict[str, Any] = {"missing_columns": "insert", "extra_columns": "ignore"}

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
        self._local = threading.local()  # the open transaction of this thread, if any
        for folder in (self.root, *self.root.parents):  # e.g. FINOPS_HOME naming a file: say so, not NotADirectoryError
            if folder.exists():
                if not folder.is_dir():
                    raise StoreError(f"{folder}: is a file, not a folder; the store lives in a folder (--data-dir or $FINOPS_HOME)")
                break
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
        """What a crashed writer left is cleared before anyone reads; a live writer (it holds
        the lock) is left to finish."""
        if not (self.root / "_state").is_dir() and not any(
                layout.table_dir(self.root, name).is_dir() for name in TABLES):
            return
        with self.lock(wait=False) as held:
            if held:
                self._recover_locked()

    def _recover_locked(self) -> None:
        """Roll back a half-done load, finish a committed one's clean-up, drop stale stages and
        temp files, and give a store written before manifests its first version. Lock held."""
        swaps = layout.swap_dir(self.root)
        if swaps.is_dir():  # a store written before load-level commits
            atomic.recover_swaps(self.root, swaps)
            shutil.rmtree(swaps, ignore_errors=True)
        for name in TABLES:
            atomic.remove_stale_temps(layout.table_dir(self.root, name))
        state = self.root / "_state"
        if state.is_dir():
            for stage in state.glob(f"{STAGE_PREFIX}*"):
                pid = stage.name[len(STAGE_PREFIX):].split("-", 1)[0]
                if not (pid.isdigit() and _alive(int(pid))):
                    shutil.rmtree(stage, ignore_errors=True)
        version = snapshot.current_version(self.root)
        if version is None:
            disk = snapshot.from_disk(self.root, list(TABLES))
            if any(disk.files.values()):
                snapshot.publish(self.root, disk, disk)
            return
        snapshot.retire(self.root, snapshot.read_manifest(self.root, version))
        snapshot.collect_garbage(self.root, version)

    # -- reads --------------------------------------------------------------------
    def manifest(self) -> snapshot.Manifest:
        """The committed state: every read of one scan comes from this one version."""
        return snapshot.load(self.root, list(TABLES))

    def _view(self) -> snapshot.Manifest:
        tx = getattr(self._local, "tx", None)
        return tx.pending if tx is not None else self.manifest()

    def months(self, table: Table | str) -> list[str]:
        return self._view().months(_table(table).name)

    def part_files(self, table: Table | str, month: str) -> list[Path]:
        """The committed part files of a month, in the table folder (for stamps; readers use scan)."""
        t = _table(table)
        return [layout.partition_dir(self.root, t.name, month) / n for n in self.manifest().parts(t.name, month)]

    def scan(self, table: Table | str, manifest: snapshot.Manifest | None = None) -> pl.LazyFrame:
        """A lazy frame over the whole table with exactly the table's schema, as of one committed
        version (`manifest`, default the current one): a load is seen whole or not at all.
        Inside a transaction, its own thread sees the transaction's writes."""
        t = _table(table)
        m = manifest or self._view()
        paths = [snapshot.reader_path(self.root, m, t.name, month, name)
                 for month in m.months(t.name) for name in m.parts(t.name, month)]
        if not paths:
            return t.empty().lazy()
        # No hive partitioning: `month` is not a column of any table, and a data directory whose
        # own path holds `key=value` folders must not grow columns.
        return pl.scan_parquet(paths, hive_partitioning=False, schema=t.schema, **_EVOLVE).select(list(t.schema.names()))

    def read(self, table: Table | str) -> pl.DataFrame:
        return self.scan(table).collect()

    def _month_paths(self, t: Table, month: str) -> list[Path]:
        folder = layout.partition_dir(self.root, t.name, month)
        return [folder / n for n in self._view().parts(t.name, month)]

    def _scan_month(self, t: Table, month: str) -> pl.LazyFrame | None:
        parts = self._month_paths(t, month)
        if not parts:
            return None
        return pl.scan_parquet(parts, hive_partitioning=False, schema=t.schema, **_EVOLVE).select(list(t.schema.names()))

    # -- writes -------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Every upsert and delete inside is committed together, as one new version, when the
        block ends; on an exception (or a kill) none of it is. Nested blocks join the outer one."""
        if getattr(self._local, "tx", None) is not None:
            yield
            return
        with self.lock():
            self._recover_locked()
            self._ensure_meta()
            base = self.manifest()
            tx = _Tx(base, base.copy())
            self._local.tx = tx
            try:
                yield
            except BaseException:
                for f in tx.written:
                    f.unlink(missing_ok=True)
                raise
            finally:
                self._local.tx = None
            if tx.pending.files != base.files:
                snapshot.publish(self.root, base, tx.pending)

    def _tx(self) -> "_Tx":
        tx = getattr(self._local, "tx", None)
        assert tx is not None, "store writes run inside transaction()"
        return tx

    def upsert(self, table: Table | str, frame: pl.DataFrame | pl.LazyFrame) -> UpsertResult:
        """Insert new rows and replace changed ones, keyed on the table's natural key.

        Within `frame`, a later row wins over an earlier one with the same key. Key
        columns must not be null: the error names the column and the first bad row.
        """
        t = _table(table)
        if isinstance(frame, pl.DataFrame):
            self._check_keys(t, t.conform(frame))  # names the row of the caller's frame
        with self.transaction(), self.staging_dir() as folder:
            staged = staging.stage(t, frame, folder)
            killpoints.reached("staged")
            return self._commit(staged)

    @contextlib.contextmanager
    def staging_dir(self) -> Iterator[Path]:
        """A temp folder inside the store (same filesystem) for staged loads, removed afterwards;
        its name carries our pid, so the next open removes it only once we are gone."""
        (self.root / "_state").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root / "_state", prefix=f"{STAGE_PREFIX}{os.getpid()}-") as folder:
            yield Path(folder)

    def commit(self, staged: Staged) -> UpsertResult:
        """Merge rows staged by `staging.stage` (e.g. a checked log's good rows) into the store."""
        with self.transaction():
            return self._commit(staged)

    def _commit(self, staged: Staged) -> UpsertResult:
        t = staged.table
        for month, rows in staged.parts.items():
            staging.check_keys(t, month, rows)
        results = [  # one month after the other: see CHUNK_ROWS
            self._upsert_month(t, m, staged.parts[m], staged.files.get(m)) for m in sorted(staged.parts)
        ]
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

    def _upsert_month(self, t: Table, month: str, new: pl.LazyFrame, files: list[Path] | None) -> UpsertResult:
        """Add a month's new rows as new parts when all their keys are new, else merge (see module doc)."""
        key = list(t.key)
        n_new = new.select(pl.len()).collect().item()
        if n_new == 0:
            return UpsertResult(t.name)
        parts = self._month_paths(t, month)
        existing = self._scan_month(t, month)
        n_old = existing.select(pl.len()).collect().item() if existing is not None else 0
        if len(parts) < MAX_PARTS and merge.all_keys_new(new, existing, key, n_new + n_old):
            self._append(t, month, new, files)
            return UpsertResult(t.name, added=n_new, months_written=[month])
        return self._merge_month(t, month, new, existing, n_new + n_old)

    def _add_part(self, t: Table, month: str, write: Callable[[Path], None], replace: bool = False) -> None:
        """Write one new part file into the month's folder (uncommitted until the transaction ends)."""
        tx = self._tx()
        name = layout.new_part_name()
        path = layout.partition_dir(self.root, t.name, month) / name
        tx.written.append(path)
        write(path)
        names = [] if replace else tx.pending.parts(t.name, month)
        tx.pending.set_parts(t.name, month, [*names, name])

    def _append(self, t: Table, month: str, new: pl.LazyFrame, files: list[Path] | None) -> None:
        if files:  # staged in store form: the files become parts as they are
            for f in files:
                self._add_part(t, month, partial(atomic.move_into, f))
                killpoints.reached("appended")
            return

        def sink(path: Path) -> None:
            with atomic.atomic_path(path) as tmp:
                new.sink_parquet(tmp, **staging.file_options(t))

        self._add_part(t, month, sink)
        killpoints.reached("appended")

    def _merge_month(self, t: Table, month: str, new: pl.LazyFrame, existing: pl.LazyFrame | None, rows: int) -> UpsertResult:
        """Merge a month's new rows with its parts into one new part, one key-bucket group at a time."""
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

        def write(path: Path) -> None:
            with atomic.atomic_path(path) as tmp:
                self._write_groups(t, tmp, merged_groups(), groups, lambda: counts.effective == 0)

        try:
            self._add_part(t, month, write, replace=True)
        except _Unchanged:  # nothing new: the stored parts (and their mtimes) stay
            return UpsertResult(t.name, unchanged=counts.unchanged)
        killpoints.reached("merged")
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
        with self.transaction():
            tx = self._tx()
            for month in self.months(t):
                lf = self._scan_month(t, month)
                assert lf is not None
                n_before = lf.select(pl.len()).collect().item()
                kept = lf.filter(~predicate.fill_null(False)).collect()
                if kept.height == n_before:
                    continue
                removed += n_before - kept.height
                if kept.height == 0:
                    tx.pending.set_parts(t.name, month, [])
                    continue

                def write(path: Path, kept: pl.DataFrame = kept) -> None:
                    with atomic.atomic_path(path) as tmp:
                        kept.sort(t.time_column, maintain_order=True).write_parquet(tmp, **staging.file_options(t))

                self._add_part(t, month, write, replace=True)
                killpoints.reached("deleted")
        return removed


    def drop_parts(self, parts: list[tuple[str, str, str]]) -> Path:
        """Set the named parts (table, month, file name) aside in `_quarantine/` and commit a
        version without them: for parts that cannot be read (finops.store.check), whose rows are
        gone already; the files are kept there, byte for byte, for whoever can salvage them."""
        aside = self.root / QUARANTINE
        with self.transaction():
            tx = self._tx()
            for table, month, name in parts:
                src = layout.partition_dir(self.root, table, month) / name
                dst = aside / table / f"{layout.PARTITION_KEY}={month}" / name
                dst.parent.mkdir(parents=True, exist_ok=True)
                if src.exists() and not dst.exists():
                    os.link(src, dst)  # the commit below retires src; the link keeps its bytes
                tx.pending.set_parts(table, month, [n for n in tx.pending.parts(table, month) if n != name])
        return aside

@dataclass
class _Tx:
    base: snapshot.Manifest
    pending: snapshot.Manifest
    written: list[Path] = field(default_factory=list)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
