"""Bad rows: find them from the `__bad_` flags, explain them, and name their file and line.

Readers number records as polars reads them (`__rec`); here a record becomes the line a
person would open the file at: JSON Lines skip blank lines, CSV records may span lines
(quoted newlines), Parquet and JSON arrays have rows and items rather than lines.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from finops.connectors.request_logs.values import BAD, REC, ROW, Field, explain

JSONL, CSV, ROWS, ITEMS = "line", "csv", "row", "item"
SHOWN = 100  # bad rows explained and kept for the report; the rest are only counted


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    field: str
    reason: str
    unit: str = "line"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.unit == "line" else f"{self.file}: {self.unit} {self.line}"
        return f"{where}: field {self.field!r}: {self.reason}"


@dataclass
class Problems:
    """The first bad rows of a file, explained, and how many rows were bad in all."""

    rows: list[BadRow] = field(default_factory=list)
    count: int = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def extend(self, other: "Problems") -> None:
        self.rows += other.rows
        self.count += other.count

    def message(self, skippable: bool = True) -> str:
        first = str(self.rows[0]) if self.rows else "bad rows"
        more = f" (and {self.count - 1:,} more bad row(s))" if self.count > 1 else ""
        hint = " (use --skip-bad-rows to skip them)" if skippable else ""
        return f"{first}{more}; nothing was stored{hint}"


def _jsonl_lines(path: Path, wanted: set[int]) -> dict[int, int]:
    out, rec, last = {}, -1, max(wanted)
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                rec += 1
                if rec in wanted:
                    out[rec] = lineno
                    if rec >= last:
                        break
    return out


def _csv_lines(path: Path, wanted: set[int]) -> dict[int, int]:
    out, last = {}, max(wanted)
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        start = 1
        next(reader, None)  # header
        start = reader.line_num + 1
        for rec, _ in enumerate(reader):
            if rec in wanted:
                out[rec] = start
                if rec >= last:
                    break
            start = reader.line_num + 1
    return out


def locate(path: Path, layout: str, recs: Iterable[int]) -> dict[int, int]:
    """Record index -> 1-based line (JSON Lines, CSV) or row/item number (Parquet, JSON arrays)."""
    wanted = set(recs)
    if not wanted:
        return {}
    if layout == JSONL:
        found = _jsonl_lines(path, wanted)
    elif layout == CSV:
        found = _csv_lines(path, wanted)
    else:
        found = {}
    return {r: found.get(r, r + 1) for r in wanted}


def collect(checked: pl.LazyFrame, raw: pl.LazyFrame, fields: list[Field], path: Path, layout: str,
            labels: dict[str, str] | None = None, count: int | None = None, shown_path: Path | None = None) -> Problems:
    """Count the rows with any `__bad_` flag; explain the first SHOWN of them from the raw values.

    `path` is the file scanned (to find lines); `shown_path` the one named, when it differs
    (a cleaned copy has the same lines)."""
    names = checked.collect_schema().names()
    flags = [c for c in names if c.startswith(BAD)]
    if not flags:
        return Problems()
    any_bad = pl.any_horizontal(flags)
    if count is None:
        count = checked.select(any_bad.sum()).collect().item() or 0
    if not count:
        return Problems()
    first = checked.filter(any_bad).select(ROW, REC, *flags).sort(ROW).head(SHOWN).collect()
    raw_rows = {r[ROW]: r for r in raw.filter(pl.col(ROW).is_in(first[ROW].to_list())).collect().iter_rows(named=True)}
    lines = locate(path, layout, first[REC].to_list())
    unit = "line" if layout in (JSONL, CSV) else layout
    by_name = {f.name: f for f in fields}
    rows = []
    for row in first.iter_rows(named=True):
        for flag in flags:
            if not row[flag]:
                continue
            name = flag.removeprefix(BAD)
            f = by_name[name]
            raw_value = raw_rows.get(row[ROW], {}).get(name)
            shown = (labels or {}).get(name) or f.shown
            rows.append(BadRow(str(shown_path or path), lines[row[REC]], shown, explain(f, raw_value), unit))
    return Problems(rows, int(count))
