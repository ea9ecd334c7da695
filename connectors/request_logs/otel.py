"""OpenTelemetry GenAI spans exported as JSON: one request per model-call span.

Two shapes: OTLP JSON (the collector's file exporter, one `{"resourceSpans": [...]}` per
line; attribute values typed as stringValue/intValue/...) and flat spans (one span per line
with an `attributes` object, as many SDK console and vendor exports write them). Attributes
follow the GenAI semantic conventions, with the older names as fallbacks; a source mapping
(`[sources.requests.<name>.fields]`) names the attributes a team uses instead, looked up on
the span and then on its resource. Spans of agents and tools (`invoke_agent`,
`create_agent`, `execute_tool`) are skipped: their usage, when present, sums the model calls
beneath them, which are counted themselves.

The span's epoch-nanosecond start is turned into a timestamp here, with plain integer
arithmetic, so a clean file passes the strict checks and is parsed once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathlib import Path

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from finops.connectors.request_logs.fields import Reading, with_rows
from finops.connectors.request_logs.files import head_text, scan
from finops.connectors.request_logs.mapping import MAPPED
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
    "user_id": ("user.id", "enduser.id"),
    "status_code": ("http.response.status_code",),
    "service_tier": ("gen_ai.openai.response.service_tier", "openai.response.service_tier"),
    "__operation": ("gen_ai.operation.name",),
    "__error_type": ("error.type",),
    "__resend": ("http.request.resend_count",),
}
NOT_MODEL_CALLS = ["invoke_agent", "create_agent", "execute_tool"]
VALUE = pl.Struct({k: pl.String for k in ("stringValue", "intValue", "doubleValue", "boolValue")})
ATTRS = pl.List(pl.Struct({"key": pl.String, "value": VALUE}))
SPAN = pl.Struct({
    "traceId": pl.String, "spanId": pl.String, "name": pl.String,
    "startTimeUnixNano": pl.String, "endTimeUnixNano": pl.String,
    "attributes": ATTRS, "status": pl.Struct({"code": pl.String}),
})
OTLP: dict[str, PolarsDataType] = {"resourceSpans": pl.List(pl.Struct({
    "resource": pl.Struct({"attributes": ATTRS}),
    "scopeSpans": pl.List(pl.Struct({"spans": pl.List(SPAN)})),
}))}


def attributes(fields: dict[str, str] | None = None) -> dict[str, tuple[str, ...]]:
    """Our column -> the attributes read for it: the defaults, with mapped fields replacing theirs."""
    out = dict(ATTRIBUTES)
    for ours, name in (fields or {}).items():
        out["request_id" if ours == "response_id" else ours] = (name,)
    return out


def _otlp_value() -> pl.Expr:
    value = pl.element().struct.field("value")
    return pl.coalesce(*(value.struct.field(k) for k in ("stringValue", "intValue", "doubleValue", "boolValue")))


def _attr(column: str, key: str) -> pl.Expr:
    """The value of one OTLP attribute from a key/value list column, as text."""
    return pl.col(column).list.eval(_otlp_value().filter(pl.element().struct.field("key") == key)).list.first()


def _first(values: list[pl.Expr]) -> pl.Expr:
    return pl.coalesce(values) if len(values) > 1 else values[0]


def _nanos_to_ts(e: pl.Expr) -> pl.Expr:
    return pl.from_epoch(e.cast(pl.Int64, strict=False) // 1000, time_unit="us").dt.replace_time_zone("UTC")


def _otlp(path: Path, attrs: dict[str, tuple[str, ...]], mapped: set[str]) -> pl.LazyFrame:
    lf, _ = scan(path, OTLP)
    spans = (
        lf.explode("resourceSpans").unnest("resourceSpans")
        .with_columns(pl.col("resource").struct.field("attributes").alias("__rattrs"))
        .explode("scopeSpans").unnest("scopeSpans").explode("spans").unnest("spans")
        .filter(pl.col("attributes").list.eval(pl.element().struct.field("key").str.starts_with("gen_ai.")).list.any())
    )
    cols = []
    for ours, keys in attrs.items():
        if ours in mapped:  # a team's own attribute may sit on the resource (the tenant of a service)
            cols.append(_first([_attr(c, k) for c in ("attributes", "__rattrs") for k in keys]).alias(MAPPED + ours))
        defaults = ATTRIBUTES.get(ours, ())
        cols.append((_first([_attr("attributes", k) for k in defaults]) if defaults else pl.lit(None, pl.String)).alias(ours))
    start = pl.col("startTimeUnixNano").cast(pl.Int64, strict=False)
    return spans.select(
        REC, *cols,
        _nanos_to_ts(pl.col("startTimeUnixNano")).alias("ts"),
        ((pl.col("endTimeUnixNano").cast(pl.Int64, strict=False) - start) // 1_000_000).alias("latency_ms"),
        pl.col("traceId").alias("__trace"), pl.col("spanId").alias("__span"),
        pl.col("status").struct.field("code").alias("__status"),
        _attr("__rattrs", "service.name").alias("__service"),
    )


def _flat(path: Path, attrs: dict[str, tuple[str, ...]], mapped: set[str]) -> pl.LazyFrame:
    keys = sorted({k for names in (*attrs.values(), *ATTRIBUTES.values()) for k in names})
    resource_keys = sorted({"service.name", *(k for ours in mapped for k in attrs[ours])})
    schema: dict[str, PolarsDataType] = {
        "name": pl.String, "start_time": pl.String, "end_time": pl.String,
        "context": pl.Struct({"trace_id": pl.String, "span_id": pl.String}),
        "status": pl.Struct({"status_code": pl.String}),
        "attributes": pl.Struct({k: pl.String for k in keys}),
        "resource": pl.Struct({"attributes": pl.Struct({k: pl.String for k in resource_keys})}),
    }
    lf, _ = scan(path, schema)
    a = pl.col("attributes")
    r = pl.col("resource").struct.field("attributes")
    cols = []
    for ours, names in attrs.items():
        if ours in mapped:
            cols.append(_first([c.struct.field(k) for c in (a, r) for k in names]).alias(MAPPED + ours))
        defaults = ATTRIBUTES.get(ours, ())
        cols.append((_first([a.struct.field(k) for k in defaults]) if defaults else pl.lit(None, pl.String)).alias(ours))
    gen_ai = [a.struct.field(k).is_not_null() for k in keys if k.startswith("gen_ai.")]
    return lf.filter(pl.any_horizontal(gen_ai)).select(
        REC, *cols,
        pl.col("start_time").alias("ts"),
        pl.col("context").struct.field("trace_id").alias("__trace"),
        pl.col("context").struct.field("span_id").alias("__span"),
        pl.col("status").struct.field("status_code").alias("__status"),
        r.struct.field("service.name").alias("__service"),
        pl.lit(None, pl.Int64).alias("latency_ms"),
    )


def read_otel(path: Path, fields: dict[str, str] | None = None) -> Reading:
    path = Path(path)
    fields = fields or {}
    attrs = attributes(fields)
    mapped = {"request_id" if k == "response_id" else k for k in fields}
    lf = (_otlp if '"resourceSpans"' in head_text(path) else _flat)(path, attrs, mapped)
    status = pl.col("__status").cast(pl.String).str.to_uppercase()
    error_type = pl.col("__error_type").cast(pl.String)
    failed = status.is_in(["2", "STATUS_CODE_ERROR", "ERROR"]) | error_type.is_not_null()
    # semconv: error.type is the HTTP status code when the call failed with one
    numeric_error = pl.when(error_type.str.contains(r"^\d{3}$")).then(error_type)
    derived = {
        "request_id": pl.coalesce("request_id", pl.format("otel:{}:{}", "__trace", "__span")),
        "task_id": pl.coalesce("task_id", "__trace"),
        "feature": pl.coalesce("feature", "__service"),
        "status_code": pl.coalesce("status_code", numeric_error),
        "attempt": pl.col("__resend").cast(pl.Int64, strict=False) + 1,
        "stream_outcome": pl.when(failed).then(pl.lit(StreamOutcome.ERROR)).otherwise(pl.lit(StreamOutcome.COMPLETED)),
    }
    # a mapped attribute wins; where a span lacks it, the default reading stands in
    for ours in mapped:
        derived[ours] = pl.coalesce(pl.col(MAPPED + ours), derived.get(ours, pl.col(ours)))
    lf = lf.filter(~pl.col("__operation").is_in(NOT_MODEL_CALLS).fill_null(False)).with_columns(e.alias(c) for c, e in derived.items())
    lf = lf.drop("__trace", "__span", "__status", "__service", "__operation", "__error_type", "__resend")
    labels = {ours: keys[0] for ours, keys in attrs.items()} | {"ts": "startTimeUnixNano"}
    return Reading(path, "otel", "line", with_rows(lf), labels)
