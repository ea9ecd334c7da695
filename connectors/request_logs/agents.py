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

from typing import TYPE_CHECKING

from collections.abc import Mapping
from pathlib import Path

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from finops.connectors.request_logs.fields import Reading, with_rows
from finops.connectors.request_logs.files import columns_of, scan
from finops.connectors.request_logs.mapping import column_exprs, mapped_select
from finops.connectors.request_logs.problems import JSONL
from finops.connectors.request_logs.values import REC

FILE = "__file"
from finops.schema import StreamOutcome

_N = pl.Int64


def _int(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Int64, strict=False)


CLAUDE_USAGE = pl.Struct({
    "input_tokens": _N, "cache_creation_input_tokens": _N, "cache_read_input_tokens": _N, "output_tokens": _N,
    "cache_creation": pl.Struct({"ephemeral_5m_input_tokens": _N, "ephemeral_1h_input_tokens": _N}),
    "service_tier": pl.String,
})
# Only what a usage row needs is decoded; the content blocks (most of each line) are skipped.
CLAUDE: dict[str, PolarsDataType] = {
    "type": pl.String, "timestamp": pl.String, "sessionId": pl.String, "requestId": pl.String,
    "isApiErrorMessage": pl.Boolean,
    "message": pl.Struct({"id": pl.String, "model": pl.String, "usage": CLAUDE_USAGE}),
}


def _scan_many(paths: list[Path], schema: Mapping[str, PolarsDataType]) -> pl.LazyFrame:
    """Many session files as one scan (a project tree holds hundreds of small files, and one
    scan of all of them costs a fraction of one per file); `__rec` is the record's index
    within its own file, so a bad row is still found by file and line."""
    lf = pl.scan_ndjson([str(p) for p in paths], schema=schema, row_index_name="__i", include_file_paths=FILE)
    return lf.with_columns((pl.col("__i") - pl.col("__i").min().over(FILE)).cast(pl.Int64).alias(REC)).drop("__i")


def read_claude_code(path: Path | list[Path], fields: dict[str, str] | None = None) -> Reading:
    fields = {("request_id" if k == "response_id" else k): v for k, v in (fields or {}).items()}
    paths = [Path(p) for p in path] if isinstance(path, list) else [Path(path)]
    extra, mapped = column_exprs(fields, columns_of(paths[0]) if fields else [])
    schema = CLAUDE | {k: v for k, v in extra.items() if k not in CLAUDE}
    if len(paths) > 1:
        lf, layout = _scan_many(paths, schema), JSONL
    else:
        lf, layout = scan(paths[0], schema)
    msg = pl.col("message")
    usage = msg.struct.field("usage")
    use = lambda k: usage.struct.field(k)  # noqa: E731
    model = msg.struct.field("model")
    writes = use("cache_creation_input_tokens")
    defaults = {
        "request_id": pl.coalesce(msg.struct.field("id"), pl.col("requestId")),
        "ts": pl.col("timestamp"),
        "provider": pl.lit("anthropic"),
        "model": model,
        "input_tokens": use("input_tokens").fill_null(0) + writes.fill_null(0) + use("cache_read_input_tokens").fill_null(0),
        "cached_input_tokens": use("cache_read_input_tokens"),
        "cache_write_tokens": writes,
        # the 1-hour part, when the log splits the writes (Claude Code writes cache_creation since mid-2025)
        "cache_write_1h_tokens": use("cache_creation").struct.field("ephemeral_1h_input_tokens"),
        "output_tokens": use("output_tokens"),
        "service_tier": use("service_tier"),
        "task_id": pl.col("sessionId"),
        "feature": pl.lit("claude-code"),
        "stream_outcome": pl.when(pl.col("isApiErrorMessage").fill_null(False))
        .then(pl.lit(StreamOutcome.ERROR)).otherwise(pl.lit(StreamOutcome.COMPLETED)),
    }
    lf = lf.filter(
        (pl.col("type") == "assistant") & usage.is_not_null() & (model != "<synthetic>").fill_null(True)
    ).select(REC, *mapped_select(defaults, mapped))
    labels = {"request_id": "message.id", "model": "message.model", "input_tokens": "message.usage.input_tokens",
              "output_tokens": "message.usage.output_tokens", "ts": "timestamp"} | fields
    return Reading(paths[0], "claude-code", layout, with_rows(lf), labels)


USAGE = pl.Struct({k: pl.String for k in ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens", "total_tokens")})
CODEX: dict[str, PolarsDataType] = {
    "timestamp": pl.String, "type": pl.String,
    "payload": pl.Struct({
        "type": pl.String, "id": pl.String, "model": pl.String,
        "info": pl.Struct({"total_token_usage": USAGE, "last_token_usage": USAGE}),
    }),
}
TOKEN_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")


def read_codex(path: Path, fields: dict[str, str] | None = None) -> Reading:
    path = Path(path)
    fields = {("request_id" if k == "response_id" else k): v for k, v in (fields or {}).items()}
    extra, mapped = column_exprs(fields, columns_of(path) if fields else [])
    lf, layout = scan(path, CODEX | {k: v for k, v in extra.items() if k not in CODEX})
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
    defaults = {
        "request_id": pl.format("codex:{}:{}", session, running),
        "ts": pl.col("timestamp"),
        "provider": pl.lit("openai"),
        "model": pl.col("__model"),
        "input_tokens": per_call["input_tokens"],
        "cached_input_tokens": per_call["cached_input_tokens"],
        "output_tokens": per_call["output_tokens"],
        "reasoning_tokens": per_call["reasoning_output_tokens"],
        "task_id": session,
        "feature": pl.lit("codex"),
        "stream_outcome": pl.lit(StreamOutcome.COMPLETED),
    }
    lf = lf.select(REC, *mapped_select(defaults, mapped))
    labels = {"model": "turn_context.payload.model", "input_tokens": "last_token_usage.input_tokens",
              "output_tokens": "last_token_usage.output_tokens", "ts": "timestamp"} | fields
    return Reading(path, "codex", layout, with_rows(lf), labels)
