"""A load staged for the store: its rows split by month into Parquet, before they are merged.

Staging reads the input once and writes one folder per month, in the store's own file
form, so a month whose keys are all new takes the staged files as its new parts (renamed,
not rewritten) and any other month's merge reads only its own rows. A checked log stages
its rows that way and its flagged rows' flags and line numbers beside them
(`stage_checked`): a good input is parsed once and encoded once.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from finops.errors import InputError
from finops.schema import SCHEMA_VERSION, Table

_MONTH = "__month"
NO_MONTH = ""  # rows whose time is empty: never merged, an error if they reach a commit
# Each month being written holds one row group in memory until it is full: with the
# hundreds of months of a long, unsorted log this bounds the writers' buffers (about 15 MB
# a month for request rows) while keeping groups large enough for readers.
ROW_GROUP = 65_536


def file_options(t: Table) -> dict:
    """How every store file is written, staged or merged."""
    return {
        "compression": "zstd",
        "metadata": {"finops_schema_version": str(SCHEMA_VERSION), "finops_table": t.name},
        "row_group_size": ROW_GROUP,
    }


@dataclass(frozen=True)
class Staged:
    """Staged rows of one table: month ("YYYY-MM") -> lazy rows.

    `files[month]`, when present, are staged files holding exactly `parts[month]` in store
    form (the table's columns, written with `file_options`): they can become parts as they are.
    """

    table: Table
    parts: dict[str, pl.LazyFrame]
    files: dict[str, list[Path]] = field(default_factory=dict)

    def scan(self) -> pl.LazyFrame:
        """Every staged row (in month order, then input order within a month)."""
        frames = [self.parts[m] for m in sorted(self.parts)]
        return pl.concat(frames, how="vertical") if frames else self.table.empty().lazy()

    def rows(self) -> int:
        return self.scan().select(pl.len()).collect().item()  # from Parquet metadata when staged to files

    @staticmethod
    def combine(loads: Sequence["Staged"]) -> "Staged":
        """Several loads as one, in order per month (a later load's row wins over an earlier one)."""
        months = sorted({m for s in loads for m in s.parts})
        parts = {m: pl.concat([s.parts[m] for s in loads if m in s.parts], how="vertical") for m in months}
        files = {
            m: [f for s in loads if m in s.parts for f in s.files[m]]
            for m in months
            if all(m in s.files for s in loads if m in s.parts)
        }
        return Staged(loads[0].table, parts, files)


def month_name(yyyymm: int) -> str:
    return f"{yyyymm // 100:04d}-{yyyymm % 100:02d}"


def _with_month(t: Table, lf: pl.LazyFrame) -> pl.LazyFrame:
    ts = pl.col(t.time_column)
    return lf.with_columns((ts.dt.year().cast(pl.Int32) * 100 + ts.dt.month()).alias(_MONTH))


def _month_sink(t: Table, lf: pl.LazyFrame, folder: Path) -> pl.LazyFrame:
    return _with_month(t, lf).sink_parquet(
        pl.PartitionBy(folder, key=_MONTH, include_key=False), mkdir=True, lazy=True, **file_options(t)
    )


def _read_months(t: Table, folder: Path, clean: bool) -> Staged:
    parts, files = {}, {}
    for sub in sorted(p for p in folder.glob(f"{_MONTH}=*") if p.is_dir()):
        value = sub.name.split("=", 1)[1]
        name = month_name(int(value)) if re.fullmatch(r"\d{6}", value) else NO_MONTH
        found = sorted(sub.glob("*.parquet"))
        parts[name] = pl.scan_parquet(found, hive_partitioning=False)
        if clean:
            files[name] = found
    return Staged(t, parts, files)


def stage(t: Table, frame: pl.DataFrame | pl.LazyFrame, folder: Path, extra: Sequence[str] = ()) -> Staged:
    """Conform `frame` to the table (keeping `extra` columns) and split it by month.

    A LazyFrame is streamed to Parquet under `folder`; a DataFrame is split in memory.
    """
    lf = t.conform(frame, keep=extra)
    if isinstance(frame, pl.DataFrame):
        df = _with_month(t, lf).collect()
        return Staged(t, {
            NO_MONTH if m is None else month_name(m): g.drop(_MONTH).lazy()
            for (m,), g in df.group_by(_MONTH, maintain_order=True)
        })
    _month_sink(t, lf, folder).collect(engine="streaming")
    return _read_months(t, folder, clean=not extra)


@dataclass(frozen=True)
class Checked:
    """A checked load, staged: its good rows (None when not kept), how many rows it had and
    how many were bad, and the bad rows' extra columns (None when they were only counted)."""

    good: Staged | None
    rows: int
    bad: int
    flagged: pl.LazyFrame | None = None


def stage_checked(
    t: Table,
    frame: pl.LazyFrame,
    folder: Path,
    bad: pl.Expr,
    extra: Sequence[str],
    keep_good: bool = True,
    explain: bool = True,
) -> Checked:
    """Stage checked rows for the store, and the `extra` columns (flags, line numbers) of the
    rows where `bad` is true, to explain them (or, when not `explain`, only their count).

    In the common case no row is bad and one pass over `frame` stages every row in store
    form. Otherwise the good rows are staged by a second pass (filtering inside the first
    costs every load a fifth more), or not at all when `keep_good` is false (the load stops).
    """
    bad = bad.fill_null(True)
    folder.mkdir(parents=True, exist_ok=True)
    rows_sink = _month_sink(t, t.conform(frame), folder / "rows")
    flagged = None
    if explain:
        rejected = folder / "rejected.parquet"
        pl.collect_all([rows_sink, frame.filter(bad).select(*extra).sink_parquet(rejected, lazy=True, compression="lz4")],
                       engine="streaming")
        flagged = pl.scan_parquet(rejected)
        n_bad = flagged.select(pl.len()).collect().item()
    else:  # a count is cheaper than a sink of no rows (the flags need not be kept in order)
        n_bad = pl.collect_all([rows_sink, frame.select(bad.sum())], engine="streaming")[1].item()
    every = _read_months(t, folder / "rows", clean=True)
    rows = every.rows()
    if n_bad == 0:
        return Checked(every, rows, 0, flagged)
    shutil.rmtree(folder / "rows")
    if not keep_good:
        return Checked(None, rows, n_bad, flagged)
    _month_sink(t, t.conform(frame.filter(~bad)), folder / "good").collect(engine="streaming")
    return Checked(_read_months(t, folder / "good", clean=True), rows, n_bad, flagged)


def check_keys(t: Table, month: str, lf: pl.LazyFrame) -> None:
    """Refuse rows with an empty key field, naming the field (and the row, when known)."""
    if month == NO_MONTH:
        if lf.select(pl.len()).collect().item() == 0:
            return
        raise InputError(f"table {t.name}: field {t.time_column!r} is empty in some rows; it is part of the key")
    nulls = lf.select([pl.col(c).is_null().sum().alias(c) for c in t.key if c != t.time_column]).collect()
    for col in nulls.columns:
        if nulls[col][0]:
            raise InputError(f"table {t.name}: field {col!r} is empty in {nulls[col][0]} row(s); it is part of the key")
