"""Reconciliation of the committed sample: every planted anomaly found, right dollars, CLI exit codes."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest
from test_reconcile_support import found, matches, reconcile, score
from typer.testing import CliRunner

from finops.cli import app
from finops.errors import InputError
from finops.reconcile import ReconcileResult, Thresholds
from finops.store import Store

runner = CliRunner()


@pytest.fixture(scope="module")
def result(sample_store_path: Path) -> ReconcileResult:
    return reconcile(Store(sample_store_path))


def test_default_seed_recall_and_precision_are_one(result: ReconcileResult, ground_truth: dict) -> None:
    recall, precision = score(found(result.causes), ground_truth["anomalies"])
    assert (recall, precision) == (1.0, 1.0), found(result.causes)
    assert result.summary["unexplained_usd"] == 0 and result.exit_code == 0


def test_dollar_impact_within_one_percent(result: ReconcileResult, ground_truth: dict) -> None:
    for truth in ground_truth["anomalies"]:
        match = next(f for f in found(result.causes) if matches(f, truth))
        assert match["dollars"] == pytest.approx(truth["dollar_impact"], rel=0.01), truth["cause"]


def test_findings_carry_their_evidence(result: ReconcileResult, ground_truth: dict) -> None:
    truth = {t["cause"]: t for t in ground_truth["anomalies"]}
    rows = {r["cause"]: r for r in result.causes.iter_rows(named=True)}
    drift = json.loads(rows["tokenizer_drift"]["details"])
    assert drift["ratio"] == pytest.approx(truth["tokenizer_drift"]["ratio"], abs=0.002)
    assert 0 < drift["ratio_spread"] < 0.05 and drift["languages"] == ["ja"] and drift["features"] == ["support-ja"]
    assert f"ratio {truth['tokenizer_drift']['ratio']:.3f}" in rows["tokenizer_drift"]["evidence"]
    assert rows["unlogged_traffic"]["api_keys"] == truth["unlogged_traffic"]["api_key_id"]
    assert f"{truth['unlogged_traffic']['requests']:,} requests metered, 0 logged" in rows["unlogged_traffic"]["evidence"]
    assert f"{truth['retry_double_billing']['dropped_attempts']} broken stream(s)" in rows["retry_double_billing"]["evidence"]
    assert rows["cache_eviction"]["tokens"] == truth["cache_eviction"]["evicted_tokens"]
    price = json.loads(rows["price_mismatch"]["details"])
    assert price["billed_usd_per_million"] == pytest.approx(truth["price_mismatch"]["billed_usd_per_million"])
    assert price["catalog_usd_per_million"] == pytest.approx(truth["price_mismatch"]["catalog_usd_per_million"])
    assert rows["price_mismatch"]["provenance"] == "billed vs catalog"
    assert {r["provenance"] for c, r in rows.items() if c != "price_mismatch"} == {"metered vs logged"}


def test_groups_tie_out_to_the_tables(result: ReconcileResult, sample_store: Store) -> None:
    g = result.groups
    billed = sample_store.scan("billed_usage").filter(pl.col("unit") == "tokens").select(pl.col("quantity").sum()).collect().item()
    assert int(g["billed"].sum()) == billed
    req = sample_store.scan("requests").select(
        (pl.col("input_tokens").fill_null(0) + pl.col("output_tokens").fill_null(0)).sum()).collect().item()
    assert int(g["local"].sum()) == req
    # Billed dollars per group add up to the cost lines; the gap to the catalog is the price mismatch.
    assert g["billed_usd"].sum() == pytest.approx(result.summary["billed_usd"], abs=0.01)
    assert (g["billed_usd"].sum() - g["billed_usd_at_catalog"].sum()) == pytest.approx(result.summary["price_mismatch_usd"], abs=0.01)
    assert g.filter(pl.col("delta") != 0)["causes"].list.len().min() >= 1  # every difference has a cause
    assert (g["delta"] == g["billed"] - g["local"]).all() and g["unexplained"].abs().sum() == 0


def test_by_month_rolls_up_the_days(result: ReconcileResult) -> None:
    month = result.by("month")
    assert month["delta"].sum() == result.groups["delta"].sum()
    assert month["billed_usd"].sum() == pytest.approx(result.groups["billed_usd"].sum())
    row = month.filter((pl.col("month") == "2026-08") & (pl.col("project_id") == "wrkspc_agents")
                       & (pl.col("token_class") == "input_uncached") & pl.col("model").str.starts_with("claude-sonnet-4-5"))
    assert row["causes"].to_list() == ["cache_eviction"]


def test_filters_restrict_the_groups(sample_store: Store) -> None:
    res = reconcile(sample_store, since=date(2026, 8, 1), until=date(2026, 8, 31), provider="anthropic")
    assert set(res.groups["provider"]) == {"anthropic"}
    assert res.groups["day"].min() == date(2026, 8, 1) and res.groups["day"].max() == date(2026, 8, 31)
    assert set(res.causes["cause"]) == {"cache_eviction", "tokenizer_drift"}
    one = reconcile(sample_store, since=date(2026, 8, 1), until=date(2026, 8, 31), project="wrkspc_agents")
    assert set(one.groups["project_id"]) == {"wrkspc_agents"} and set(one.causes["cause"]) == {"cache_eviction"}


def test_an_unpriced_model_is_null_not_zero(sample_store_copy: Store) -> None:
    day = datetime(2026, 10, 7, tzinfo=timezone.utc)
    rows = sample_store_copy.scan("billed_usage").filter(
        (pl.col("charge_period_start") == day) & (pl.col("project_id") == "wrkspc_docs")).collect()
    sample_store_copy.upsert("billed_usage", rows.with_columns(pl.lit("claude-mystery-9").alias("model")))
    res = reconcile(sample_store_copy, since=date(2026, 10, 7), until=date(2026, 10, 7))
    mystery = res.groups.filter(pl.col("model") == "claude-mystery-9")
    assert mystery.height > 0 and mystery["usd_per_million"].null_count() == mystery.height
    assert mystery["delta_usd"].null_count() == mystery.height and mystery["price_row_id"].null_count() == mystery.height
    assert res.summary["unpriced_rows"] >= mystery.height


def test_cli_exit_zero_when_explained(finops_home: Path) -> None:
    out = runner.invoke(app, ["reconcile", "--format", "json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert {c["cause"] for c in payload["causes"]} == {
        "retry_double_billing", "cache_eviction", "tokenizer_drift", "unlogged_traffic", "price_mismatch"}
    assert payload["summary"]["unexplained_pct"] == 0 and payload["groups"]
    assert all(isinstance(c["details"], dict) and c["evidence"] for c in payload["causes"])


def test_cli_exit_three_on_unexplained_drift(finops_home: Path) -> None:
    store = Store(finops_home / "store")
    day = datetime(2026, 10, 7, tzinfo=timezone.utc)
    rows = store.scan("billed_usage").filter(
        (pl.col("charge_period_start") == day) & (pl.col("project_id") == "wrkspc_docs") & (pl.col("token_class") == "output")
    ).collect()
    assert rows.height == 1
    store.upsert("billed_usage", rows.with_columns(pl.col("quantity") * 200))
    october = ["--since", "2026-10-01", "--until", "2026-10-31"]
    over = runner.invoke(app, ["reconcile", *october])
    assert over.exit_code == 3
    assert "unexplained" in over.output and "wrkspc_docs" in over.output  # reported, not hidden
    res = reconcile(store, date(2026, 10, 1), date(2026, 10, 31))
    left = res.causes.filter(pl.col("cause") == "unexplained")
    assert left["projects"].to_list() == ["wrkspc_docs"] and left["start"].to_list() == [date(2026, 10, 7)]
    # The bill did not change, so the extra metered tokens are priced at what the bill charged per token,
    # and the same cell shows as a price mismatch: the meter says 200x what the bill charged for.
    q = int(rows["quantity"][0])
    line = store.scan("cost_lines").filter(
        (pl.col("ChargePeriodStart") == day) & (pl.col("SubAccountId") == "wrkspc_docs") & (pl.col("x_TokenClass") == "output")
    ).select(pl.col("BilledCost").sum()).collect().item()
    assert left["dollar_impact"][0] == pytest.approx(line * 199 / 200)
    mismatch = res.causes.filter((pl.col("cause") == "price_mismatch") & (pl.col("projects") == "wrkspc_docs"))
    assert mismatch["dollar_impact"][0] == pytest.approx(line - 200 * q * 4.0 / 1e6)
    ok = runner.invoke(app, ["reconcile", "--format", "csv", *october, "--max-unexplained-pct", "100"])
    assert ok.exit_code == 0


def test_config_sets_the_threshold(finops_home: Path) -> None:
    (finops_home / "finops.toml").write_text("[reconcile]\nmax_unexplained_pct = -1.0\n")
    bad = runner.invoke(app, ["reconcile", "--format", "csv"])
    assert "finops.toml:2: reconcile.max_unexplained_pct: must not be negative" in bad.exception.one_line()  # type: ignore[union-attr]
    (finops_home / "finops.toml").write_text("[reconcile]\nmax_unexplained_pct = 0.5\nnoise_k = 5\n")
    assert runner.invoke(app, ["reconcile", "--format", "csv"]).exit_code == 0


def test_tz_shows_utc_days_in_the_users_zone(finops_home: Path) -> None:
    out = runner.invoke(app, ["reconcile", "--format", "json", "--view", "causes", "--tz", "Asia/Tokyo",
                              "--since", "2026-08-01", "--until", "2026-08-31", "--project", "wrkspc_agents"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    (finding,) = payload["causes"]
    assert payload["groups"] == []
    assert (finding["start"], finding["end"]) == ("2026-08-18", "2026-08-24")  # reconciled in UTC
    assert finding["day_range"] == "2026-08-18 09:00 → 2026-08-25 09:00 (Asia/Tokyo)"
    bad = runner.invoke(app, ["reconcile", "--tz", "Mars/Olympus"])
    assert isinstance(bad.exception, InputError) and "--tz: 'Mars/Olympus'" in bad.exception.one_line()


def test_table_output_has_groups_causes_and_summary(finops_home: Path) -> None:
    out = runner.invoke(app, ["reconcile", "--since", "2026-02-01", "--until", "2026-02-28", "--provider", "openai", "--by", "day"],
                         env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    text = out.output
    assert "Local (logged) vs billed (metered) tokens by day" in text and "Causes" in text
    assert "retry_double_billing" in text and "broken stream(s)" in text and "billed $" in text


def test_a_short_period_leans_on_the_days_before_it(sample_store: Store, ground_truth: dict) -> None:
    """A daily cron run still knows the steady drift; a week mostly inside an incident still sees it."""
    one_day = reconcile(sample_store, date(2026, 11, 24), date(2026, 11, 24))
    assert one_day.summary["unexplained_usd"] == 0
    assert {"tokenizer_drift", "unlogged_traffic", "price_mismatch"} == set(one_day.causes["cause"])
    eviction = next(t for t in ground_truth["anomalies"] if t["cause"] == "cache_eviction")
    week = reconcile(sample_store, date(2026, 8, 20), date(2026, 8, 26), project="wrkspc_agents")
    (row,) = week.causes.to_dicts()
    assert row["cause"] == "cache_eviction" and str(row["end"]) == eviction["end"] and str(row["start"]) == "2026-08-20"
    no_history = reconcile(sample_store, date(2026, 11, 24), date(2026, 11, 24),
                           thresholds=Thresholds(history_days=0))
    assert no_history.summary["unexplained_usd"] > 0  # without a baseline one day cannot show a steady ratio
