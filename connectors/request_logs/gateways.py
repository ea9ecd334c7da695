"""Gateway and tracing-platform exports: LiteLLM proxy spend logs and Langfuse observations.

LiteLLM SpendLogs (the proxy's `LiteLLM_SpendLogs` table, exported as CSV or JSON lines):
`request_id` is the provider's response id, so the same call from an OTel export is stored
once. Cache hits (`cache_hit` true) never reached the provider and are left out.

Langfuse observations (the public API's ObservationsView, or the UI's JSON export):
GENERATION and EMBEDDING observations; Langfuse splits usage into named types and counts
every type whose name contains "input" as input and "output" as output, and so do we.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathlib import Path

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from finops.connectors.request_logs.fields import Reading, with_rows
from finops.connectors.request_logs.files import columns_of, scan
from finops.connectors.request_logs.mapping import column_exprs, mapped_select, with_logical_key
from finops.connectors.request_logs.vendors import provider_from_model
from finops.connectors.request_logs.values import REC, ts_text
from finops.schema import StreamOutcome

LITELLM = (
    "request_id", "id", "trace_id", "startTime", "endTime", "model", "custom_llm_provider", "prompt_tokens",
    "completion_tokens", "team_id", "api_key", "user", "status", "cache_hit", "metadata", "request_tags", "session_id",
    "end_user", "error_information", "response",
)


def _col(names: list[str], name: str) -> pl.Expr:
    return pl.col(name) if name in names else pl.lit(None, pl.String)


def read_litellm(path: Path, fields: dict[str, str] | None = None) -> Reading:
    """LiteLLM's spend logs (LiteLLM_SpendLogs rows) or its StandardLoggingPayload (the JSON a
    custom callback or a logging integration writes per call): the two share most names."""
    fields = {("request_id" if k == "response_id" else k): v for k, v in (fields or {}).items()}
    present = columns_of(path)
    extra, mapped = column_exprs(fields, present)
    schema: dict[str, PolarsDataType] = {c: pl.String for c in LITELLM if c in present}
    lf, layout = scan(path, schema | extra)
    names = lf.collect_schema().names()
    c = lambda n: _col(names, n)  # noqa: E731
    meta = c("metadata").cast(pl.String)
    usage = pl.coalesce(meta.str.json_path_match("$.usage_object"), c("response").cast(pl.String).str.json_path_match("$.usage"))
    error_code = pl.coalesce(
        c("error_information").cast(pl.String).str.json_path_match("$.error_code"),
        meta.str.json_path_match("$.error_information.error_code"),
    )
    model = c("model")
    provider = pl.coalesce(
        c("custom_llm_provider"),
        c("error_information").cast(pl.String).str.json_path_match("$.llm_provider"),
        pl.when(model.str.contains("/")).then(model.str.extract(r"^([^/]+)/")),
        provider_from_model(model),
    )
    status = c("status").cast(pl.String).str.to_lowercase()
    defaults = {
        "request_id": pl.coalesce(c("request_id"), c("response").cast(pl.String).str.json_path_match("$.id"), c("id")),
        "ts": c("startTime"),
        "provider": provider,
        "model": model,
        "input_tokens": c("prompt_tokens"),
        "output_tokens": c("completion_tokens"),
        "cached_input_tokens": pl.coalesce(usage.str.json_path_match("$.prompt_tokens_details.cached_tokens"),
                                           usage.str.json_path_match("$.cache_read_input_tokens")),
        "cache_write_tokens": usage.str.json_path_match("$.cache_creation_input_tokens"),
        "cache_write_1h_tokens": pl.coalesce(
            usage.str.json_path_match("$.cache_creation.ephemeral_1h_input_tokens"),
            usage.str.json_path_match("$.cache_creation_token_details.ephemeral_1h_input_tokens"),
        ),
        "reasoning_tokens": usage.str.json_path_match("$.completion_tokens_details.reasoning_tokens"),
        "project_id": pl.coalesce(c("team_id"), meta.str.json_path_match("$.user_api_key_team_id")),
        "api_key_id": pl.coalesce(c("api_key"), meta.str.json_path_match("$.user_api_key_hash")),
        "user_id": pl.coalesce(c("end_user"), c("user"), meta.str.json_path_match("$.user_api_key_user_id")),
        "feature": c("request_tags").cast(pl.String).str.extract(r"feature:([^\"',\]\s]+)"),
        "task_id": pl.coalesce(c("session_id"), c("trace_id"), c("end_user")),
        "latency_ms": (ts_text(c("endTime")) - ts_text(c("startTime"))).dt.total_milliseconds(),
        "status_code": pl.when(error_code.str.contains(r"^\d{3}$")).then(error_code),
        "stream_outcome": pl.when(status == "failure").then(pl.lit(StreamOutcome.ERROR))
        .when(status == "success").then(pl.lit(StreamOutcome.COMPLETED)).otherwise(pl.lit(StreamOutcome.COMPLETED)),
    }
    lf = lf.filter(~c("cache_hit").cast(pl.String).str.to_lowercase().is_in(["true", "1"]).fill_null(False)).select(
        REC, *mapped_select(defaults, mapped))
    labels = {"ts": "startTime", "provider": "custom_llm_provider", "input_tokens": "prompt_tokens",
              "output_tokens": "completion_tokens", "project_id": "team_id", "api_key_id": "api_key"} | fields
    return Reading(Path(path), "litellm", layout, with_rows(with_logical_key(lf)), labels)


LANGFUSE: dict[str, PolarsDataType] = {
    "id": pl.String, "traceId": pl.String, "type": pl.String, "name": pl.String, "startTime": pl.String,
    "endTime": pl.String, "model": pl.String, "providedModelName": pl.String, "level": pl.String,
    "usageDetails": pl.String, "usage": pl.String, "promptTokens": pl.String, "completionTokens": pl.String,
    "metadata": pl.String, "latency": pl.String, "userId": pl.String,
}
PAIR = r'"[^"]+"\s*:\s*-?[0-9.]+'
def _usage_sum(col: pl.Expr, key_pattern: str) -> pl.Expr:
    """Sum of the usage types whose name matches, from the usage object's JSON text."""
    pairs = col.cast(pl.String).str.extract_all(PAIR)
    key = pl.element().str.extract(r'^"([^"]+)"')
    value = pl.element().str.extract(r":\s*(-?[0-9.]+)$").cast(pl.Float64, strict=False)
    summed = pairs.list.eval(value.filter(key.str.contains(key_pattern))).list
    return pl.when(summed.len() > 0).then(summed.sum().cast(pl.Int64))


def read_langfuse(path: Path, fields: dict[str, str] | None = None) -> Reading:
    fields = {("request_id" if k == "response_id" else k): v for k, v in (fields or {}).items()}
    extra, mapped = column_exprs(fields, columns_of(path))
    lf, layout = scan(path, LANGFUSE | extra)
    details, usage = pl.col("usageDetails"), pl.col("usage")
    model = pl.coalesce(pl.col("providedModelName"), pl.col("model"))
    meta = pl.col("metadata").cast(pl.String)
    level = pl.col("level").cast(pl.String).str.to_uppercase()
    defaults = {
        "request_id": pl.col("id"),
        "ts": pl.col("startTime"),
        "provider": pl.coalesce(meta.str.json_path_match("$.provider"), meta.str.json_path_match("$.ls_provider"), provider_from_model(model)),
        "model": model,
        "input_tokens": pl.coalesce(_usage_sum(details, r"(?i)input"), usage.str.json_path_match("$.input"), pl.col("promptTokens")),
        "output_tokens": pl.coalesce(_usage_sum(details, r"(?i)output"), usage.str.json_path_match("$.output"), pl.col("completionTokens")),
        "cached_input_tokens": _usage_sum(details, r"(?i)cache_read|cached"),
        "cache_write_tokens": _usage_sum(details, r"(?i)cache_creation|cache_write"),
        "cache_write_1h_tokens": _usage_sum(details, r"(?i)1h"),
        "reasoning_tokens": _usage_sum(details, r"(?i)reasoning"),
        "task_id": pl.col("traceId"),
        "user_id": pl.coalesce(pl.col("userId"), meta.str.json_path_match("$.user_id")),
        "feature": pl.coalesce(meta.str.json_path_match("$.feature"), pl.col("name")),
        "latency_ms": (ts_text(pl.col("endTime")) - ts_text(pl.col("startTime"))).dt.total_milliseconds(),
        "status_code": pl.coalesce(meta.str.json_path_match("$.status_code"), meta.str.json_path_match("$['http.response.status_code']")),
        "stream_outcome": pl.when(level == "ERROR").then(pl.lit(StreamOutcome.ERROR)).otherwise(pl.lit(StreamOutcome.COMPLETED)),
    }
    lf = lf.filter(pl.col("type").is_in(["GENERATION", "EMBEDDING"]) | pl.col("type").is_null()).select(
        REC, *mapped_select(defaults, mapped))
    labels = {"request_id": "id", "ts": "startTime", "model": "providedModelName", "input_tokens": "usageDetails",
              "output_tokens": "usageDetails", "provider": "model"} | fields
    return Reading(Path(path), "langfuse", layout, with_rows(with_logical_key(lf)), labels)
