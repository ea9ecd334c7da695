"""The on-disk layout of the store: Hive-partitioned Parquet, one folder per table.

    <store>/_meta.json                              schema version
    <store>/_state/watermarks.json                  per-source sync watermarks
    <store>/_state/CURRENT                          the committed version's number (snapshot.py)
    <store>/_state/snapshots/v<N>/manifest.json     version N: every part file of every table
    <store>/_state/snapshots/v<N>/<table>/month=YYYY-MM/part-*.parquet   hard links to them
    <store>/<table>/month=YYYY-MM/part-*.parquet    the month's rows, in one or more parts

A month holds one or more part files whose keys never overlap: a load of new keys is
added as new parts (the files it was staged in, renamed), and a load that touches stored
keys rewrites the month into one new part. At rest (no load running, or after the next
open following a crash) the table folders hold exactly the committed version; during a
load they also hold its uncommitted files, so an engine that must not see a load half-way
reads the version folder named by `_state/CURRENT` instead (docs/scale.md). The partition column `month` is not stored inside
the files (Hive style), so DuckDB (`read_parquet('<store>/<table>/*/*.parquet',
hive_partitioning = true)`), Spark and Trino read the folders as they are.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

PART_GLOB = "part-*.parquet"
PARTITION_KEY = "month"


def table_dir(root: Path, table: str) -> Path:
    return root / table


def partition_dir(root: Path, table: str, month: str) -> Path:
    return table_dir(root, table) / f"{PARTITION_KEY}={month}"


def part_files(root: Path, table: str, month: str) -> list[Path]:
    """The month's part files, oldest first (temp files of a writer are never matched)."""
    folder = partition_dir(root, table, month)
    return sorted(folder.glob(PART_GLOB)) if folder.is_dir() else []


def new_part_name() -> str:
    """A part name that sorts after every earlier one and never collides with a concurrent one."""
    return f"part-{time.time_ns():016x}-{secrets.token_hex(3)}.parquet"


def months(root: Path, table: str) -> list[str]:
    """The months a table holds, sorted; a partition without a part file is ignored."""
    tdir = table_dir(root, table)
    if not tdir.is_dir():
        return []
    out = []
    for d in tdir.iterdir():
        if d.is_dir() and d.name.startswith(f"{PARTITION_KEY}=") and next(d.glob(PART_GLOB), None) is not None:
            out.append(d.name.split("=", 1)[1])
    return sorted(out)


def meta_file(root: Path) -> Path:
    return root / "_meta.json"


def swap_dir(root: Path) -> Path:
    return root / "_state" / "swap"


def watermarks_file(root: Path) -> Path:
    return root / "_state" / "watermarks.json"
