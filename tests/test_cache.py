"""Prompt-cache figures (issue 21, docs/cache.md): hit rate, saved, write premium, lost to misses and evictions.

The sample's figures are checked against an independent reading of the committed request
log and against ground_truth.json; the pure parts on frames built here; the CLI in-process.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.models.cache import misses, money, table
from finops.models.cache.days import CACHE_DAYS, logged_from_requests
from finops.models.pricing.catalog import load_catalog

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture()
def home(finops_home: Path) -> Path:
    for name in ("finops.toml", "fx_rates.csv"):
        shutil.copy(REPO / "sample_data" / name, finops_home / name)
    return finops_home


def test_sample_hit_rate_is_reads_over_cacheable_input_of_the_log(home: Path, sample_dir: Path) -> None:
    doc = json.loads(invoke("cache", "--format", "json"))
    fig = {f["name"]: f for f in doc["figures"]}
    log = pl.read_parquet(sample_dir / "requests" / "requests.parquet").filter(
        ~pl.col("model").str.contains("embedding") & pl.col("cached_input_tokens").is_not_null())
    expected = log["cached_input_tokens"].sum() / log["input_tokens"].sum() * 100
    assert fig["cache_hit_rate"]["value"] == pytest.approx(expected)
    assert fig["cache_hit_rate"]["provenance"] == "logged"
    assert fig["cache_hit_rate_metered"]["provenance"] == "metered"
    assert 0 < fig["cache_hit_rate_metered"]["value"] < fig["cache_hit_rate"]["value"]  # evictions and unlogged traffic
    # every row carries its provenance; by feature there are only logged rows (usage APIs carry no feature)
    assert {r["provenance"] for r in doc["rows"]} == {"logged"}
    by_feature = {r["feature"]: r for r in doc["rows"]}
    assert by_feature["doc-summarize"]["reads"] == 0
    assert by_feature["code-agent"]["hit_rate_pct"] > 70


def test_sample_saved_dollars_price_reads_at_the_catalog(home: Path, sample_dir: Path) -> None:
    doc = json.loads(invoke("cache", "--by", "model", "--format", "json"))
    saved = next(f for f in doc["figures"] if f["name"] == "cache_saved")
    from finops.commands._common import get_context
    from finops.models.pricing.lookup import price

    catalog = get_context().catalog  # the configured catalog (with the sample's [pricing] settings)
    log = pl.read_parquet(sample_dir / "requests" / "requests.parquet").filter(~pl.col("model").str.contains("embedding"))
    per_day = log.group_by("provider", "model", pl.col("ts").dt.date().alias("day")).agg(pl.col("cached_input_tokens").sum())
    keys = per_day.select("provider", "model", "day").join(
        pl.DataFrame({"token_class": ["input_uncached", "input_cache_read"]}), how="cross")
    rates = price(keys, catalog).pivot(on="token_class", index=["provider", "model", "day"], values="usd_per_million")
    total = per_day.join(rates, on=["provider", "model", "day"]).select(
        (pl.col("cached_input_tokens") * (pl.col("input_uncached") - pl.col("input_cache_read")) / 1e6).sum()).item()
    assert saved["value"] == pytest.approx(total, rel=1e-9)
    assert saved["provenance"] == "logged" and saved["unit"] == "USD"
    assert {r["provenance"] for r in doc["rows"]} == {"logged", "metered"}


def test_sample_eviction_dollars_are_reconciles_and_the_planted_ones(home: Path, ground_truth: dict) -> None:
    doc = json.loads(invoke("cache", "--format", "json"))
    fig = {f["name"]: f for f in doc["figures"]}
    planted = next(a for a in ground_truth["anomalies"] if a["id"] == "cache-eviction")
    assert fig["cache_lost_evictions"]["value"] == pytest.approx(planted["dollar_impact"], rel=0.01)
    assert fig["cache_lost_evictions"]["evicted_reads"] == planted["evicted_tokens"]
    rec = json.loads(invoke("reconcile", "--format", "json"))
    term = next(t for t in rec["summary_terms"]["terms"] if t["name"] == "cause_cache_eviction")
    assert fig["cache_lost_evictions"]["value"] == pytest.approx(term["value"], rel=1e-9)
    rows = {r["feature"]: r for r in doc["rows"]}
    assert rows[planted["feature"]]["lost_eviction_usd"] == pytest.approx(planted["dollar_impact"], rel=0.01)
    assert fig["cache_lost"]["value"] == pytest.approx(fig["cache_lost_misses"]["value"] + fig["cache_lost_evictions"]["value"])


def test_cli_options_and_errors(home: Path) -> None:
    out = invoke("cache", "--by", "key", "--since", "2026-08-01", "--until", "2026-08-31")
    assert "Prompt cache by key, 2026-08-01 to 2026-08-31" in out
    assert "Cache hit rate · reads / cacheable input · logged" in out
    rows = json.loads(invoke("cache", "--by", "project", "--since", "2026-08-18", "--until", "2026-08-24", "--format", "json"))
    assert rows["start"] == "2026-08-18" and all("project_id" in r for r in rows["rows"])
    bad = runner.invoke(app, ["cache", "--by", "colour"])
    assert bad.exit_code != 0 and "--by" in str(bad.exception or bad.output)
    late = runner.invoke(app, ["cache", "--since", "2026-09-01", "--until", "2026-08-01"])
    assert late.exit_code != 0


def _write_log(path: Path, with_counts: bool) -> None:
    rows = []
    for i in range(40):
        row = {"ts": f"2026-03-{1 + i // 4:02d}T10:{i % 60:02d}:00Z", "request_id": f"r{i}", "provider": "openai",
               "model": "gpt-4.1-mini-2025-04-14", "project_id": "proj_x", "feature": "chat",
               "input_tokens": 3000, "output_tokens": 200}
        if with_counts:
            row["cached_input_tokens"] = 1500
        rows.append(row)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_log_without_cache_counts_says_so_instead_of_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FINOPS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    _write_log(tmp_path / "calls.jsonl", with_counts=False)
    invoke("ingest", str(tmp_path / "calls.jsonl"))
    doc = json.loads(invoke("cache", "--format", "json", "--today", "2026-03-20"))
    fig = {f["name"]: f for f in doc["figures"]}
    assert fig["cache_hit_rate"]["value"] is None
    assert fig["cache_hit_rate"]["note"] == "no cache counts in this log"
    assert doc["rows"][0]["hit_rate_pct"] is None and doc["rows"][0]["counted"] == 0
    assert any("no cache counts in this log" in n for n in doc["notes"])
    assert "no counts" in invoke("cache", "--today", "2026-03-20")
    # the same log with counts: a real hit rate
    _write_log(tmp_path / "calls.jsonl", with_counts=True)
    invoke("ingest", str(tmp_path / "calls.jsonl"))
    fig = {f["name"]: f for f in json.loads(invoke("cache", "--format", "json", "--today", "2026-03-20"))["figures"]}
    assert fig["cache_hit_rate"]["value"] == pytest.approx(50.0)


def _rows(days: list[date], reads_share: list[float], model: str = "gpt-4.1-mini-2025-04-14") -> pl.DataFrame:
    n = len(days)
    return pl.DataFrame({
        "day": days, "provider": ["openai"] * n, "model": [model] * n, "project_id": ["p"] * n, "api_key_id": ["k"] * n,
        "feature": ["chat"] * n, "provenance": ["logged"] * n, "requests": [100] * n, "counted": [100] * n,
        "input": [1_000_000] * n, "reads": [int(1_000_000 * s) for s in reads_share], "writes_5m": [0] * n,
        "writes_1h": [0] * n, "writes_unknown": [0] * n,
    }, schema=CACHE_DAYS)


def test_unpriced_model_stays_unpriced_never_zero() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(3)]
    frame = money.with_money(_rows(days, [0.5] * 3, model="house-model-7b"), load_catalog())
    assert frame["saved_usd"].null_count() == 3
    summed = table.summed(frame, ["feature"])
    assert summed["saved_usd"][0] is None and summed["unpriced"][0] == 3


def test_a_miss_episode_is_found_and_a_steady_series_is_not() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(60)]
    steady = [0.6 + 0.02 * ((i * 7) % 5 - 2) / 2 for i in range(60)]
    rule = misses.MissRule()
    priced = money.with_money(_rows(days, steady), load_catalog())
    assert misses.series_days(priced, rule)["miss"].sum() == 0
    dropped = [0.05 if 40 <= i < 45 else s for i, s in enumerate(steady)]
    priced = money.with_money(_rows(days, dropped), load_catalog())
    series = misses.series_days(priced, rule)
    rows = misses.with_missed(priced, series).with_columns(money.read_gap_usd(pl.col("missed_reads")).alias("lost_miss_usd"))
    eps = misses.episodes(series, rows)
    assert eps.height == 1
    e = eps.row(0, named=True)
    assert (e["start"], e["end"], e["days"]) == (days[40], days[44], 5)
    baseline = float(pl.Series(steady[12:40]).median())
    assert e["missed_reads"] == pytest.approx(5 * 1_000_000 * (baseline - 0.05), rel=0.02)
    # gpt-4.1-mini: $0.40 uncached vs $0.10 cached per million in the catalog
    assert e["lost_usd"] == pytest.approx(e["missed_reads"] * 0.30 / 1e6, rel=1e-6)


def test_logged_rows_from_raw_requests_count_rows_without_counts() -> None:
    ts = pl.datetime(2026, 1, 1, 12, time_zone="UTC")
    frame = pl.DataFrame({"request_id": ["a", "b", "c"], "provider": ["anthropic"] * 3, "model": ["claude-sonnet-4-5"] * 3,
                          "input_tokens": [1000, 1000, 1000], "cached_input_tokens": [600, None, 0],
                          "cache_write_tokens": [100, None, 300], "cache_write_1h_tokens": [None, None, 300]}).with_columns(ts.alias("ts"))
    for c in ("project_id", "api_key_id", "feature"):
        frame = frame.with_columns(pl.lit(None, pl.String).alias(c))
    out = logged_from_requests(frame.lazy()).collect()
    r = out.row(0, named=True)
    assert (r["requests"], r["counted"], r["input"], r["reads"]) == (3, 2, 2000, 600)
    assert (r["writes_5m"], r["writes_1h"], r["writes_unknown"]) == (100, 300, 100)
