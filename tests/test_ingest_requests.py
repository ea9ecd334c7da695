"""Request logs in every format, from small files shaped like each tool's documented export."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from finops.connectors.request_logs import detect_format, ingest_request_files
from finops.store import Store

DATA = Path(__file__).parent / "data" / "request_logs"


def _load(tmp_path: Path, *names: str, **kw) -> pl.DataFrame:
    store = Store(tmp_path / "store")
    ingest_request_files(store, [DATA / n for n in names], **kw)
    return store.read("requests").sort("ts", "request_id")


def _row(rows: pl.DataFrame, request_id: str) -> dict:
    return rows.filter(pl.col("request_id") == request_id).row(0, named=True)


@pytest.mark.parametrize("name, fmt", [
    ("generic.jsonl", "generic"), ("generic_mapped.csv", "generic"), ("text_only.csv", "generic"),
    ("otel_genai_spans.jsonl", "otel"), ("otel_flat_spans.jsonl", "otel"), ("litellm_spend_logs.csv", "litellm"),
    ("langfuse_observations.jsonl", "langfuse"), ("langfuse_export.json", "langfuse"),
    ("claude_code_session.jsonl", "claude-code"), ("codex_session.jsonl", "codex"),
])
def test_formats_are_recognised(name: str, fmt: str) -> None:
    assert detect_format(DATA / name) == fmt


def test_generic_jsonl_times_outcomes_and_provenance(tmp_path: Path) -> None:
    rows = _load(tmp_path, "generic.jsonl")
    assert rows.height == 5 and rows["input_tokens"].sum() == 4000 and rows["output_tokens"].sum() == 430
    utc = lambda *a: datetime(*a, tzinfo=timezone.utc)  # noqa: E731
    assert rows["ts"].to_list() == [utc(2026, 3, 1, 8, 0, 0, 250000), utc(2026, 3, 1, 8, 30), utc(2026, 3, 1, 9, 15),
                                    utc(2026, 3, 1, 9, 15), utc(2026, 3, 1, 9, 16)]
    ja = _row(rows, "msg_gen_002")  # "+09:00" offset, text count, capitalised values
    assert (ja["provider"], ja["stream_outcome"], ja["attempt"], ja["input_tokens"]) == ("anthropic", "dropped", 2, 2500)
    assert _row(rows, "chatcmpl-gen-003")["output_tokens"] == 50  # 50.0 is a whole number
    assert _row(rows, "chatcmpl-gen-003")["stream_outcome"] == "unknown" and _row(rows, "chatcmpl-gen-003")["project_id"] == ""
    assert _row(rows, "chatcmpl-gen-004")["provenance"] == "estimated"
    assert set(rows.filter(pl.col("request_id") != "chatcmpl-gen-004")["provenance"]) == {"logged"}
    assert set(rows["source"]) == {"requests:generic"}


def test_generic_round_trips_the_sample_log(sample_dir: Path, tmp_path: Path) -> None:
    expected = pl.read_parquet(sample_dir / "requests" / "requests.parquet").head(400)
    path = tmp_path / "sample.jsonl"
    expected.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")).write_ndjson(path)
    store = Store(tmp_path / "store")
    assert ingest_request_files(store, [path]).result.added == 400
    stored = store.read("requests").sort("request_id")
    assert stored.drop("source").equals(expected.sort("request_id").drop("source"))


def test_column_mapping_for_any_other_table(tmp_path: Path) -> None:
    maps = {"when": "ts", "response_id": "request_id", "vendor": "provider", "llm": "model", "tok_in": "input_tokens",
            "tok_cached": "cached_input_tokens", "tok_out": "output_tokens", "team": "project_id", "status": "stream_outcome"}
    rows = _load(tmp_path, "generic_mapped.csv", mapping=maps, skip_bad_rows=True)  # r-map-3 has "1,200" tokens
    assert rows["request_id"].to_list() == ["r-map-1", "r-map-2"]
    first = _row(rows, "r-map-1")
    assert first["ts"] == datetime(2026, 1, 2, 2, 4, 5, tzinfo=timezone.utc)  # +01:00 became UTC
    assert (first["input_tokens"], first["cached_input_tokens"], first["output_tokens"], first["project_id"]) == (10, 4, 5, "proj_a")
    assert _row(rows, "r-map-2")["cached_input_tokens"] is None and _row(rows, "r-map-2")["stream_outcome"] == "error"


def test_otel_spans_model_calls_only(tmp_path: Path) -> None:
    rows = _load(tmp_path, "otel_genai_spans.jsonl")
    assert rows.height == 3  # the HTTP span and the agent span (which sums its calls) are not requests
    assert rows["input_tokens"].sum() == 1200 + 4000 + 900 and rows["output_tokens"].sum() == 310 + 800 + 450
    chat = _row(rows, "chatcmpl-otel-001")
    assert (chat["cached_input_tokens"], chat["latency_ms"], chat["feature"], chat["model"]) == (512, 1250, "support-bot", "gpt-4.1-mini-2025-04-14")
    failed = _row(rows, "msg_otel_002")  # older gen_ai.system / cache_creation_input_tokens names
    assert (failed["provider"], failed["stream_outcome"], failed["cache_write_tokens"]) == ("anthropic", "error", 1000)
    agent_call = rows.filter(pl.col("request_id").str.starts_with("otel:")).row(0, named=True)  # no response id: trace:span
    assert agent_call["request_id"] == "otel:7c8efff798038103d269b633813fc60e:222a9b7ec3c1b178"
    assert (agent_call["reasoning_tokens"], agent_call["task_id"], agent_call["feature"]) == (256, "conv-42", "code-agent")


def test_otel_flat_spans(tmp_path: Path) -> None:
    rows = _load(tmp_path, "otel_flat_spans.jsonl")
    assert rows["request_id"].to_list() == ["chatcmpl-flat-001", "chatcmpl-flat-002"]
    assert rows["input_tokens"].to_list() == [700, 300] and rows["stream_outcome"].to_list() == ["completed", "error"]
    assert rows["model"].to_list() == ["gpt-4.1-2025-04-14", "gpt-4.1"] and set(rows["feature"]) == {"rag-search"}


def test_litellm_spend_logs(tmp_path: Path) -> None:
    rows = _load(tmp_path, "litellm_spend_logs.csv")
    assert rows.height == 4  # the cache hit never reached a provider
    assert rows["input_tokens"].sum() == 1200 + 2000 + 900 + 5000
    assert rows["cached_input_tokens"].to_list() == [512, 0, None, 4096]
    assert rows["feature"].to_list() == ["support-chat", "support-chat", None, "support-ja"]
    assert _row(rows, "chatcmpl-llm-003")["stream_outcome"] == "error"
    claude = _row(rows, "msg_01LiteAnthropic4")
    assert (claude["provider"], claude["project_id"], claude["latency_ms"]) == ("anthropic", "wrkspc_support", 3500)


def test_langfuse_observations_sum_usage_types(tmp_path: Path) -> None:
    rows = _load(tmp_path, "langfuse_observations.jsonl")
    assert rows["request_id"].to_list() == ["obs-lf-001", "obs-lf-003", "obs-lf-004"]  # the SPAN is not a call
    first = _row(rows, "obs-lf-001")  # input + input_cached_tokens; output + output_reasoning_tokens
    assert (first["input_tokens"], first["cached_input_tokens"], first["output_tokens"], first["reasoning_tokens"]) == (2500, 1000, 400, 100)
    assert (first["feature"], first["provider"], first["latency_ms"]) == ("rag-search", "openai", 2000)
    legacy = _row(rows, "obs-lf-003")
    assert (legacy["input_tokens"], legacy["output_tokens"], legacy["stream_outcome"], legacy["provider"]) == (8000, 650, "error", "anthropic")
    cached = _row(rows, "obs-lf-004")
    assert (cached["input_tokens"], cached["cached_input_tokens"], cached["cache_write_tokens"]) == (3520, 3000, 500)


def test_langfuse_json_array_export(tmp_path: Path) -> None:
    rows = _load(tmp_path, "langfuse_export.json")
    assert rows["request_id"].to_list() == ["obs-lf-001", "obs-lf-004"] and rows["input_tokens"].sum() == 2500 + 3520


def test_claude_code_sessions_as_ccusage_reads_them(tmp_path: Path) -> None:
    rows = _load(tmp_path, "claude_code_session.jsonl")
    assert rows["request_id"].to_list() == ["msg_cc_001", "msg_cc_002"]  # logged per content block, counted once; no synthetic
    assert rows["input_tokens"].to_list() == [12 + 4200 + 15000, 8 + 600 + 19200]
    assert rows["cached_input_tokens"].sum() == 34200 and rows["cache_write_tokens"].sum() == 4800
    assert rows["output_tokens"].sum() == 460 and set(rows["provider"]) == {"anthropic"} and set(rows["feature"]) == {"claude-code"}
    assert set(rows["task_id"]) == {"9f2c7e1a-5b1d-4c3e-9a77-1c2d3e4f5a6b"}


def test_codex_sessions_per_call_usage(tmp_path: Path) -> None:
    rows = _load(tmp_path, "codex_session.jsonl")
    assert rows.height == 3  # a repeated token_count event is the same call
    assert rows["input_tokens"].to_list() == [9000, 10500, 12000]  # the middle one from the running totals
    assert rows["cached_input_tokens"].to_list() == [4000, 8000, 10000]
    assert rows["reasoning_tokens"].to_list() == [320, 180, 300]
    assert rows["model"].to_list() == ["gpt-5-codex", "gpt-5-codex", "gpt-5"]
    assert rows["input_tokens"].sum() == 31500  # equals the session's final running total
    assert set(rows["task_id"]) == {"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}


def test_parquet_request_log_keeps_its_types(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    pl.DataFrame({
        "ts": [datetime(2026, 3, 1, 8, tzinfo=timezone.utc), datetime(2026, 3, 1, 9, tzinfo=timezone.utc)],
        "request_id": ["p-1", "p-2"], "provider": ["openai", "openai"], "model": ["gpt-4.1", "gpt-4.1"],
        "input_tokens": [1000, 2500], "output_tokens": [10, 20], "stream_outcome": ["completed", "completed"],
    }).write_parquet(path)
    store = Store(tmp_path / "store")
    report = ingest_request_files(store, [path])
    assert report.result.added == 2 and store.read("requests")["input_tokens"].sum() == 3500


def test_reloading_the_same_files_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    files = [DATA / "otel_genai_spans.jsonl", DATA / "litellm_spend_logs.csv", DATA / "codex_session.jsonl"]
    ingest_request_files(store, files)
    before = {p: p.read_bytes() for p in (tmp_path / "store").rglob("*.parquet")}
    again = ingest_request_files(store, files)
    assert again.result.added == 0 and again.result.changed == 0
    assert {p: p.read_bytes() for p in (tmp_path / "store").rglob("*.parquet")} == before


def test_jsonl_counts_written_as_text_or_floats_load_as_numbers(tmp_path: Path) -> None:
    """Counts are read as JSON numbers first; a file that writes "12", 12.0 or " 7 " is read again as text."""
    rows = [
        {"ts": "2026-03-01T08:00:00Z", "request_id": "a", "provider": "openai", "model": "gpt-4.1", "input_tokens": 10, "output_tokens": 3},
        {"ts": "2026-03-01T08:00:01Z", "request_id": "b", "provider": "openai", "model": "gpt-4.1", "input_tokens": "12", "output_tokens": 4.0},
        {"ts": "2026-03-01T08:00:02Z", "request_id": "c", "provider": "openai", "model": "gpt-4.1", "input_tokens": " 7 ", "attempt": "2"},
    ]
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = ingest_request_files(Store(tmp_path / "store"), [path])
    assert report.result.added == 3 and not report.problems
    got = Store(tmp_path / "store").read("requests").sort("request_id")
    assert got["input_tokens"].to_list() == [10, 12, 7]
    assert got["output_tokens"].to_list() == [3, 4, None]
    assert got["attempt"].to_list() == [1, 1, 2]


def test_a_new_day_of_logs_is_added_without_rewriting_the_month(tmp_path: Path) -> None:
    """A log of new requests becomes a new part as it was staged; the month's stored part stays."""
    def day_log(day: int) -> Path:
        rows = [{"ts": f"2026-03-{day:02d}T08:00:{i:02d}Z", "request_id": f"d{day}-{i}", "provider": "openai",
                 "model": "gpt-4.1", "input_tokens": 10 + i, "output_tokens": 3} for i in range(30)]
        path = tmp_path / f"day{day}.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        return path

    store = Store(tmp_path / "store")
    ingest_request_files(store, [day_log(1)])
    first = {p: p.stat().st_mtime_ns for p in (tmp_path / "store" / "requests").rglob("*.parquet")}
    report = ingest_request_files(store, [day_log(2)])
    assert report.result.added == 30
    parts = {p: p.stat().st_mtime_ns for p in (tmp_path / "store" / "requests").rglob("*.parquet")}
    assert len(parts) == 2 and all(parts[p] == m for p, m in first.items())
    assert Store(tmp_path / "store").read("requests")["input_tokens"].sum() == 2 * sum(10 + i for i in range(30))
    assert ingest_request_files(store, [day_log(2)]).result.unchanged == 30  # a re-load adds nothing


def test_the_provider_is_read_from_a_model_name_whatever_its_case() -> None:
    """Exports that name the model but not the provider: the prefix decides, in any case."""
    from finops.connectors.request_logs.vendors import provider_from_model

    names = pl.Series(["GPT-4o", "claude-sonnet-4", "Models/Gemini-2.5-pro", "o3-mini", "Llama-3", "acme-1", None])
    got = pl.select(provider_from_model(pl.lit(names))).to_series().to_list()
    assert got == ["openai", "anthropic", "google", "openai", "meta", None, None]
