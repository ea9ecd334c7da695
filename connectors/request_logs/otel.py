"""OpenTelemetry GenAI spans exported as JSON: one request per model-call span.

Two shapes: OTLP JSON (the collector's file exporter, one `{"resourceSpans": [...]}` per
line; attribute values typed as stringValue/intValue/...) and flat spans (one span per line
with an `attributes` object, as many SDK console and vendor exports write them). Attributes
follow the GenAI semantic conventions, with the older names as fallbacks. Spans of agents
and tools (`invoke_agent`, `create_agent`, `execute_tool`) are skipped: their usage, when
present, sums the model calls beneath them, which are counted themselves.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from finops.connectors.request_logs.fields import Reading, with_rows
from finops.connectors.request_logs.files import head_text, scan
from finops.connectors.request_logs.values import REC
from finops.schema import StreamOutcome

# our column -> attribute names, first present wins (current semconv first)
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "request_id": ("gen_ai.response.id",),
    "provider": ("gen_ai.provider.name", "gen_ai.system"),
    "model": ("gen_ai.response.model", "gen_ai.request.model"),
    "input_tokens": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "output_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "cached_input_tokens": ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"),
    "cache_write_tokens": ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"),
    "reasoning_tokens": ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
    "task_id": ("gen_ai.conversation.id",),
    "feature": ("app.feature", "feature"),
    "project_id": ("app.project_id", "gen_ai.openai.project"),
    "service_tier": ("gen_ai.openai.response.service_tier", "openai.response.service_tier"),
    "__operation": ("gen_ai.operation.name",),
    "__error_type": ("error.type",),
}
NOT_MODEL_CALLS = ["invoke_agent", "create_agent", "execute_tool"]
VALUE = pl.Struct({k: pl.String for k in ("stringValue", "intValue", "doubleValue", "boolValue")})
ATTRS = pl.List(pl.Struct({"key": pl.String, "value": VALUE}))
SPAN = pl.Struct({
    "traceId": pl.String, "spanId": pl.String, "name": pl.String,
    "startTimeUnixNano": pl.String, "endTimeUnixNano": pl.String,
    "attributes": ATTRS, "status": pl.Struct({"code": pl.String}),
})
OTLP = {"resourceSpans": pl.List(pl.Struct({
    "resource": pl.Struct({"attributes": ATTRS}),
    "scopeSpans": pl.List(pl.Struct({"spans": pl.List(SPAN)})),
}))}
ALL_KEYS = sorted({k for names in ATTRIBUTES.values() for k in names} | {"service.name"})
FLAT = {
    "name": pl.String, "start_time": pl.String, "end_time": pl.String,
    "context": pl.Struct({"trace_id": pl.String, "span_id": pl.String}),
    "status": pl.Struct({"status_code": pl.String}),
    "attributes": pl.Struct({k: pl.String for k in ALL_KEYS}),
    "resource": pl.Struct({"attributes": pl.Struct({"service.name": pl.String})}),
}


def _attr(key: str) -> pl.Expr:
    """The value of one OTLP attribute from the span's key/value list, as text."""
    value = pl.element().struct.field("value")
    text = pl.coalesce(*(value.struct.field(k) for k in ("stringValue", "intValue", "doubleValue", "boolValue")))
    return pl.col("attributes").list.eval(text.filter(pl.element().struct.field("key") == key)).list.first()


def _first(values: list[pl.Expr]) -> pl.Expr:
    return pl.coalesce(values) if len(values) > 1 else values[0]


def _otlp(path: Path) -> pl.LazyFrame:
    lf, _ = scan(path, OTLP)
    spans = (
        lf.explode("resourceSpans").unnest("resourceSpans")
        .with_columns(_service_name().alias("__service"))
        .explode("scopeSpans").unnest("scopeSpans").explode("spans").unnest("spans")
        .filter(pl.col("attributes").list.eval(pl.element().struct.field("key").str.starts_with("gen_ai.")).list.any())
    )
    cols = {ours: _first([_attr(k) for k in keys]).alias(ours) for ours, keys in ATTRIBUTES.items()}
    return spans.select(
        REC, *cols.values(),
        pl.col("startTimeUnixNano").alias("ts"),
        ((pl.col("endTimeUnixNano").cast(pl.Int64, strict=False) - pl.col("startTimeUnixNano").cast(pl.Int64, strict=False)) // 1_000_000).alias("latency_ms"),
        pl.col("traceId").alias("__trace"), pl.col("spanId").alias("__span"),
        pl.col("status").struct.field("code").alias("__status"), "__service",
    )


def _service_name() -> pl.Expr:
    attrs = pl.col("resource").struct.field("attributes")
    return attrs.list.eval(
        pl.element().struct.field("value").struct.field("stringValue").filter(pl.element().struct.field("key") == "service.name")
    ).list.first()


def _flat(path: Path) -> pl.LazyFrame:
    lf, _ = scan(path, FLAT)
    a = pl.col("attributes")
    cols = [_first([a.struct.field(k) for k in keys]).alias(ours) for ours, keys in ATTRIBUTES.items()]
    return lf.filter(pl.any_horizontal(a.struct.field(k).is_not_null() for k in ALL_KEYS if k.startswith("gen_ai."))).select(
        REC, *cols,
        pl.col("start_time").alias("ts"),
        pl.col("context").struct.field("trace_id").alias("__trace"),
        pl.col("context").struct.field("span_id").alias("__span"),
        pl.col("status").struct.field("status_code").alias("__status"),
        pl.col("resource").struct.field("attributes").struct.field("service.name").alias("__service"),
        pl.lit(None, pl.Int64).alias("latency_ms"),
    )


def read_otel(path: Path) -> Reading:
    path = Path(path)
    lf = _otlp(path) if '"resourceSpans"' in head_text(path) else _flat(path)
    status = pl.col("__status").cast(pl.String).str.to_uppercase()
    failed = status.is_in(["2", "STATUS_CODE_ERROR", "ERROR"]) | pl.col("__error_type").is_not_null()
    lf = lf.filter(~pl.col("__operation").is_in(NOT_MODEL_CALLS).fill_null(False)).with_columns(
        pl.coalesce("request_id", pl.format("otel:{}:{}", "__trace", "__span")).alias("request_id"),
        pl.when(failed).then(pl.lit(StreamOutcome.ERROR)).otherwise(pl.lit(StreamOutcome.COMPLETED)).alias("stream_outcome"),
        pl.coalesce("task_id", "__trace").alias("task_id"),
        pl.coalesce("feature", "__service").alias("feature"),
    ).drop("__trace", "__span", "__status", "__service", "__operation", "__error_type")
    labels = {ours: keys[0] for ours, keys in ATTRIBUTES.items()} | {"ts": "startTimeUnixNano"}
    return Reading(path, "otel", "line", with_rows(lf), labels)
