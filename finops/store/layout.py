"""The on-disk layout of the store: Hive-partitioned Parquet, one folder per table.

    <store>/_meta.json                      schema version
    <store>/_state/watermarks.json          per-source sync watermarks
    <store>/<table>/month=YYYY-MM/part-0.parquet

The partition column `month` is not stored inside the files (Hive style), so DuckDB
(`read_parquet('<store>/<table>/*/*.parquet', hive_partitioning = true)`), Spark and
Trino read the folders as they are.
"""

from __future__ import annotations

from pathlib import Path

PART_FILE = "part-0.parquet"
PARTITION_KEY = "month"


def table_dir(root: Path, table: str) -> Path:
    return root / table


def partition_dir(root: Path, table: str, month: str) -> Path:
    return table_dir(root, table) / f"{PARTITION_KEY}={month}"


def partition_file(root: Path, table: str, month: str) -> Path:
    return partition_dir(root, table, month) / PART_FILE


def months(root: Path, table: str) -> list[str]:
    """The months a table holds, sorted; a partition without its file is ignored."""
    tdir = table_dir(root, table)
    if not tdir.is_dir():
        return []
    out = []
    for d in tdir.iterdir():
        if d.is_dir() and d.name.startswith(f"{PARTITION_KEY}=") and (d / PART_FILE).is_file():
            out.append(d.name.split("=", 1)[1])
    return sorted(out)


def meta_file(root: Path) -> Path:
    return root / "_meta.json"


def watermarks_file(root: Path) -> Path:
    return root / "_state" / "watermarks.json"
