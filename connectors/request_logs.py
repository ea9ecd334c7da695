"""Ingest the team's own request logs (the local counts) from JSONL, CSV or Parquet.

Formats (docs/request-log.md):
- generic: our own columns (the `requests` table), or anything else with `--map their=ours`;
  scanned lazily by polars and validated with vectorised expressions, so files of any size
  stream with bounded memory;
- otel: OpenTelemetry GenAI spans as OTLP JSON lines (gen_ai.* attributes);
- litellm: LiteLLM proxy SpendLogs rows (JSON lines or CSV).
A row that fails validation stops the load before anything is written, with an error naming
the file, line and field; with `skip_bad_rows` it is skipped and counted instead. The store
keys requests on request_id, so the same call from two logs is stored once.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from finops.errors import InputError
from finops.schema import REQUESTS, REQUESTS_TABLE, Provenance, StreamOutcome
from finops.store import Store, UpsertResult

REQUIRED = ("ts", "request_id", "provider", "model")
INT_COLUMNS = ("attempt", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "latency_ms")
FORMATS = ("auto", "generic", "otel", "litellm", "langfuse", "claude-code", "codex")


@dataclass
class BadRow:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: field {self.field!r}: {self.reason}"


@dataclass
class IngestReport:
    result: UpsertResult | None = None
    rows: int = 0
    bad: list[BadRow] = field(default_factory=list)


def _scan(path: Path) -> tuple[pl.LazyFrame, int]:
    """A lazy scan of the file with every column as text, and the line number of its first row."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return pl.scan_ndjson(path, infer_schema_length=1000), 1
    if suffix == ".csv":
        return pl.scan_csv(path, infer_schema=False), 2
    if suffix == ".parquet":
        return pl.scan_parquet(path), 1
    raise InputError(f"{path}: unknown file type {suffix!r} (use .jsonl, .csv or .parquet)")


def _ts_expr(col: str, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        return (pl.col(col).dt.convert_time_zone("UTC") if dtype.time_zone else pl.col(col).dt.replace_time_zone("UTC")).dt.cast_time_unit("us")
    if dtype.is_numeric():  # epoch seconds
        return pl.from_epoch(pl.col(col).cast(pl.Float64) * 1e6, time_unit="us").dt.replace_time_zone("UTC")
    # ISO 8601 text with an offset or Z; naive text is taken as UTC.
    text = pl.col(col).cast(pl.String).str.strip_chars().str.replace(r"Z$", "+00:00").str.replace(" ", "T", literal=True)
    aware = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us", time_zone="UTC")
    naive = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us").dt.replace_time_zone("UTC")
    return pl.coalesce(aware, naive)


def _count_text(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Logs with prompt/completion text but no counts: count locally, mark the rows estimated."""
    from connectors import token_count

    names = lf.collect_schema().names()
    if "model" not in names:
        return lf  # the missing-column check names it next
    pairs = [(text, col) for text, col in (("prompt", "input_tokens"), ("completion", "output_tokens")) if text in names and col not in names]
    if not pairs:
        return lf
    df = lf.collect()
    for text, col in pairs:
        counts = []
        for model, part in df.with_row_index("__i").group_by("model", maintain_order=True):
            n, _ = token_count.count(part[text].cast(pl.String), str(model[0]))
            counts.append(part.select("__i").with_columns(n.alias(col)))
        df = df.with_row_index("__i").join(pl.concat(counts), on="__i", how="left").drop("__i")
    return df.with_columns(pl.lit(Provenance.ESTIMATED).alias("provenance")).drop([t for t, _ in pairs]).lazy()


def generic_frame(lf: pl.LazyFrame, mapping: dict[str, str] | None = None) -> pl.LazyFrame:
    """Rename mapped columns and cast to the requests schema; invalid values become null + flags."""
    if mapping:
        lf = lf.rename({a: b for a, b in mapping.items() if a in lf.collect_schema().names()})
    lf = _count_text(lf)
    schema = lf.collect_schema()
    missing = [c for c in REQUIRED if c not in schema.names()]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} (map yours with --map their_name=ours)")
    exprs = [_ts_expr("ts", schema["ts"]).alias("ts")]
    flags = [(pl.col("ts").is_not_null() & _ts_expr("ts", schema["ts"]).is_null()).alias("__bad_ts")]
    for c in INT_COLUMNS:
        if c in schema.names():
            cast = pl.col(c).cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False) if schema[c] == pl.String else pl.col(c).cast(pl.Int64, strict=False)
            exprs.append(cast.alias(c))
            flags.append(((pl.col(c).is_not_null() & cast.is_null()) | (cast < 0)).fill_null(False).alias(f"__bad_{c}"))
    for c in ("request_id", "provider", "model"):
        flags.append((pl.col(c).is_null() | (pl.col(c).cast(pl.String).str.strip_chars() == "")).alias(f"__bad_{c}"))
    return lf.with_columns(*flags).with_columns(*exprs)


def _otel_rows(path: Path) -> list[dict[str, Any]]:
    """Spans with gen_ai.* attributes from an OTLP JSON file (one export request per line)."""
    def value(v: dict[str, Any]) -> Any:
        for k in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if k in v:
                return int(v[k]) if k == "intValue" else v[k]
        return None

    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            for rs in doc.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for span in ss.get("spans", []):
                        a = {x["key"]: value(x.get("value", {})) for x in span.get("attributes", [])}
                        if not any(k.startswith("gen_ai.") for k in a):
                            continue
                        ok = (span.get("status") or {}).get("code") in (None, 0, 1, "STATUS_CODE_OK", "STATUS_CODE_UNSET")
                        rows.append({
                            "__line": lineno,
                            "ts": datetime.fromtimestamp(int(span["startTimeUnixNano"]) / 1e9, tz=timezone.utc),
                            "request_id": a.get("gen_ai.response.id") or span.get("spanId"),
                            "provider": a.get("gen_ai.provider.name") or a.get("gen_ai.system"),
                            "model": a.get("gen_ai.response.model") or a.get("gen_ai.request.model"),
                            "input_tokens": a.get("gen_ai.usage.input_tokens"),
                            "output_tokens": a.get("gen_ai.usage.output_tokens"),
                            "cached_input_tokens": a.get("gen_ai.usage.cache_read_input_tokens", a.get("gen_ai.usage.cache_read.input_tokens")),
                            "cache_write_tokens": a.get("gen_ai.usage.cache_creation_input_tokens", a.get("gen_ai.usage.cache_creation.input_tokens")),
                            "feature": a.get("app.feature") or a.get("gen_ai.operation.name"),
                            "stream_outcome": StreamOutcome.COMPLETED if ok else StreamOutcome.ERROR,
                            "latency_ms": (int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"])) // 1_000_000 if span.get("endTimeUnixNano") else None,
                        })
    return rows


def _json_lines(path: Path):  # type: ignore[no-untyped-def]
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    yield lineno, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None


def _provider_of(model: str | None) -> str | None:
    m = (model or "").lower()
    return "anthropic" if m.startswith("claude") else "openai" if m.startswith(("gpt", "o1", "o3", "o4", "text-embedding")) else None


def _claude_code_rows(path: Path) -> list[dict[str, Any]]:
    """Claude Code session logs (~/.claude/projects/**/*.jsonl), read as ccusage reads them:
    assistant messages with usage, deduplicated on message id."""
    rows = []
    for lineno, doc in _json_lines(path):
        msg = doc.get("message") if isinstance(doc.get("message"), dict) else None
        usage = (msg or {}).get("usage")
        if doc.get("type") != "assistant" or not usage:
            continue
        cache_read = int(usage.get("cache_read_input_tokens") or 0)
        cache_write = int(usage.get("cache_creation_input_tokens") or 0)
        rows.append({
            "__line": lineno, "ts": doc.get("timestamp"), "request_id": msg.get("id") or doc.get("requestId"),
            "provider": "anthropic", "model": msg.get("model"),
            "input_tokens": int(usage.get("input_tokens") or 0) + cache_read + cache_write,
            "cached_input_tokens": cache_read, "cache_write_tokens": cache_write,
            "output_tokens": usage.get("output_tokens"), "task_id": doc.get("sessionId"), "feature": "claude-code",
            "stream_outcome": StreamOutcome.COMPLETED,
        })
    return rows


def _codex_rows(path: Path) -> list[dict[str, Any]]:
    """Codex CLI session logs (~/.codex/sessions/**/*.jsonl), read as ccusage reads them: each
    token_count event's last_token_usage is one model call; the model comes from turn_context."""
    rows, model, session = [], None, path.stem
    for lineno, doc in _json_lines(path):
        payload = doc.get("payload") or {}
        if doc.get("type") == "session_meta":
            session = payload.get("id") or session
        if doc.get("type") == "turn_context":
            model = payload.get("model") or model
        info = payload.get("info") if payload.get("type") == "token_count" else None
        usage = (info or {}).get("last_token_usage")
        if not usage:
            continue
        rows.append({
            "__line": lineno, "ts": doc.get("timestamp"), "request_id": f"codex:{session}:{doc.get('timestamp')}",
            "provider": "openai", "model": model or "gpt-5-codex",
            "input_tokens": usage.get("input_tokens"), "cached_input_tokens": usage.get("cached_input_tokens"),
            "output_tokens": usage.get("output_tokens"), "reasoning_tokens": usage.get("reasoning_output_tokens"),
            "task_id": session, "feature": "codex", "stream_outcome": StreamOutcome.COMPLETED,
        })
    return rows


def _langfuse_rows(path: Path) -> list[dict[str, Any]]:
    """Langfuse observation exports (JSON lines): GENERATION observations with their usage."""
    rows = []
    for lineno, doc in _json_lines(path):
        if doc.get("type") not in ("GENERATION", None):
            continue
        details = doc.get("usageDetails") or {}
        usage = doc.get("usage") or {}
        model = doc.get("providedModelName") or doc.get("model")
        cache_read = details.get("cache_read_input_tokens", details.get("input_cached_tokens"))
        rows.append({
            "__line": lineno, "ts": doc.get("startTime"), "request_id": doc.get("id"),
            "provider": (doc.get("metadata") or {}).get("provider") or _provider_of(model), "model": model,
            "input_tokens": details.get("input", usage.get("input", doc.get("promptTokens"))),
            "output_tokens": details.get("output", usage.get("output", doc.get("completionTokens"))),
            "cached_input_tokens": cache_read, "task_id": doc.get("traceId"), "feature": doc.get("name"),
            "stream_outcome": StreamOutcome.ERROR if doc.get("level") == "ERROR" else StreamOutcome.COMPLETED,
            "latency_ms": None,
        })
    return rows


ROW_READERS = {"otel": "_otel_rows", "claude-code": "_claude_code_rows", "codex": "_codex_rows", "langfuse": "_langfuse_rows"}


def _litellm(lf: pl.LazyFrame) -> pl.LazyFrame:
    """LiteLLM SpendLogs: request_id, startTime, model, custom_llm_provider, prompt/completion tokens, team_id."""
    names = lf.collect_schema().names()
    pick = lambda *cands: next((pl.col(c) for c in cands if c in names), pl.lit(None))  # noqa: E731
    return lf.select(
        pick("request_id").alias("request_id"), pick("startTime").alias("ts"),
        pick("custom_llm_provider").alias("provider"), pick("model").alias("model"),
        pick("prompt_tokens").alias("input_tokens"), pick("completion_tokens").alias("output_tokens"),
        pick("team_id").alias("project_id"), pick("api_key").alias("api_key_id"),
        pick("status").alias("__status"), *([pl.col("__line")] if "__line" in names else []),
    ).with_columns(
        pl.when(pl.col("__status").cast(pl.String) == "failure").then(pl.lit(StreamOutcome.ERROR)).otherwise(pl.lit(StreamOutcome.COMPLETED)).alias("stream_outcome")
    ).drop("__status")


def detect_format(path: Path) -> str:
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        with open(path, encoding="utf-8") as fh:
            head = fh.readline()
        if '"resourceSpans"' in head:
            return "otel"
        if '"startTime"' in head and '"spend"' in head:
            return "litellm"
        if '"sessionId"' in head and ('"message"' in head or '"type"' in head):
            return "claude-code"
        if '"payload"' in head and '"timestamp"' in head:
            return "codex"
        if '"traceId"' in head and ('"GENERATION"' in head or '"usageDetails"' in head):
            return "langfuse"
    elif path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8") as fh:
            head = fh.readline()
        if "startTime" in head and "spend" in head:
            return "litellm"
    return "generic"


def read_requests(path: Path, fmt: str = "auto", mapping: dict[str, str] | None = None, source: str | None = None) -> tuple[pl.LazyFrame, int]:
    """A validated lazy frame in the requests schema plus `__bad_*` flags and a `__line` column."""
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt in ROW_READERS:
        rows = globals()[ROW_READERS[fmt]](path)
        lf = pl.DataFrame(rows, infer_schema_length=None).lazy() if rows else pl.DataFrame(schema={"__line": pl.Int64, "ts": pl.Datetime("us", "UTC"), "request_id": pl.String, "provider": pl.String, "model": pl.String}).lazy()
        first = 0
    else:
        lf, first = _scan(path)
        lf = lf.with_row_index("__line", offset=first)
        if fmt == "litellm":
            lf = _litellm(lf)
    lf = generic_frame(lf, mapping).with_columns(
        pl.lit(source or f"requests:{fmt}").alias("source"),
        pl.lit(Provenance.LOGGED).alias("__provenance"),
    )
    names = lf.collect_schema().names()
    if "provenance" not in names:
        lf = lf.with_columns(pl.col("__provenance").alias("provenance"))
    for c, default in (("attempt", 1), ("stream_outcome", StreamOutcome.UNKNOWN), ("project_id", ""), ("api_key_id", "")):
        if c not in names:
            lf = lf.with_columns(pl.lit(default).alias(c))
    return lf.with_columns(pl.col("provider").cast(pl.String).str.to_lowercase()), first


def ingest_request_files(store: Store, paths: list[Path], fmt: str = "auto", mapping: dict[str, str] | None = None,
                         skip_bad_rows: bool = False) -> IngestReport:
    """Validate every file first; write only when all are good (or bad rows are to be skipped)."""
    report = IngestReport()
    frames = []
    (store.root / "_state").mkdir(parents=True, exist_ok=True)
    # Parse each file once: stream it to Parquet with its validation flags, then check the
    # flags and load from the Parquet copy (text formats cost far more to parse than to read).
    with tempfile.TemporaryDirectory(dir=store.root / "_state", prefix=".ingest-") as tmp:
        for i, path in enumerate(paths):
            lf, _ = read_requests(Path(path), fmt, mapping)
            staged = Path(tmp) / f"{i}.parquet"
            lf.sink_parquet(staged)
            lf = pl.scan_parquet(staged)
            flag_cols = [c for c in lf.collect_schema().names() if c.startswith("__bad_")]
            any_bad = pl.any_horizontal(flag_cols) if flag_cols else pl.lit(False)
            bad = lf.filter(any_bad).select("__line", *flag_cols).head(1000).collect()
            for row in bad.iter_rows(named=True):
                fieldname = next(c.removeprefix("__bad_") for c in flag_cols if row[c])
                report.bad.append(BadRow(str(path), int(row["__line"]), fieldname, "missing or not a valid value"))
            if bad.height and not skip_bad_rows:
                more = f" (and {bad.height - 1} more)" if bad.height > 1 else ""
                raise InputError(f"{report.bad[0]}{more}; nothing was stored (use --skip-bad-rows to skip them)")
            frames.append(lf.filter(~any_bad).drop(*flag_cols, "__line", "__provenance"))
        data = pl.concat([REQUESTS_TABLE.conform(f) for f in frames], how="vertical")
        report.result = store.upsert(REQUESTS_TABLE, data)
    report.rows = report.result.added + report.result.changed + report.result.unchanged
    return report


assert set(REQUIRED) <= set(REQUESTS.names())
