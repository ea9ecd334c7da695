"""A load staged for the store: its rows split by month into Parquet, before they are merged.

Staging reads the input once and writes one folder per month, so each month's merge reads
only its own rows and memory stays bounded by a month's merge group however large the
input. A caller may stage extra columns (a log's bad-row flags and line numbers), look at
the staged rows, then commit only the good ones: the input is parsed once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from finops.errors import InputError
from finops.schema import Table
from finops.store import merge

_MONTH = "__month"
NO_MONTH = ""  # rows whose time is empty: never merged, an error if they reach a commit
# Small row groups keep the one-writer-per-month buffers small; lz4 because the stage is
# read once and deleted.
STAGE_ROW_GROUP = 16_384


@dataclass(frozen=True)
class Staged:
    """Staged rows of one table: month ("YYYY-MM") -> lazy rows (table columns, key bucket, extras)."""

    table: Table
    parts: dict[str, pl.LazyFrame]

    def scan(self) -> pl.LazyFrame:
        """Every staged row (in month order, then input order within a month)."""
        frames = [self.parts[m] for m in sorted(self.parts)]
        return pl.concat(frames, how="vertical") if frames else self.table.empty().lazy()

    def where(self, keep: pl.Expr | None, drop: Sequence[str] = ()) -> "Staged":
        """The rows to keep, without the extra columns named in `drop`."""
        return Staged(self.table, {
            m: (lf.filter(keep) if keep is not None else lf).drop(*drop) for m, lf in self.parts.items()
        })

    @staticmethod
    def combine(loads: Sequence["Staged"]) -> "Staged":
        """Several loads as one, in order per month (a later load's row wins over an earlier one)."""
        months = sorted({m for s in loads for m in s.parts})
        parts = {m: pl.concat([s.parts[m] for s in loads if m in s.parts], how="vertical") for m in months}
        return Staged(loads[0].table, parts)


def month_name(yyyymm: int) -> str:
    return f"{yyyymm // 100:04d}-{yyyymm % 100:02d}"


def stage(t: Table, frame: pl.DataFrame | pl.LazyFrame, folder: Path, extra: Sequence[str] = ()) -> Staged:
    """Conform `frame` to the table (keeping `extra` columns), bucket it by key and split it by month.

    A LazyFrame is streamed to Parquet under `folder`; a DataFrame is split in memory.
    """
    ts = pl.col(t.time_column)
    lf = t.conform(frame, keep=extra).with_columns(
        (ts.dt.year().cast(pl.Int32) * 100 + ts.dt.month()).alias(_MONTH),
        merge.fine_bucket(list(t.key)).alias(merge.BUCKET),
    )
    if isinstance(frame, pl.DataFrame):
        df = lf.collect()
        return Staged(t, {
            NO_MONTH if m is None else month_name(m): g.drop(_MONTH).lazy()
            for (m,), g in df.group_by(_MONTH, maintain_order=True)
        })
    lf.sink_parquet(
        pl.PartitionBy(folder, key=_MONTH, include_key=False),
        mkdir=True, compression="lz4", statistics=False, row_group_size=STAGE_ROW_GROUP,
    )
    parts = {}
    for sub in sorted(p for p in folder.glob(f"{_MONTH}=*") if p.is_dir()):
        value = sub.name.split("=", 1)[1]
        name = month_name(int(value)) if re.fullmatch(r"\d{6}", value) else NO_MONTH
        parts[name] = pl.scan_parquet(sub / "*.parquet", hive_partitioning=False)
    return Staged(t, parts)


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
