"""Our own request-log format (the requests table's columns) and `--map` for any other table.

Columns are read as text and typed by `fields.finish`, so a bad value anywhere in a file is
found and named rather than stopping the scan. docs/request-log.md documents the format.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from connectors.request_logs.fields import COLUMNS, TEXT_COLUMNS, Reading, with_rows
from connectors.request_logs.files import columns_of, scan
from connectors.request_logs.values import REC
from finops.errors import InputError

OURS = tuple(c for c in COLUMNS if c != "source") + tuple(TEXT_COLUMNS)


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


def read_generic(path: Path, mapping: dict[str, str] | None = None) -> Reading:
    mapping = mapping or {}
    check_targets(mapping, OURS, "requests")
    present = columns_of(path)
    renames = {their: ours for their, ours in mapping.items() if their in present}
    wanted = [c for c in present if renames.get(c, c) in OURS]
    lf, layout = scan(path, {c: pl.String for c in wanted})
    lf = lf.select(*wanted, REC).rename(renames)
    labels = dict(zip(renames.values(), renames.keys()))
    return Reading(Path(path), "generic", layout, with_rows(lf), labels)
