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


def _otel_attr(key: str, column: str, kind: str = "stringValue") -> pl.Expr:
    return pl.concat_str(pl.lit('{"key":"' + key + '","value":{"' + kind + '":"'), pl.col(column).cast(pl.String), pl.lit('"}}'))


def write_otlp(n_rows: int, out_dir: Path, spans_per_line: int = 100, rows_per_file: int = 2_000_000) -> list[Path]:
    """The same tiled request rows as OTLP/JSON GenAI spans (the collector's file exporter:
    one `{"resourceSpans": [...]}` per line, `spans_per_line` spans each, attribute values
    typed, start and end as epoch-nanosecond strings)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base, _ = _copies(n_rows)
    paths, written, copy = [], 0, 0
    while written < n_rows:
        parts = []
        while written < n_rows and sum(p.height for p in parts) < rows_per_file:
            part = _tile(base, copy, n_rows - written)
            parts.append(part)
            written += part.height
            copy += 1
        frame = pl.concat(parts).with_row_index("__i")
        start = pl.col("ts").dt.epoch("ns")
        attrs = pl.concat_list(
            pl.lit('{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}'),
            _otel_attr("gen_ai.provider.name", "provider"), _otel_attr("gen_ai.request.model", "model"),
            _otel_attr("gen_ai.response.id", "request_id"), _otel_attr("app.project_id", "project_id"),
            _otel_attr("app.feature", "feature"),
            _otel_attr("gen_ai.usage.input_tokens", "input_tokens", "intValue"),
            _otel_attr("gen_ai.usage.output_tokens", "output_tokens", "intValue"),
            _otel_attr("gen_ai.usage.cache_read.input_tokens", "cached_input_tokens", "intValue"),
            _otel_attr("gen_ai.usage.cache_creation.input_tokens", "cache_write_tokens", "intValue"),
            _otel_attr("gen_ai.usage.reasoning.output_tokens", "reasoning_tokens", "intValue"),
            pl.lit('{"key":"server.address","value":{"stringValue":"api.example.com"}}'),
        ).list.drop_nulls().list.join(",")
        span = pl.concat_str(
            pl.lit('{"traceId":"'), pl.col("__i").cast(pl.String).str.zfill(32),
            pl.lit('","spanId":"'), pl.col("__i").cast(pl.String).str.zfill(16),
            pl.lit('","name":"chat '), pl.col("model"),
            pl.lit('","kind":3,"startTimeUnixNano":"'), start.cast(pl.String),
            pl.lit('","endTimeUnixNano":"'), (start + pl.col("latency_ms").fill_null(0) * 1_000_000).cast(pl.String),
            pl.lit('","attributes":['), attrs, pl.lit('],"status":'),
            pl.when(pl.col("stream_outcome") == "error").then(pl.lit('{"code":2}')).otherwise(pl.lit("{}")), pl.lit("}"),
        )
        lines = (
            frame.select((pl.col("__i") // spans_per_line).alias("g"), span.alias("s"))
            .group_by("g", maintain_order=True).agg(pl.col("s").str.join(","))
            .select(pl.concat_str(
                pl.lit('{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bench"}}]},'
                       '"scopeSpans":[{"scope":{"name":"bench"},"spans":['), pl.col("s"), pl.lit("]}]}]}")).alias("line"))
        )
        path = out_dir / f"spans-{len(paths):04d}.jsonl"
        atomic.write_with(path, lambda tmp, f=lines: Path(tmp).write_text("\n".join(f["line"].to_list()) + "\n"))
        paths.append(path)
    return paths
