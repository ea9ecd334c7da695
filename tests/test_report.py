"""The monthly report: its figures equal the store's, in Markdown and in HTML."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.config import ConfigFile
from finops.report.monthly import build, to_html, to_markdown

MONTH = "2026-10"


@pytest.fixture(scope="module")
def report(sample_store_path: Path, sample_dir: Path):
    from finops.store import Store

    return build(Store(sample_store_path), ConfigFile.load(sample_dir / "finops.toml"), MONTH)


def test_figures_equal_the_store(report, sample_store) -> None:
    oct_lines = sample_store.scan("cost_lines").filter(pl.col("ChargePeriodStart").dt.strftime("%Y-%m") == MONTH).collect()
    inference = oct_lines.filter(pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD"))
    assert report.actual_mtd == pytest.approx(inference["BilledCost"].sum())
    by = dict(report.by_provider.select(pl.format("{}|{}", "provider", "currency"), "billed").iter_rows())
    expected = oct_lines.group_by("ServiceProviderName", "BillingCurrency").agg(pl.col("BilledCost").sum())
    for p, c, v in expected.iter_rows():
        assert by[f"{p}|{c}"] == pytest.approx(v)
    point, lo80, hi80, lo95, hi95 = report.next_month
    assert lo95 <= lo80 <= point <= hi80 <= hi95 and point > 0
    assert report.month_end[0] == pytest.approx(report.actual_mtd)  # a finished month has nothing left to forecast
    assert {c for c in report.reconcile["cause"]} >= {"tokenizer_drift", "unlogged_traffic", "price_mismatch"}
    assert report.carbon is not None and report.carbon["requests"].sum() == sample_store.scan("requests").filter(
        pl.col("ts").dt.strftime("%Y-%m") == MONTH).select(pl.len()).collect().item()


def test_markdown_and_html_carry_the_figures(report) -> None:
    md = to_markdown(report)
    assert f"${report.actual_mtd:,.2f}" in md and "\x1b[" not in md and "```" in md
    html = to_html(report)
    assert "<svg" in html and f"${report.actual_mtd:,.2f}" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_cli_writes_the_report_atomically(finops_home: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "monthly", "--month", MONTH, "--out", str(tmp_path), "--format", "html"])
    assert result.exit_code == 0, result.output
    out = tmp_path / f"finops-report-{MONTH}.html"
    assert out.is_file() and out.read_text().startswith("<!doctype html>")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
