"""Open a log or bill file lazily, every column as text, and number its records.

JSON Lines (`.jsonl`, `.ndjson`, or `.json` with one object per line) and CSV are scanned by
polars in batches; Parquet keeps its types. A `.json` file that holds one array or one
pretty-printed document cannot be streamed and is read whole (use JSON Lines for big logs).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from finops.connectors.request_logs.problems import CSV, ITEMS, JSONL, ROWS
from finops.connectors.request_logs.values import REC
from finops.errors import InputError

TEXT_SUFFIXES = (".jsonl", ".ndjson", ".json")


def _first_line(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                return line.strip()
    return ""


def layout_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CSV
    if suffix == ".parquet":
        return ROWS
    if suffix in TEXT_SUFFIXES:
        if suffix != ".json":
            return JSONL
        head = _first_line(path)
        try:
            doc = json.loads(head)
        except ValueError:
            return ITEMS
        return JSONL if isinstance(doc, dict) else ITEMS
    raise InputError(f"{path}: unknown file type {suffix!r} (use .jsonl, .json, .csv or .parquet)")


def head_text(path: Path, limit: int = 4096) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read(limit)


def columns_of(path: Path) -> list[str]:
    """The column (or top-level key) names, from the header or the first records."""
    layout = layout_of(path)
    try:
        if layout == CSV:
            return pl.scan_csv(path, infer_schema=False, n_rows=1).collect_schema().names()
        if layout == ROWS:
            return pl.scan_parquet(path).collect_schema().names()
        if layout == JSONL:
            return pl.scan_ndjson(path, infer_schema_length=1000).collect_schema().names()
        return _read_json(path, None).collect_schema().names()
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError, OSError) as exc:
        raise InputError(f"{path}: cannot read ({str(exc).splitlines()[0]})") from None


def _read_json(path: Path, schema: dict[str, pl.DataType] | None) -> pl.LazyFrame:
    """A JSON array of objects, or one document, read whole (it cannot be streamed)."""
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    docs = doc if isinstance(doc, list) else [doc]
    lines = "\n".join(json.dumps(d) for d in docs if isinstance(d, dict))
    return pl.read_ndjson(lines.encode(), schema=schema).lazy() if lines else pl.DataFrame(schema=schema).lazy()


def scan(path: Path, schema: dict[str, pl.DataType] | None = None) -> tuple[pl.LazyFrame, str]:
    """A lazy frame of the file's records with a `__rec` index; text columns stay text.

    For JSON, `schema` names the keys to read and their types (keys not in it are ignored,
    numbers read into a String column become their text).
    """
    path = Path(path)
    layout = layout_of(path)
    if layout == CSV:
        lf = pl.scan_csv(path, infer_schema=False, row_index_name=REC)
        names = [c for c in lf.collect_schema().names() if c != REC]
        # A blank line is a record of nulls in polars; it is not a row of the log.
        lf = lf.filter(~pl.all_horizontal(pl.col(names).is_null())) if names else lf
    elif layout == ROWS:
        lf = pl.scan_parquet(path, row_index_name=REC)
    elif layout == JSONL:
        lf = pl.scan_ndjson(path, schema=schema, infer_schema_length=1000, row_index_name=REC)
    else:
        lf = _read_json(path, schema).with_row_index(REC)
    return lf.with_columns(pl.col(REC).cast(pl.Int64)), layout
