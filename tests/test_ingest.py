"""Ingest: request logs in several formats, dedup across sources, bad rows, FOCUS and COGS files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from connectors.focus_file import read_focus
from connectors.request_logs import ingest_request_files
from finops.cli import app
from finops.errors import InputError
from finops.store import Store

DATA = Path(__file__).parent / "data"


@pytest.fixture()
def generic_jsonl(sample_dir: Path, tmp_path: Path) -> Path:
    df = pl.read_parquet(sample_dir / "requests" / "requests.parquet").head(300)
    path = tmp_path / "requests.jsonl"
    df.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")).write_ndjson(path)
    return path


def test_generic_jsonl_round_trips(generic_jsonl: Path, sample_dir: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    report = ingest_request_files(store, [generic_jsonl])
    assert report.result.added == 300
    stored = store.read("requests").sort("request_id")
    expected = pl.read_parquet(sample_dir / "requests" / "requests.parquet").head(300).sort("request_id")
    assert stored.drop("source").equals(expected.drop("source"))
    assert stored["input_tokens"].sum() == expected["input_tokens"].sum()


def test_bad_row_in_the_middle_names_file_line_field_and_stores_nothing(generic_jsonl: Path, tmp_path: Path) -> None:
    lines = generic_jsonl.read_text().splitlines()
    lines[149] = lines[149].replace('"output_tokens":', '"output_tokens":"n/a","x":', 1)
    generic_jsonl.write_text("\n".join(lines) + "\n")
    store = Store(tmp_path / "s")
    with pytest.raises(InputError, match=r"requests.jsonl:150: field 'output_tokens'"):
        ingest_request_files(store, [generic_jsonl])
    assert store.read("requests").height == 0 and not list((tmp_path / "s").rglob("*.parquet"))
    report = ingest_request_files(store, [generic_jsonl], skip_bad_rows=True)
    assert report.result.added == 299 and [b.line for b in report.bad] == [150]


def test_otel_and_litellm_dedup_on_request_id(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    otel = ingest_request_files(store, [DATA / "otel_genai_spans.jsonl"])
    assert otel.result.added == 2  # the non-gen_ai HTTP span is not a request
    lite = ingest_request_files(store, [DATA / "litellm_spend_logs.csv"])
    assert lite.result.added == 2  # chatcmpl-otel-001 was already there
    rows = store.read("requests").sort("request_id")
    assert rows.height == 4
    otel_row = rows.filter(pl.col("request_id") == "chatcmpl-otel-001").row(0, named=True)
    assert (otel_row["input_tokens"], otel_row["output_tokens"]) == (1200, 310)
    failed = rows.filter(pl.col("request_id") == "msg_otel_002").row(0, named=True)
    assert failed["stream_outcome"] == "error" and failed["provider"] == "anthropic"
    assert rows.filter(pl.col("request_id") == "chatcmpl-llm-003")["stream_outcome"][0] == "error"
    assert rows["input_tokens"].sum() == 1200 + 4000 + 2000 + 900


def test_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("when,id,vendor,llm,tok_in,tok_out\n2026-01-02T03:04:05+01:00,r1,openai,gpt-4.1,10,5\n")
    store = Store(tmp_path / "s")
    ingest_request_files(store, [path], "generic", {"when": "ts", "id": "request_id", "vendor": "provider", "llm": "model",
                                                     "tok_in": "input_tokens", "tok_out": "output_tokens"})
    row = store.read("requests").row(0, named=True)
    assert row["ts"].hour == 2 and row["input_tokens"] == 10  # the +01:00 offset became UTC


def test_focus_import_keeps_ai_rows_and_maps_token_skus() -> None:
    lines = read_focus(DATA / "focus_aws_bedrock.csv")
    assert lines.height == 3  # the EC2 row is not AI spend
    assert lines["BilledCost"].sum() == pytest.approx(10.65)
    assert sorted(lines["x_TokenClass"].to_list()) == ["input_cache_read", "input_uncached", "output"]
    assert set(lines["ServiceProviderName"]) == {"AWS"} and set(lines["HostProviderName"]) == {"Anthropic"}


def test_focus_bad_value_names_line_and_field(tmp_path: Path) -> None:
    text = (DATA / "focus_aws_bedrock.csv").read_text().splitlines()
    text[2] = text[2].replace("7.500000", "seven", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match=r"bad.csv:3: field 'BilledCost'"):
        read_focus(bad)


def test_cli_ingest_cogs_bad_row_leaves_store_unchanged(finops_home: Path, sample_dir: Path, tmp_path: Path) -> None:
    text = (sample_dir / "cogs" / "human_review.csv").read_text().splitlines()
    text[5] = text[5].replace(",USD", ",USD").split(",")
    text[5][4] = "twelve"
    text[5] = ",".join(text[5])
    bad = tmp_path / "review.csv"
    bad.write_text("\n".join(text) + "\n")
    before = {p: p.read_bytes() for p in (finops_home / "store").rglob("*.parquet")}
    result = CliRunner().invoke(app, ["ingest", str(bad), "--kind", "review"])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError) and "review.csv:6: field 'reviewer_minutes'" in str(result.exception)
    assert {p: p.read_bytes() for p in (finops_home / "store").rglob("*.parquet")} == before


def test_coding_agent_and_langfuse_logs_join_the_ledger(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    for name in ("claude_code_session.jsonl", "codex_session.jsonl", "langfuse_observations.jsonl"):
        ingest_request_files(store, [DATA / name])
    rows = store.read("requests").sort("ts")
    cc = rows.filter(pl.col("feature") == "claude-code")
    assert cc.height == 2 and cc["input_tokens"].to_list() == [12 + 4200 + 15000, 8 + 600 + 19200]
    assert cc["cached_input_tokens"].sum() == 34200 and cc["cache_write_tokens"].sum() == 4800 and set(cc["provider"]) == {"anthropic"}
    codex = rows.filter(pl.col("feature") == "codex")
    assert codex["input_tokens"].to_list() == [9000, 10500] and codex["reasoning_tokens"].sum() == 500  # last, not total, usage
    assert set(codex["model"]) == {"gpt-5-codex"}
    lf = rows.filter(pl.col("request_id").str.starts_with("obs-lf"))
    assert lf.height == 2 and lf["input_tokens"].sum() == 10500 and set(lf["provider"]) == {"openai", "anthropic"}
    assert lf.filter(pl.col("request_id") == "obs-lf-003")["stream_outcome"][0] == "error"


def test_text_only_logs_are_counted_and_marked_estimated(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "no-cache"))  # nothing cached: the estimate is used
    from connectors import token_count

    token_count._encoder.cache_clear()
    store = Store(tmp_path / "s")
    ingest_request_files(store, [DATA / "text_only.csv"])
    rows = store.read("requests").sort("request_id")
    assert set(rows["provenance"]) == {"estimated"}
    ja = rows.filter(pl.col("request_id") == "txt-1").row(0, named=True)
    assert ja["input_tokens"] == 28 + 1  # 28 kana/kanji at one token each, two "。" at a quarter each, rounded up
    en = rows.filter(pl.col("request_id") == "txt-2").row(0, named=True)
    assert en["input_tokens"] == (len("Summarise the attached contract in three bullet points please.") + 3) // 4
