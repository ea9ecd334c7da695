"""Our own request-log format (the requests table's columns) and `--map` for any other table.

Columns are read as text and typed by `fields.finish`, so a bad value anywhere in a file is
found and named rather than stopping the scan. docs/request-log.md documents the format.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from finops.connectors.request_logs.fields import COLUMNS, FIELDS, TEXT_COLUMNS, Reading, with_rows
from finops.connectors.request_logs.files import columns_of, layout_of, scan
from finops.connectors.request_logs.mapping import MAPPED, column_exprs, key_from_logical
from finops.connectors.request_logs.problems import JSONL
from finops.connectors.request_logs.values import INT, REC
from finops.errors import InputError

OURS = tuple(dict.fromkeys([*(c for c in COLUMNS if c != "source"), *(f.name for f in FIELDS), *TEXT_COLUMNS]))
WHOLE = {f.name for f in FIELDS if f.kind == INT}


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`--map their=ours` options as {their: ours}; a target must be one of our columns."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        their, sep, ours = pair.partition("=")
        their, ours = their.strip(), ours.strip()
        if not sep or not their or not ours:
            raise InputError(f"--map: {pair!r} is not their_column=our_column")
        out[their] = ours
    return out


def check_targets(mapping: dict[str, str], allowed: tuple[str, ...], what: str) -> None:
    for their, ours in mapping.items():
        if ours not in allowed:
            raise InputError(f"--map {their}={ours}: {ours!r} is not a {what} column; use one of {', '.join(allowed)}")


def read_generic(path: Path, mapping: dict[str, str] | None = None, as_text: bool = False,
                 fields: dict[str, str] | None = None) -> Reading:
    """The file's rows under our names; JSON whole numbers are read as numbers unless `as_text`.

    Reading counts as numbers is a third of the parse; a file that holds a count as a string
    ("12") or a float fails that read, and the caller reads it again `as_text`. JSON Lines are
    read with every one of our columns in the schema, so a column that first appears deep in
    the file is read like any other (the first records only tell which ones are missing).
    `fields` is a source mapping (our column -> their column or dotted JSON path).
    """
    mapping = mapping or {}
    fields = {("request_id" if k == "response_id" else k): v for k, v in (fields or {}).items()}
    check_targets(mapping, OURS, "requests")
    present = columns_of(path)
    layout = layout_of(path)
    renames = {their: ours for their, ours in mapping.items() if their in present or layout == JSONL}
    mapped_schema, mapped = column_exprs(fields, present)
    taken = set(renames) | set(mapped_schema)
    wanted = [c for c in present if renames.get(c, c) in OURS and c not in taken]
    if layout == JSONL:  # our own columns, wherever they first appear
        wanted += [c for c in OURS if c not in wanted and c not in taken and c not in mapped and c not in renames.values()]
    wanted += [c for c in renames if c not in wanted]
    numeric = not as_text and layout == JSONL
    schema = {c: pl.Int64 if numeric and renames.get(c, c) in WHOLE else pl.String for c in wanted} | mapped_schema
    lf, layout = scan(path, schema)
    lf = lf.select(*wanted, *(e.alias(MAPPED + ours) for ours, e in mapped.items()), REC).rename(renames)
    lf = lf.with_columns(pl.col(MAPPED + ours).alias(ours) for ours in mapped)
    names = lf.collect_schema().names()
    if "logical_request_id" in names:
        # An attempt without an id of its own (a refused attempt has no response) takes the
        # key derived from its logical request id and attempt number.
        lf = lf.with_columns(key_from_logical(names).alias("request_id"))
    absent = [c for c in OURS if c not in present and c not in renames.values() and c not in mapped
              and not (c == "request_id" and "logical_request_id" in mapped)]
    labels = dict(zip(renames.values(), renames.keys())) | dict(fields)
    return Reading(Path(path), "generic", layout, with_rows(lf), labels, retry_as_text=numeric, absent=absent)
