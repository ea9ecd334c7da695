"""Gateway and tracing-platform exports: LiteLLM proxy spend logs and Langfuse observations.

LiteLLM SpendLogs (the proxy's `LiteLLM_SpendLogs` table, exported as CSV or JSON lines):
`request_id` is the provider's response id, so the same call from an OTel export is stored
once. Cache hits (`cache_hit` true) never reached the provider and are left out.

Langfuse observations (the public API's ObservationsView, or the UI's JSON export):
GENERATION and EMBEDDING observations; Langfuse splits usage into named types and counts
every type whose name contains "input" as input and "output" as output, and so do we.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from finops.connectors.request_logs.fields import Reading, with_rows
from finops.connectors.request_logs.files import columns_of, scan
from finops.connectors.request_logs.values import REC, ts_text
from finops.schema import StreamOutcome

LITELLM = (
    "request_id", "startTime", "endTime", "model", "custom_llm_provider", "prompt_tokens", "completion_tokens",
    "team_id", "api_key", "status", "cache_hit", "metadata", "request_tags", "session_id", "end_user",
)


def _col(names: list[str], name: str) -> pl.Expr:
    return pl.col(name) if name in names else pl.lit(None, pl.String)


def read_litellm(path: Path) -> Reading:
    present = columns_of(path)
    lf, layout = scan(path, {c: pl.String for c in LITELLM if c in present})
    names = lf.collect_schema().names()
    c = lambda n: _col(names, n)  # noqa: E731
    meta = c("metadata").cast(pl.String)
    usage = "$.usage_object"
    cached = pl.coalesce(
        meta.str.json_path_match(f"{usage}.prompt_tokens_details.cached_tokens"),
        meta.str.json_path_match(f"{usage}.cache_read_input_tokens"),
    )
    lf = lf.filter(~c("cache_hit").cast(pl.String).str.to_lowercase().is_in(["true", "1"]).fill_null(False)).select(
        REC,
        c("request_id").alias("request_id"),
        c("startTime").alias("ts"),
        c("custom_llm_provider").alias("provider"),
        c("model").alias("model"),
        c("prompt_tokens").alias("input_tokens"),
        c("completion_tokens").alias("output_tokens"),
        cached.alias("cached_input_tokens"),
        meta.str.json_path_match(f"{usage}.cache_creation_input_tokens").alias("cache_write_tokens"),
        pl.coalesce(c("team_id"), meta.str.json_path_match("$.user_api_key_team_id")).alias("project_id"),
        c("api_key").alias("api_key_id"),
        c("request_tags").cast(pl.String).str.extract(r"feature:([^\"',\]\s]+)").alias("feature"),
        pl.coalesce(c("session_id"), c("end_user")).alias("task_id"),
        (ts_text(c("endTime")) - ts_text(c("startTime"))).dt.total_milliseconds().alias("latency_ms"),
        pl.when(c("status").cast(pl.String).str.to_lowercase() == "failure")
        .then(pl.lit(StreamOutcome.ERROR)).otherwise(pl.lit(StreamOutcome.COMPLETED)).alias("stream_outcome"),
    )
    labels = {"ts": "startTime", "provider": "custom_llm_provider", "input_tokens": "prompt_tokens",
              "output_tokens": "completion_tokens", "project_id": "team_id", "api_key_id": "api_key"}
    return Reading(Path(path), "litellm", layout, with_rows(lf), labels)


LANGFUSE = {
    "id": pl.String, "traceId": pl.String, "type": pl.String, "name": pl.String, "startTime": pl.String,
    "endTime": pl.String, "model": pl.String, "providedModelName": pl.String, "level": pl.String,
    "usageDetails": pl.String, "usage": pl.String, "promptTokens": pl.String, "completionTokens": pl.String,
    "metadata": pl.String, "latency": pl.String,
}
PAIR = r'"[^"]+"\s*:\s*-?[0-9.]+'
VENDORS = (  # model name prefix -> provider, for exports that do not name the provider
    (r"^(claude|anthropic)", "anthropic"), (r"^(gpt|o1|o3|o4|chatgpt|text-embedding|codex|davinci|whisper|tts|dall-e)", "openai"),
    (r"^(gemini|models/gemini|text-bison|textembedding)", "google"), (r"^(mistral|mixtral|codestral|ministral)", "mistral"),
    (r"^command", "cohere"), (r"^(llama|meta-llama)", "meta"), (r"^(deepseek)", "deepseek"), (r"^grok", "xai"),
)


def provider_from_model(model: pl.Expr) -> pl.Expr:
    m = model.cast(pl.String).str.to_lowercase()
    expr = pl.lit(None, pl.String)
    for pattern, vendor in reversed(VENDORS):
        expr = pl.when(m.str.contains(pattern)).then(pl.lit(vendor)).otherwise(expr)
    return expr


def _usage_sum(col: pl.Expr, key_pattern: str) -> pl.Expr:
    """Sum of the usage types whose name matches, from the usage object's JSON text."""
    pairs = col.cast(pl.String).str.extract_all(PAIR)
    key = pl.element().str.extract(r'^"([^"]+)"')
    value = pl.element().str.extract(r":\s*(-?[0-9.]+)$").cast(pl.Float64, strict=False)
    summed = pairs.list.eval(value.filter(key.str.contains(key_pattern))).list
    return pl.when(summed.len() > 0).then(summed.sum().cast(pl.Int64))


def read_langfuse(path: Path) -> Reading:
    lf, layout = scan(path, LANGFUSE)
    details, usage = pl.col("usageDetails"), pl.col("usage")
    model = pl.coalesce(pl.col("providedModelName"), pl.col("model"))
    meta = pl.col("metadata").cast(pl.String)
    lf = lf.filter(pl.col("type").is_in(["GENERATION", "EMBEDDING"]) | pl.col("type").is_null()).select(
        REC,
        pl.col("id").alias("request_id"),
        pl.col("startTime").alias("ts"),
        pl.coalesce(meta.str.json_path_match("$.provider"), meta.str.json_path_match("$.ls_provider"), provider_from_model(model)).alias("provider"),
        model.alias("model"),
        pl.coalesce(_usage_sum(details, r"(?i)input"), usage.str.json_path_match("$.input"), pl.col("promptTokens")).alias("input_tokens"),
        pl.coalesce(_usage_sum(details, r"(?i)output"), usage.str.json_path_match("$.output"), pl.col("completionTokens")).alias("output_tokens"),
        _usage_sum(details, r"(?i)cache_read|cached").alias("cached_input_tokens"),
        _usage_sum(details, r"(?i)cache_creation|cache_write").alias("cache_write_tokens"),
        _usage_sum(details, r"(?i)reasoning").alias("reasoning_tokens"),
        pl.col("traceId").alias("task_id"),
        pl.coalesce(meta.str.json_path_match("$.feature"), pl.col("name")).alias("feature"),
        (ts_text(pl.col("endTime")) - ts_text(pl.col("startTime"))).dt.total_milliseconds().alias("latency_ms"),
        pl.when(pl.col("level") == "ERROR").then(pl.lit(StreamOutcome.ERROR)).otherwise(pl.lit(StreamOutcome.COMPLETED)).alias("stream_outcome"),
    )
    labels = {"request_id": "id", "ts": "startTime", "model": "providedModelName", "input_tokens": "usageDetails",
              "output_tokens": "usageDetails", "provider": "model"}
    return Reading(Path(path), "langfuse", layout, with_rows(lf), labels)
