"""Which committed part files cannot be read, so that a damaged store is named, not traced.

A part cut short (a full disk, a copy killed half-way) or overwritten by hand makes polars fail
deep inside whichever query first touches it, with a message that names no file. The CLI and the
dashboard pass such a failure to `as_store_error`, which finds the part and says what to do;
`finops status --check` reads every part, and `--drop-damaged` sets the damaged ones aside
(`Store.drop_parts`) so the rest of the store reads again and their months can be re-loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from finops.errors import StoreError
from finops.schema import TABLES
from finops.store import layout, snapshot

_SPEC_PREFIX = "parquet: File out of specification: "


@dataclass(frozen=True)
class DamagedPart:
    table: str
    month: str
    path: Path  # in the table folder, where a user (or DuckDB) finds it
    reason: str

    def describe(self) -> str:
        return f"{self.path} is damaged ({self.reason})"


def _read_footer(path: Path) -> None:
    pl.read_parquet_schema(path)


def _read_pages(path: Path) -> None:
    # Counting nulls decodes every page of every column, in bounded memory; a row count would
    # be answered from the footer alone.
    pl.scan_parquet(path).select(pl.all().is_null().sum()).collect(engine="streaming")


def _reason(path: Path, read: Callable[[Path], None]) -> str | None:
    try:
        read(path)
    except FileNotFoundError:
        return "the file is missing"
    except (pl.exceptions.ComputeError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return first.removeprefix(_SPEC_PREFIX)
    return None


def damaged_parts(root: Path, full: bool = True,
                  on_part: Callable[[], None] | None = None) -> list[DamagedPart]:
    """Every part of the current version that cannot be read: its footer only, or every page
    too (`full`). `on_part` is called once per part checked (a progress bar)."""
    manifest = snapshot.load(root, list(TABLES))
    read = _read_pages if full else _read_footer
    found: list[DamagedPart] = []
    for table in TABLES:
        for month in manifest.months(table):
            for name in manifest.parts(table, month):
                path = layout.partition_dir(root, table, month) / name
                reason = _reason(snapshot.reader_path(root, manifest, table, month, name), read)
                if reason is not None:
                    found.append(DamagedPart(table, month, path, reason))
                if on_part is not None:
                    on_part()
    return found


def part_count(root: Path) -> int:
    manifest = snapshot.load(root, list(TABLES))
    return sum(len(manifest.parts(t, m)) for t in TABLES for m in manifest.months(t))


def _is_read_failure(exc: BaseException) -> bool:
    if isinstance(exc, pl.exceptions.ComputeError):
        return str(exc).startswith("parquet:")
    return isinstance(exc, FileNotFoundError) and str(getattr(exc, "filename", "") or exc).endswith(".parquet")


def as_store_error(exc: BaseException, root: Path, pages: bool = True) -> StoreError | None:
    """The StoreError naming the damaged part behind a failed read, or None when `exc` is not
    one or no committed part is damaged (then it is not the store's fault). Footers are read
    first; every page only if they are all sound and `pages` (slow on a large store: the
    dashboard, which must not block, reads footers only)."""
    if not _is_read_failure(exc) or not root.is_dir():
        return None
    damaged = damaged_parts(root, full=False) or (damaged_parts(root, full=True) if pages else [])
    if not damaged:
        return None
    more = f" (and {len(damaged) - 1} more part(s))" if len(damaged) > 1 else ""
    return StoreError(
        f"{damaged[0].describe()}{more}; restore it from a backup, or run `finops status "
        "--drop-damaged` to set damaged parts aside and then re-load their months"
    )
