"""Forecast on the loaded sample: the CLI, series from the store, by-model dollars, planted anomalies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl

from finops.models.pricing.catalog import load_catalog
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.models.forecast.calendar import CalendarSpec
from finops.services.forecast import daily_series

SPEC = CalendarSpec(countries={"US": 0.55, "DE": 0.28, "JP": 0.17})


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


def test_forecast_command_monthly_and_daily(finops_home: Path, sample_dir: Path) -> None:
    shutil.copy(sample_dir / "finops.toml", finops_home / "finops.toml")
    result = _run("forecast", "--horizon", "40d", "--format", "json")
    assert result.exit_code == 0, result.output
    months = json.loads(result.output)
    assert [m["month"] for m in months] == ["2026-11", "2026-12", "2027-01"]
    nov = months[0]
    assert nov["actual_days"] == 24 and nov["forecast_days"] == 6
    assert nov["lo95"] <= nov["lo80"] <= nov["expected"] <= nov["hi80"] <= nov["hi95"]

    daily = _run("forecast", "--horizon", "14d", "--by", "provider", "--daily", "--format", "csv")
    assert daily.exit_code == 0, daily.output
    frame = pl.read_csv(daily.output.encode())
    assert frame.columns == ["day", "series", "forecast", "lo80", "hi80", "lo95", "hi95"]
    assert frame.height == 28 and set(frame["series"]) == {"anthropic", "openai"}

    table = _run("forecast", "--horizon", "30d")
    assert table.exit_code == 0, table.output
    assert "budget AI inference (all providers)" in table.output and "OpenAI token quota" in table.output
    assert "P(cap hit before reset)" in table.output or "cap reached" in table.output
    assert "(resets America/Los_Angeles)" in table.output


def test_forecast_command_rejects_bad_options_in_one_line(finops_home: Path) -> None:
    from finops.errors import InputError

    for args, text in ((("--by", "team"), "--by: 'team' is not one of"), (("--horizon", "soon"), "--horizon: 'soon'")):
        result = _run("forecast", *args)
        assert isinstance(result.exception, InputError) and text in str(result.exception)
    # Through the real entry point: exit code 2 and one line on stderr.
    proc = subprocess.run([sys.executable, "-m", "finops.cli", "forecast", "--by", "team"], capture_output=True, text=True,
                          env={**os.environ, "FINOPS_HOME": str(finops_home)}, cwd=finops_home.parent)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--by: 'team' is not one of total, provider, model, project" in proc.stderr


def test_backtest_command_scores_model_and_baselines(finops_home: Path) -> None:
    result = _run("forecast", "backtest", "--metric", "tokens", "--origins", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in json.loads(result.output)}
    from finops.models.forecast.model import BLEND, FAMILY

    assert set(rows) == {"model", "trailing_28d_mean", "seasonal_naive_7", *(f"member: {m}" for m in FAMILY)}
    assert rows["model"]["chosen_now"] in (*FAMILY, BLEND)
    assert rows["model"]["origins"] == 3 and rows["model"]["coverage80"] is not None
    assert rows["model"]["mase"] < rows["seasonal_naive_7"]["mase"] < rows["trailing_28d_mean"]["mase"]


def test_backtest_by_season_splits_the_same_coverage(finops_home: Path) -> None:
    """Coverage per season: every scored day in exactly one season, and the seasons' shares
    weighted by their days give the overall coverage the plain backtest prints (one figure)."""
    plain = {r["model"]: r for r in json.loads(_run("forecast", "backtest", "--origins", "4", "--format", "json").output)}
    result = _run("forecast", "backtest", "--origins", "4", "--by-season", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    from finops.models.forecast.model import FAMILY
    from finops.models.forecast.seasons import SEASONS

    assert {r["model"] for r in rows} == {"model", *(f"member: {m}" for m in FAMILY)}  # the baselines have no bands
    for model in {r["model"] for r in rows}:
        mine = [r for r in rows if r["model"] == model]
        assert [r["season"] for r in mine] == list(SEASONS)
        assert sum(r["days"] for r in mine) == 4 * 28
        assert all((r["origins"] > 0) == (r["days"] > 0) and r["days"] <= 28 * r["origins"] <= 4 * 28 for r in mine)
        for level in ("coverage80", "coverage95"):
            weighted = sum(r[level] * r["days"] for r in mine if r["days"]) / (4 * 28)
            assert weighted == pytest.approx(plain[model][level])
    assert any(r["days"] and r["season"] == "holidays and events" for r in rows)


def test_dollar_series_equal_the_bills(sample_store) -> None:
    lines = sample_store.scan("cost_lines").filter(
        pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD")).collect()
    for by in ("total", "provider", "project", "model"):
        s = daily_series(sample_store, "dollars", by)
        assert s["value"].sum() == pytest.approx(lines["BilledCost"].sum())
    by_model = daily_series(sample_store, "dollars", "model").group_by("series").agg(pl.col("value").sum())
    expected = lines.group_by("x_Model").agg(pl.col("BilledCost").sum())
    assert dict(by_model.iter_rows()) == pytest.approx(dict(expected.iter_rows()))


def test_lines_without_a_model_are_split_by_priced_tokens(sample_store_copy) -> None:
    """proj_search's October lines lose their model: the split by catalog-priced tokens recovers it."""
    store = sample_store_copy
    catalog = load_catalog()  # the sample sets no [pricing] override
    before = daily_series(store, "dollars", "model", catalog=catalog).filter(pl.col("day").dt.strftime("%Y-%m") == "2026-10")
    lines = store.scan("cost_lines").filter(
        (pl.col("SubAccountId") == "proj_search") & (pl.col("ChargePeriodStart").dt.strftime("%Y-%m") == "2026-10")).collect()
    store.upsert("cost_lines", lines.with_columns(pl.lit(None, pl.String).alias("x_Model")))
    after = daily_series(store, "dollars", "model", catalog=catalog).filter(pl.col("day").dt.strftime("%Y-%m") == "2026-10")
    assert after["value"].sum() == pytest.approx(before["value"].sum())
    b = dict(before.group_by("series").agg(pl.col("value").sum()).iter_rows())
    a = dict(after.group_by("series").agg(pl.col("value").sum()).iter_rows())
    # Billed usage names snapshots (gpt-4.1-2025-04-14); the cost lines here already did. The split is
    # by catalog prices, so October's billed-above-catalog output price moves it slightly.
    project_total = float(lines["BilledCost"].sum())
    for model in ("gpt-4.1-2025-04-14", "text-embedding-3-small"):
        assert abs(a[model] - b[model]) < 0.01 * project_total
    from finops.services.forecast import estimated_share

    assert 0 < estimated_share(store) < 0.2


def test_cache_eviction_is_flagged_with_its_dollars(sample_store, ground_truth: dict) -> None:
    from finops.services.forecast import anomalies

    truth = next(a for a in ground_truth["anomalies"] if a["cause"] == "cache_eviction")
    start, end = date.fromisoformat(truth["start"]), date.fromisoformat(truth["end"])
    found = anomalies(sample_store, "dollars", "project", lookback=31, spec=SPEC, until=date(2026, 8, 31))
    spend = found.filter((pl.col("series") == truth["project_id"]) & (pl.col("measure") == "spend")
                         & pl.col("day").is_between(start, end))
    assert spend.height >= 5  # most days of the week-long eviction
    assert spend["excess_usd"].sum() == pytest.approx(truth["dollar_impact"], rel=0.25)
    per_task = found.filter((pl.col("series") == truth["project_id"]) & (pl.col("measure") == "cost_per_task")
                            & pl.col("day").is_between(start, end))
    assert per_task.height >= 5 and (per_task["excess_usd"] > 0).all()
    elsewhere = found.filter(~pl.col("day").is_between(start, end) & (pl.col("measure") == "spend"))
    assert elsewhere["excess_usd"].abs().max() < spend["excess_usd"].min()


def test_each_months_forecast_is_the_same_whatever_the_horizon_and_in_the_report(finops_home: Path, sample_dir: Path,
                                                                                 tmp_path: Path) -> None:
    """The report forecasts to the end of next month, `finops forecast` 90 days ahead by default:
    asking for more days must never change a month already forecast, so both print one number."""
    shutil.copy(sample_dir / "finops.toml", finops_home / "finops.toml")
    runs = {}
    for horizon in ("37d", "90d", "200d"):
        result = _run("forecast", "--horizon", horizon, "--format", "json")
        assert result.exit_code == 0, result.output
        runs[horizon] = {m["month"]: m for m in json.loads(result.output)}
    for month in ("2026-11", "2026-12"):
        rows = [runs[h][month] for h in runs]
        for key in ("expected", "lo80", "hi80", "lo95", "hi95"):
            assert {round(r[key], 6) for r in rows} == {round(rows[0][key], 6)}, (month, key, rows)
    out = tmp_path / "r.md"
    assert _run("report", "monthly", "--out", str(out)).exit_code == 0
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["next_month"] == "2026-12"
    for key in ("expected", "lo80", "hi80"):
        assert report["next_month_usd"][key] == pytest.approx(runs["90d"]["2026-12"][key], rel=1e-9)
        assert report["month_end_usd"][key] == pytest.approx(runs["90d"]["2026-11"][key], rel=1e-9)
