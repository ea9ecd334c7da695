"""Coding-agent session logs, read as ccusage reads them, so agent usage joins the ledger.

Claude Code (`~/.claude/projects/<project>/<session>.jsonl`): every `assistant` line with
`message.usage` is one API response; `message.id` is Anthropic's message id (a message
logged once per content block repeats it, and the store keeps it once). Anthropic's
`input_tokens` excludes cache reads and writes, so our input is the sum of the three.

Codex CLI (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`): each `event_msg` whose payload is
a `token_count` with `info` is one model call; `last_token_usage` is that call (the running
`total_token_usage` minus the previous one when it is missing). OpenAI semantics: input
includes cached input and output includes reasoning. The model is the latest
`turn_context`'s; a call whose session never named its model is a bad row, as ccusage skips
such sessions rather than guess. Repeated events for the same call share the running total
and so the same request id.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from finops.connectors.request_logs.fields import Reading, with_rows
from finops.connectors.request_logs.files import scan
from finops.connectors.request_logs.values import REC
from finops.schema import StreamOutcome

CLAUDE = {"type": pl.String, "timestamp": pl.String, "sessionId": pl.String, "requestId": pl.String,
          "message": pl.String, "isApiErrorMessage": pl.String}


def _int(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Int64, strict=False)


def read_claude_code(path: Path) -> Reading:
    lf, layout = scan(path, CLAUDE)
    msg = pl.col("message")
    use = lambda k: _int(msg.str.json_path_match(f"$.usage.{k}"))  # noqa: E731
    model = msg.str.json_path_match("$.model")
    lf = lf.filter(
        (pl.col("type") == "assistant") & msg.str.json_path_match("$.usage").is_not_null() & (model != "<synthetic>").fill_null(True)
    ).select(
        REC,
        pl.coalesce(msg.str.json_path_match("$.id"), pl.col("requestId")).alias("request_id"),
        pl.col("timestamp").alias("ts"),
        pl.lit("anthropic").alias("provider"),
        model.alias("model"),
        (use("input_tokens").fill_null(0) + use("cache_creation_input_tokens").fill_null(0) + use("cache_read_input_tokens").fill_null(0)).alias("input_tokens"),
        use("cache_read_input_tokens").alias("cached_input_tokens"),
        use("cache_creation_input_tokens").alias("cache_write_tokens"),
        use("output_tokens").alias("output_tokens"),
        msg.str.json_path_match("$.usage.service_tier").alias("service_tier"),
        pl.col("sessionId").alias("task_id"),
        pl.lit("claude-code").alias("feature"),
        pl.when(pl.col("isApiErrorMessage").str.to_lowercase() == "true")
        .then(pl.lit(StreamOutcome.ERROR)).otherwise(pl.lit(StreamOutcome.COMPLETED)).alias("stream_outcome"),
    )
    labels = {"request_id": "message.id", "model": "message.model", "input_tokens": "message.usage.input_tokens",
              "output_tokens": "message.usage.output_tokens", "ts": "timestamp"}
    return Reading(Path(path), "claude-code", layout, with_rows(lf), labels)


USAGE = pl.Struct({k: pl.String for k in ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens", "total_tokens")})
CODEX = {
    "timestamp": pl.String, "type": pl.String,
    "payload": pl.Struct({
        "type": pl.String, "id": pl.String, "model": pl.String,
        "info": pl.Struct({"total_token_usage": USAGE, "last_token_usage": USAGE}),
    }),
}
TOKEN_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")


def read_codex(path: Path) -> Reading:
    path = Path(path)
    lf, layout = scan(path, CODEX)
    p = pl.col("payload")
    info = p.struct.field("info")
    total, last = info.struct.field("total_token_usage"), info.struct.field("last_token_usage")
    session_from_name = path.stem.rsplit("-", 5)[-5:] if path.stem.startswith("rollout-") else [path.stem]
    lf = lf.with_columns(
        p.struct.field("id").filter(pl.col("type") == "session_meta").first().alias("__session"),
        pl.when(pl.col("type") == "turn_context").then(p.struct.field("model")).forward_fill().alias("__model"),
    ).filter((p.struct.field("type") == "token_count") & info.is_not_null())
    previous = {k: _int(total.struct.field(k)).shift(1) for k in TOKEN_FIELDS}
    per_call = {
        k: pl.coalesce(_int(last.struct.field(k)), _int(total.struct.field(k)) - previous[k].fill_null(0))
        for k in TOKEN_FIELDS
    }
    session = pl.coalesce("__session", pl.lit("-".join(session_from_name)))
    running = pl.coalesce(total.struct.field("total_tokens"), pl.col(REC).cast(pl.String))
    lf = lf.select(
        REC,
        pl.format("codex:{}:{}", session, running).alias("request_id"),
        pl.col("timestamp").alias("ts"),
        pl.lit("openai").alias("provider"),
        pl.col("__model").alias("model"),
        per_call["input_tokens"].alias("input_tokens"),
        per_call["cached_input_tokens"].alias("cached_input_tokens"),
        per_call["output_tokens"].alias("output_tokens"),
        per_call["reasoning_output_tokens"].alias("reasoning_tokens"),
        session.alias("task_id"),
        pl.lit("codex").alias("feature"),
        pl.lit(StreamOutcome.COMPLETED).alias("stream_outcome"),
    )
    labels = {"model": "turn_context.payload.model", "input_tokens": "last_token_usage.input_tokens",
              "output_tokens": "last_token_usage.output_tokens", "ts": "timestamp"}
    return Reading(path, "codex", layout, with_rows(lf), labels)
