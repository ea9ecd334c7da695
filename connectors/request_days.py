"""The request log's daily rollup, computed where the raw log lives, into `request_days`.

A team whose logs outgrow one machine runs finops/sql/request_days.sql on its warehouse
(DuckDB, Spark, Trino) and loads the result here: Parquet, CSV or JSON Lines with the
SQL's columns (docs/scale.md). Every value is checked like a request log's (file, row
and field named); a key given twice in one file is refused, since it means the rollup
was grouped on something else and its sums would overwrite each other.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from finops.connectors.request_logs.files import collect_scanned, scan
from finops.connectors.request_logs.generic import check_targets
from finops.connectors.request_logs.problems import CSV, JSONL, Problems, collect, locate
from finops.connectors.request_logs.values import BAD, CHOICE, DATE, INT, REC, ROW, TEXT, Field, check
from finops.errors import InputError
from finops.rollup import DAY_KEYS, DAY_VALUES
from finops.schema import REQUEST_DAYS_TABLE, Provenance

DEFAULT_SOURCE = "request_days:warehouse"
DIMENSIONS = ("project_id", "api_key_id", "feature", "language")  # "" when the log had none
REQUIRED = ("day", "provider", "model", "requests", "input_tokens", "output_tokens")
FIELDS = [
    Field("day", DATE, required=True),
    Field("provider", CHOICE, required=True),
    Field("model", TEXT, required=True),
    *(Field(c, TEXT) for c in DIMENSIONS),
    *(Field(c, INT, required=c in REQUIRED) for c in DAY_VALUES),
]
ALLOWED = tuple(DAY_KEYS) + tuple(DAY_VALUES)


def _duplicate_key(frame: pl.DataFrame, path: Path, layout: str) -> None:
    keys = list(DAY_KEYS)
    dup = frame.filter(pl.struct(keys).is_duplicated()).sort(ROW)
    if dup.height == 0:
        return
    first = dup.row(0, named=True)
    same = dup.filter(pl.all_horizontal(pl.col(k) == first[k] for k in keys))
    recs = same[REC].head(2).to_list()
    lines = locate(path, layout, recs)
    unit = "line" if layout in (JSONL, CSV) else layout
    where = " and ".join(f"{unit} {lines[r]}" for r in recs)
    shown = ", ".join(f"{k}={first[k]}" for k in keys)
    raise InputError(f"{path}: {where} have the same key ({shown}); a request_days file has one row per key")


def read_request_days(
    path: Path, source: str | None = None, mapping: dict[str, str] | None = None
) -> tuple[pl.DataFrame, Problems]:
    """The file's rows in the request_days schema, and its bad rows (explained, not in the frame)."""
    path = Path(path)
    mapping = mapping or {}
    check_targets(mapping, ALLOWED, "request_days")
    lf, layout = scan(path)
    names = lf.collect_schema().names()
    lf = lf.rename({a: b for a, b in mapping.items() if a in names})
    names = lf.collect_schema().names()
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError(f"{path}: not a request_days rollup: missing column(s) {', '.join(missing)} "
                         f"(finops/sql/request_days.sql gives every column)")
    raw = collect_scanned(lf.select(*[c for c in ALLOWED if c in names], REC).with_columns(pl.col(REC).alias(ROW)),
                          path, layout).lazy()
    checked = check(raw, FIELDS).collect().lazy()  # evaluated once: the problems and the good rows read it
    problems = collect(checked, raw, FIELDS, path, layout)
    flags = [c for c in checked.collect_schema().names() if c.startswith(BAD)]
    good = (checked.filter(~pl.any_horizontal(flags)) if flags else checked).with_columns(
        *[pl.col(c).fill_null("") if c in names else pl.lit("").alias(c) for c in DIMENSIONS],
        *[pl.col(c).fill_null(0) if c in names else pl.lit(0, pl.Int64).alias(c) for c in DAY_VALUES],
        pl.lit(source or DEFAULT_SOURCE).alias("source"),
        pl.lit(Provenance.LOGGED).alias("provenance"),
        pl.lit(datetime.now(timezone.utc)).alias("ingested_at"),
    ).collect()
    _duplicate_key(good, path, layout)
    return REQUEST_DAYS_TABLE.conform(good).collect(), problems
