"""Bad rows: named by file, line and field with the reason; nothing stored unless skipped."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.connectors.request_logs import BadRowsError, ingest_request_files
from finops.cli import app
from finops.store import Store

DATA = Path(__file__).parent / "data" / "request_logs"


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*.parquet")}


@pytest.fixture()
def sample_jsonl(sample_dir: Path, tmp_path: Path) -> Path:
    df = pl.read_parquet(sample_dir / "requests" / "requests.parquet").head(300)
    path = tmp_path / "requests.jsonl"
    df.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")).write_ndjson(path)
    return path


def _break_line(path: Path, lineno: int, old: str, new: str) -> None:
    lines = path.read_text().splitlines()
    assert old in lines[lineno - 1]
    lines[lineno - 1] = lines[lineno - 1].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n")


def test_bad_row_in_the_middle_stops_the_load_and_the_store_is_unchanged(sample_jsonl: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    ingest_request_files(store, [DATA / "generic.jsonl"])  # the store already holds something
    before = _snapshot(tmp_path / "store")
    _break_line(sample_jsonl, 150, '"output_tokens":', '"output_tokens":"n/a","was":')
    with pytest.raises(BadRowsError) as err:
        ingest_request_files(store, [DATA / "otel_genai_spans.jsonl", sample_jsonl])
    assert str(err.value).startswith(f"{sample_jsonl}:150: field 'output_tokens': 'n/a' is not a whole number; nothing was stored")
    assert err.value.problems.count == 1
    assert _snapshot(tmp_path / "store") == before  # not even the good first file was written
    report = ingest_request_files(store, [sample_jsonl], skip_bad_rows=True)
    assert report.result.added == 299 and [(b.line, b.field) for b in report.bad] == [(150, "output_tokens")]
    assert report.problems.count == 1 and store.read("requests").height == 5 + 299


def test_reasons_for_each_kind_of_bad_value(tmp_path: Path) -> None:
    rows = [
        {"ts": "2026-03-01T08:00:00Z", "request_id": "ok-1", "provider": "openai", "model": "gpt-4.1", "input_tokens": 5},
        {"ts": "yesterday", "request_id": "bad-ts", "provider": "openai", "model": "gpt-4.1"},
        {"ts": "2026-03-01T08:00:00Z", "request_id": "bad-neg", "provider": "openai", "model": "gpt-4.1", "output_tokens": -3},
        {"ts": "2026-03-01T08:00:00Z", "request_id": "bad-model", "provider": "openai", "model": ""},
        {"ts": "2026-03-01T08:00:00Z", "request_id": "bad-outcome", "provider": "openai", "model": "gpt-4.1", "stream_outcome": "half"},
        {"ts": "2026-03-01T08:00:00Z", "request_id": "bad-attempt", "provider": "openai", "model": "gpt-4.1", "attempt": 0},
    ]
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows[:3]) + "\n\n   \n" + "\n".join(json.dumps(r) for r in rows[3:]) + "\n")
    with pytest.raises(BadRowsError) as err:
        ingest_request_files(Store(tmp_path / "store"), [path])
    got = [(b.line, b.field, b.reason) for b in err.value.problems.rows]
    assert got == [  # blank lines count: the file's lines, not polars' records
        (2, "ts", "'yesterday' is not a timestamp (ISO 8601 or epoch)"),
        (3, "output_tokens", "-3 is negative"),
        (6, "model", "missing"),
        (7, "stream_outcome", "'half' is not one of completed, dropped, aborted, error, unknown"),
        (8, "attempt", "0 is below 1"),
    ]


def test_csv_lines_count_blank_lines_and_name_the_mapped_column(tmp_path: Path) -> None:
    maps = {"when": "ts", "response_id": "request_id", "vendor": "provider", "llm": "model", "tok_in": "input_tokens",
            "tok_cached": "cached_input_tokens", "tok_out": "output_tokens", "team": "project_id", "status": "stream_outcome"}
    with pytest.raises(BadRowsError, match=r"generic_mapped.csv:5: field 'tok_in': '1,200' is not a whole number"):
        ingest_request_files(Store(tmp_path / "store"), [DATA / "generic_mapped.csv"], mapping=maps)
    assert not list((tmp_path / "store").rglob("*.parquet"))


def test_adapters_name_the_field_as_the_export_does(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    text = (DATA / "otel_genai_spans.jsonl").read_text().replace('"intValue":"4000"', '"stringValue":"four thousand"')
    path.write_text(text)
    with pytest.raises(BadRowsError, match=r"spans.jsonl:2: field 'gen_ai.usage.input_tokens': 'four thousand' is not a whole number"):
        ingest_request_files(Store(tmp_path / "store"), [path])


def test_missing_required_column_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("ts,request_id,model\n2026-01-01T00:00:00Z,a,gpt-4.1\n")
    from finops.errors import InputError

    with pytest.raises(InputError, match=r"log.csv: missing column\(s\) provider \(map yours with --map"):
        ingest_request_files(Store(tmp_path / "store"), [path])


def test_cli_lists_bad_rows_and_leaves_the_sample_store_unchanged(finops_home: Path, sample_jsonl: Path) -> None:
    _break_line(sample_jsonl, 42, '"ts":"', '"ts":"not-a-time","x":"')
    before = _snapshot(finops_home / "store")
    result = CliRunner().invoke(app, ["ingest", str(sample_jsonl), "--kind", "requests"])
    assert isinstance(result.exception, BadRowsError) and result.exception.exit_code == 2
    assert f"bad row: {sample_jsonl}:42: field 'ts': 'not-a-time' is not a timestamp" in result.output
    assert _snapshot(finops_home / "store") == before
    ok = CliRunner().invoke(app, ["ingest", str(sample_jsonl), "--kind", "requests", "--skip-bad-rows"])
    assert ok.exit_code == 0, ok.output
    assert "skipped 1 bad row(s)" in ok.output and "requests.jsonl: generic -> requests:generic, 299 row(s), 1 bad" in ok.output


def test_parquet_bad_rows_are_named_by_row(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    path = tmp_path / "log.parquet"
    pl.DataFrame({
        "ts": [datetime(2026, 3, 1, h, tzinfo=timezone.utc) for h in (1, 2, 3)], "request_id": ["a", "b", "c"],
        "provider": ["openai"] * 3, "model": ["gpt-4.1", None, "gpt-4.1"], "input_tokens": [5, 6, -7],
    }).write_parquet(path)
    with pytest.raises(BadRowsError) as err:
        ingest_request_files(Store(tmp_path / "store"), [path])
    assert [str(b) for b in err.value.problems.rows] == [
        f"{path}: row 2: field 'model': missing", f"{path}: row 3: field 'input_tokens': -7 is negative"]
