"""The sample generator: deterministic bytes, and planted anomalies equal to ground_truth.json."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from finops.sample.generate import GeneratorConfig, generate, write

SMALL = GeneratorConfig(seed=11, days=200, requests=30_000)


@pytest.fixture(scope="module")
def default_sample():
    return generate(GeneratorConfig())


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write(generate(SMALL), tmp_path / "a")
    b = write(generate(SMALL), tmp_path / "b")
    assert a == b
    for name in a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_other_seed_other_data(tmp_path: Path) -> None:
    a = write(generate(SMALL), tmp_path / "a")
    b = write(generate(GeneratorConfig(seed=12, days=200, requests=30_000)), tmp_path / "b")
    assert a["requests/requests.parquet"] != b["requests/requests.parquet"]


def test_committed_sample_is_what_the_generator_makes(tmp_path: Path, sample_dir: Path, default_sample) -> None:
    manifest = write(default_sample, tmp_path)
    committed = json.loads((sample_dir / "manifest.json").read_text())
    assert manifest.keys() == committed.keys()
    for name, digest in manifest.items():
        if name.endswith(".parquet"):
            # Parquet bytes name the writer's version (created_by) and follow its encoder: a newer
            # polars writes other bytes for the same table, so the table is what must match.
            assert pl.read_parquet(tmp_path / name).equals(pl.read_parquet(sample_dir / name)), name
        else:
            assert digest == committed[name], name


def test_sample_shape(default_sample, ground_truth: dict) -> None:
    s = default_sample
    log = s.local_log()
    assert (s.days[-1] - s.days[0]).days + 1 >= 540  # 18 months of daily history
    assert log.select(pl.col("ts").dt.date().n_unique()).item() == len(s.days)
    assert set(log["provider"].unique()) == {"openai", "anthropic"}
    models = set(s.priced["model"].unique())
    assert len(models) >= 6
    assert any(m.startswith("o3") for m in models) and any(m.startswith("text-embedding") for m in models)
    assert log["project_id"].n_unique() >= 5 and log["feature"].n_unique() >= 5
    # Weekly seasonality: weekends are quieter than weekdays.
    daily = log.group_by(pl.col("ts").dt.date().alias("d")).agg(pl.len().alias("n"))
    by_dow = daily.group_by(pl.col("d").dt.weekday().alias("dow")).agg(pl.col("n").mean()).sort("dow")
    assert by_dow["n"][5] < 0.7 * by_dow["n"][1]
    # Growth: the last quarter is busier than the first.
    assert daily.sort("d")["n"].tail(90).mean() > 1.2 * daily.sort("d")["n"].head(90).mean()


def test_holiday_troughs(default_sample) -> None:
    log = default_sample.local_log()
    daily = dict(log.group_by(pl.col("ts").dt.date().alias("d")).agg(pl.len()).iter_rows())
    # Christmas Day 2025 (a Thursday) against the Thursdays either side.
    assert daily[date(2025, 12, 25)] < 0.7 * (daily[date(2025, 12, 11)] + daily[date(2026, 1, 15)]) / 2
    # Japanese Golden Week hits the Japanese support feature hardest.
    ja = dict(log.filter(pl.col("feature") == "support-ja").group_by(pl.col("ts").dt.date().alias("d")).agg(pl.len()).iter_rows())
    assert ja[date(2026, 5, 5)] < 0.6 * ja[date(2026, 5, 12)]


def _anomaly(gt: dict, cause: str) -> dict:
    return next(a for a in gt["anomalies"] if a["cause"] == cause)


def test_planted_anomalies_match_ground_truth(default_sample, ground_truth: dict) -> None:
    s = default_sample
    assert s.ground_truth == ground_truth
    log = s.local_log()

    retry = _anomaly(ground_truth, "retry_double_billing")
    dropped = log.filter(pl.col("stream_outcome") == "dropped")
    assert dropped.height == retry["dropped_attempts"] > 0
    assert set(dropped["project_id"]) == {retry["project_id"]}
    days = dropped["ts"].dt.date()
    assert days.min().isoformat() == retry["start"] and days.max().isoformat() == retry["end"]
    assert dropped["input_tokens"].null_count() == dropped.height  # our counters never saw them
    assert log.filter(pl.col("attempt") == 2).height == retry["dropped_attempts"]

    unlogged = _anomaly(ground_truth, "unlogged_traffic")
    assert log.filter(pl.col("project_id") == unlogged["project_id"]).height == 0
    billed_projects = set(s.priced.filter(pl.col("quantity") > 0)["project_id"])
    assert unlogged["project_id"] in billed_projects

    drift = _anomaly(ground_truth, "tokenizer_drift")
    ja = s.rows.filter(pl.col("feature") == drift["feature"])
    local_in = ja["input_tokens"].sum()
    billed_in = (ja["b_input_uncached"] + ja["b_input_cache_read"] + ja["b_input_cache_write_5m"]).sum()
    assert billed_in / local_in == pytest.approx(drift["ratio"], rel=1e-6)
    assert 1.1 < drift["ratio"] < 1.3 and drift["language"] == "ja"

    evict = _anomaly(ground_truth, "cache_eviction")
    agents = s.rows.filter((pl.col("project_id") == evict["project_id"]) & pl.col("logged"))
    missing_reads = (agents["cached_input_tokens"] - agents["b_input_cache_read"]).sum()
    assert missing_reads == evict["evicted_tokens"] > 0

    price = _anomaly(ground_truth, "price_mismatch")
    changed = s.priced.filter(pl.col("billed_usd_per_million") != pl.col("catalog_usd_per_million"))
    assert changed["day"].min().isoformat() == price["start"]
    assert set(changed["token_class"]) == {price["token_class"]}
    assert price["dollar_impact"] == pytest.approx(
        (changed["quantity"] * (price["billed_usd_per_million"] - price["catalog_usd_per_million"]) / 1e6).sum(), rel=1e-9
    )
    # Outside the planted anomalies the local counts equal the billed counts exactly.
    clean = s.rows.filter(
        pl.col("logged") & (pl.col("stream_outcome") == "completed") & (pl.col("_drift_extra") == 0) & (pl.col("_evicted") == 0)
    )
    billed_total = clean["b_input_uncached"] + clean["b_input_cache_read"] + clean["b_input_cache_write_5m"] + clean["b_embedding"]
    assert (billed_total == clean["input_tokens"]).all()
