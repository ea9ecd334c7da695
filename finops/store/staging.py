"""A load staged for the store: its rows split by month into Parquet, before they are merged.

Staging reads the input once and writes one folder per month, in the store's own file
form, so a month whose keys are all new takes the staged files as its new parts (renamed,
not rewritten) and any other month's merge reads only its own rows. A checked log stages
its good rows that way, its bad rows in a folder of their own, and (when they are to be
explained) their flags and line numbers beside them (`stage_checked`): a good input is
parsed once and encoded once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from finops.errors import InputError
from finops.schema import SCHEMA_VERSION, Table

_MONTH = "__month"
NO_MONTH = ""  # rows whose time is empty: never merged, an error if they reach a commit
BAD_ROWS = 0  # the month key a checked load's bad rows are staged under: apart, never committed
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


def _month_key(t: Table) -> pl.Expr:
    ts = pl.col(t.time_column)
    return ts.dt.year().cast(pl.Int32) * 100 + ts.dt.month()


def _with_month(t: Table, lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.with_columns(_month_key(t).alias(_MONTH))


def _month_sink(t: Table, lf: pl.LazyFrame, folder: Path) -> pl.LazyFrame:
    """`lf` (with its _MONTH key) written in store form, one folder per key value."""
    return t.conform(lf, keep=[_MONTH]).sink_parquet(
        pl.PartitionBy(folder, key=_MONTH, include_key=False), mkdir=True, lazy=True, **file_options(t)
    )


def _read_months(t: Table, folder: Path, clean: bool) -> Staged:
    parts, files = {}, {}
    for sub in sorted(p for p in folder.glob(f"{_MONTH}=*") if p.is_dir()):
        value = sub.name.split("=", 1)[1]
        if value == str(BAD_ROWS):
            continue
        name = month_name(int(value)) if re.fullmatch(r"\d{6}", value) else NO_MONTH
        found = sorted(sub.glob("*.parquet"))
        parts[name] = pl.scan_parquet(found, hive_partitioning=False)
        if clean:
            files[name] = found
    return Staged(t, parts, files)


def stage(t: Table, frame: pl.DataFrame | pl.LazyFrame, folder: Path) -> Staged:
    """Conform `frame` to the table and split it by month.

    A LazyFrame is streamed to Parquet under `folder`; a DataFrame is split in memory.
    """
    lf = t.conform(frame)
    if isinstance(frame, pl.DataFrame):
        df = _with_month(t, lf).collect()
        return Staged(t, {
            NO_MONTH if m is None else month_name(m): g.drop(_MONTH).lazy()
            for (m,), g in df.group_by(_MONTH, maintain_order=True)
        })
    _month_sink(t, _with_month(t, lf), folder).collect(engine="streaming")
    return _read_months(t, folder, clean=True)


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

    One pass over `frame` does it all: bad rows are split off by the partition key, under
    BAD_ROWS instead of their month, so the good rows are staged in store form whether or
    not any row is bad, and a clean input is parsed once and encoded once.
    """
    bad = bad.fill_null(True)
    folder.mkdir(parents=True, exist_ok=True)
    keyed = frame.with_columns(pl.when(bad).then(pl.lit(BAD_ROWS, pl.Int32)).otherwise(_month_key(t)).alias(_MONTH))
    rows_sink = _month_sink(t, keyed, folder / "rows")
    flagged = None
    if explain:
        rejected = folder / "rejected.parquet"
        pl.collect_all([rows_sink, frame.filter(bad).select(*extra).sink_parquet(rejected, lazy=True, compression="lz4")],
                       engine="streaming")
        flagged = pl.scan_parquet(rejected)
    else:
        rows_sink.collect(engine="streaming")
    bad_files = sorted((folder / "rows" / f"{_MONTH}={BAD_ROWS}").glob("*.parquet"))
    n_bad = pl.scan_parquet(bad_files).select(pl.len()).collect().item() if bad_files else 0  # from metadata
    good = _read_months(t, folder / "rows", clean=True)
    rows = good.rows() + n_bad
    return Checked(good if keep_good or n_bad == 0 else None, rows, n_bad, flagged)


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
