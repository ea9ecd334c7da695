"""Benchmark data at any size: the sample's request log tiled with fresh ids, written in chunks.

Tiling keeps the sample's realistic mix of models, projects and token sizes while the
writer never holds more than one chunk, so 50M rows need no more memory than 1M.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from finops.rollup import TOKEN_COLUMNS, daily_rollup
from finops.schema import BILLED_USAGE_TABLE
from finops.store import atomic

REPO = Path(__file__).resolve().parents[1]
SAMPLE_LOG = REPO / "sample_data" / "requests" / "requests.parquet"


def _copies(n_rows: int) -> tuple[pl.DataFrame, int]:
    base = pl.read_parquet(SAMPLE_LOG)
    return base, math.ceil(n_rows / base.height)


def _tile(base: pl.DataFrame, copy: int, limit: int) -> pl.DataFrame:
    return base.head(limit).with_columns((pl.col("request_id") + f"~{copy}").alias("request_id"))


def write_requests(n_rows: int, out_dir: Path, fmt: str = "parquet", rows_per_file: int = 2_000_000) -> list[Path]:
    """Write n_rows request rows as Parquet files or one JSONL file per chunk; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base, copies = _copies(n_rows)
    per_file = max(1, rows_per_file // base.height)
    paths, written, copy = [], 0, 0
    while written < n_rows:
        chunk = []
        for _ in range(per_file):
            if written >= n_rows:
                break
            part = _tile(base, copy, n_rows - written)
            chunk.append(part)
            written += part.height
            copy += 1
        frame = pl.concat(chunk)
        path = out_dir / f"requests-{len(paths):04d}.{'parquet' if fmt == 'parquet' else 'jsonl'}"
        if fmt == "parquet":
            atomic.write_parquet(path, frame)
        else:
            atomic.write_with(path, lambda tmp, f=frame: f.with_columns(pl.col("ts").dt.to_string("%Y-%m-%dT%H:%M:%S%.6fZ")).write_ndjson(tmp))
        paths.append(path)
    return paths


def billed_usage_for(requests: pl.LazyFrame) -> pl.LazyFrame:
    """Billed usage that matches the request rows exactly, in the billed_usage schema."""
    daily = daily_rollup(requests)
    long = daily.unpivot(
        index=["day", "provider", "model", "project_id", "api_key_id"],
        on=[c for c in TOKEN_COLUMNS if c != "reasoning"],
        variable_name="token_class",
        value_name="quantity",
    ).group_by("day", "provider", "model", "project_id", "api_key_id", "token_class").agg(pl.col("quantity").sum())
    start = pl.col("day").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return BILLED_USAGE_TABLE.conform(
        long.filter(pl.col("quantity") > 0).with_columns(
            start.alias("charge_period_start"),
            (start + pl.duration(days=1)).alias("charge_period_end"),
            pl.lit("default").alias("service_tier"),
            pl.lit("").alias("context_window"),
            pl.lit("").alias("region"),
            pl.lit("tokens").alias("unit"),
            pl.lit("bench").alias("source"),
            pl.lit("metered").alias("provenance"),
        )
    )
