"""The monthly report: its figures equal the store's, in the figures file, Markdown and HTML."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.config import ConfigFile
from finops.errors import InputError
from finops.report.build import build_monthly, render
from finops.report.contents import figures
from finops.report.blocks import money

MONTH = "2026-10"  # a closed month of the sample
CURRENT = "2026-11"  # the sample's last month, in progress (data through 2026-11-24)


@pytest.fixture(scope="module")
def store(sample_store_path: Path):
    from finops.store import Store

    return Store(sample_store_path)


@pytest.fixture(scope="module")
def config(sample_dir: Path) -> ConfigFile:
    return ConfigFile.load(sample_dir / "finops.toml")


@pytest.fixture(scope="module")
def ctx(store, config, sample_store_path: Path):
    from finops.config import Settings
    from finops.context import Context

    return Context.build(Settings(sample_store_path.parent, config), store=store)


@pytest.fixture(scope="module")
def october(ctx):
    return build_monthly(ctx, MONTH)


@pytest.fixture(scope="module")
def november(ctx):
    return build_monthly(ctx, CURRENT)


def _billed(store, first: date, last: date, by: str | None = None) -> dict[str, float] | float:
    """Inference and embedding cost lines in USD, summed independently of the report code."""
    lf = store.scan("cost_lines").filter(
        pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD")
        & pl.col("ChargePeriodStart").dt.date().is_between(first, last))
    if by is None:
        return float(lf.select(pl.col("BilledCost").sum()).collect().item())
    key = {"provider": pl.col("ServiceProviderName").str.to_lowercase(), "project": pl.col("SubAccountId")}[by]
    return dict(lf.group_by(key.alias("k")).agg(pl.col("BilledCost").sum()).collect().iter_rows())


def _tokens(store, first: date, last: date) -> float:
    return float(store.scan("billed_usage").filter(
        (pl.col("unit") == "tokens") & pl.col("charge_period_start").dt.date().is_between(first, last)
    ).select(pl.col("quantity").sum()).collect().item())


def test_closed_month_figures_equal_the_store(october, store) -> None:
    p, c = october.period, october.core
    assert (p.first, p.last, p.as_of, p.complete, p.mtd_days) == (date(2026, 10, 1), date(2026, 10, 31), date(2026, 10, 31), True, 31)
    assert c.mtd_total == pytest.approx(_billed(store, p.first, p.last), abs=1e-9)
    assert c.mtd_tokens == _tokens(store, p.first, p.last)
    # A closed month has nothing left to forecast: its "month end" is the actual, with no spread.
    assert c.month_end.expected == pytest.approx(c.mtd_total) and c.month_end.lo95 == pytest.approx(c.month_end.hi95)
    n = c.next_month
    assert 0 < n.lo95 <= n.lo80 <= n.expected <= n.hi80 <= n.hi95
    by = {r["provider"]: r for r in c.by_provider.iter_rows(named=True)}
    oct_by, sep_by = _billed(store, p.first, p.last, "provider"), _billed(store, date(2026, 9, 1), date(2026, 9, 30), "provider")
    assert set(by) == set(oct_by)
    for name, row in by.items():
        assert row["mtd"] == pytest.approx(oct_by[name])
        assert row["prev_same_days"] == pytest.approx(sep_by[name])  # 31 days of October against all 30 of September
    assert sum(r["month_end"] for r in by.values()) == pytest.approx(c.mtd_total)


def test_last_months_forecast_is_scored_against_the_store(october, store) -> None:
    a = october.accuracy
    assert a is not None and a.month == "2026-09" and a.data_through == date(2026, 8, 31)
    total = a.by_series.filter(pl.col("series") == "total").row(0, named=True)
    assert total["actual"] == pytest.approx(_billed(store, date(2026, 9, 1), date(2026, 9, 30)))
    assert total["lo80"] <= total["forecast"] <= total["hi80"]
    assert total["error_pct"] == pytest.approx((total["forecast"] - total["actual"]) / total["actual"] * 100)
    assert total["inside80"] == (total["lo80"] <= total["actual"] <= total["hi80"])
    aug = store.scan("cost_lines").filter(
        pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD")
        & pl.col("ChargePeriodStart").dt.date().is_between(date(2026, 8, 4), date(2026, 8, 31))
    ).select(pl.col("BilledCost").sum()).collect().item()
    assert total["baseline"] == pytest.approx(aug / 28 * 30)  # trailing 28-day mean x 30 days


def test_movers_and_budgets_equal_the_store(october, store) -> None:
    oct_by = _billed(store, date(2026, 10, 1), date(2026, 10, 31), "project")
    sep_by = _billed(store, date(2026, 9, 1), date(2026, 9, 30), "project")
    projects = october.movers.filter(pl.col("dimension") == "project")
    assert projects.height > 0
    for row in projects.iter_rows(named=True):
        assert row["this"] == pytest.approx(oct_by.get(row["name"], 0.0))
        assert row["previous"] == pytest.approx(sep_by.get(row["name"], 0.0))
    changes = projects["change"].abs().to_list()
    assert changes == sorted(changes, reverse=True)

    # As of the end of October (UTC): the LA month began at 07:00 UTC on Oct 1 (PDT).
    budget = next(s for s in october.budgets if s.budget.name == "AI inference (all providers)")
    daily = store.scan("cost_lines").filter(
        pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD")
    ).group_by(pl.col("ChargePeriodStart").dt.date().alias("d")).agg(pl.col("BilledCost").sum()).collect()
    by_day = dict(daily.iter_rows())
    expected = by_day[date(2026, 10, 1)] * 17 / 24 + sum(by_day[date(2026, 10, d)] for d in range(2, 32))
    assert budget.spent == pytest.approx(expected, abs=0.005)
    assert budget.expected >= budget.spent  # 7 hours of the LA month are still to come


def test_anomalies_are_in_the_month_and_sized_in_dollars(october) -> None:
    frame = october.anomalies
    assert frame["day"].min() >= date(2026, 10, 1) and frame["day"].max() <= date(2026, 10, 31)
    assert frame.filter(pl.col("measure") == "spend").select(
        (pl.col("excess_usd") - (pl.col("actual") - pl.col("expected"))).abs().max()).item() < 1e-9
    assert ((frame["actual"] > frame["hi95"]) | (frame["actual"] < frame["lo95"])).all()


def test_optional_sections_state_their_figures_or_their_absence(october, store) -> None:
    sections = {e.key: e for e in october.extras}
    assert set(sections) == {"reconciliation", "cogs", "carbon", "cache"}
    for e in sections.values():
        assert e.available or e.note.strip()
    carbon = sections["carbon"]
    if carbon.available:
        requests = store.scan("requests").filter(pl.col("ts").dt.strftime("%Y-%m") == MONTH).select(pl.len()).collect().item()
        assert carbon.table["requests"].sum() == requests
    rec = sections["reconciliation"]
    if rec.available:
        billed = next(v for label, v, _ in rec.summary if label.startswith("Billed"))
        assert billed == money(_billed(store, date(2026, 10, 1), date(2026, 10, 31)))


def test_a_section_that_cannot_compute_is_said_plainly(store, tmp_path: Path) -> None:
    from finops.report import extras
    from finops.report.figures import period_for

    # EUR reporting with no rates file: COGS cannot convert the USD lines, and says so.
    path = tmp_path / "finops.toml"
    path.write_text('[display]\nreporting_currency = "EUR"\n')
    from finops.config import Settings
    from finops.context import Context

    eur = Context.build(Settings(tmp_path, ConfigFile.load(path)), store=store)
    e = extras.cogs(eur, period_for(store, MONTH))
    assert not e.available
    assert e.note.startswith("could not produce this month's cogs: currency error: no USD->EUR exchange rate"), e.note
    assert extras.carbon(eur, period_for(store, MONTH)).available  # the other sections still compute


def test_in_progress_month(november, store) -> None:
    p, c = november.period, november.core
    assert p.as_of == date(2026, 11, 24) and not p.complete and p.mtd_days == 24
    assert c.mtd_total == pytest.approx(_billed(store, date(2026, 11, 1), date(2026, 11, 24)))
    assert c.mtd_total < c.month_end.lo80 <= c.month_end.expected <= c.month_end.hi80
    assert c.chart.filter(pl.col("kind") == "forecast")["day"].min() == date(2026, 11, 25)
    assert c.chart.filter(pl.col("kind") == "forecast")["day"].max() == date(2026, 12, 31)
    quota = next(s for s in november.budgets if s.budget.unit == "tokens")
    openai = float(store.scan("billed_usage").filter(
        (pl.col("unit") == "tokens") & (pl.col("provider") == "openai")
        & pl.col("charge_period_start").dt.date().is_between(date(2026, 11, 1), date(2026, 11, 24))
    ).select(pl.col("quantity").sum()).collect().item())
    assert quota.spent == openai
    assert 0.0 <= quota.probability_hit <= 1.0


def test_method_backtest_is_the_clis(november, finops_home: Path, sample_dir: Path) -> None:
    """The report's method section scores the total as `finops forecast backtest [--by-season]` does at its
    defaults, through the as-of day (the sample's last): the same MASE and coverage, season by season."""
    import shutil

    shutil.copy(sample_dir / "finops.toml", finops_home / "finops.toml")
    plain = CliRunner().invoke(app, ["forecast", "backtest", "--format", "json"])
    seasons = CliRunner().invoke(app, ["forecast", "backtest", "--by-season", "--format", "json"])
    assert plain.exit_code == 0 and seasons.exit_code == 0, plain.output + seasons.output
    cli = {r["model"]: r for r in json.loads(plain.output) if r["series"] == "total"}
    mine = {r["model"]: r for r in figures(november)["method_backtest"]}
    assert set(mine) == {"model", "trailing_28d_mean", "seasonal_naive_7"}
    for name, row in mine.items():
        for key in ("mase", "coverage80", "coverage95", "origins"):
            assert row[key] == pytest.approx(cli[name][key]), (name, key)
    by_season = [r for r in json.loads(seasons.output) if r["series"] == "total" and r["model"] == "model"]
    assert [r["season"] for r in by_season] == [c["season"] for c in mine["model"]["by_season"]]
    for r, c in zip(by_season, mine["model"]["by_season"]):
        assert (r["days"], r["origins"]) == (c["days"], c["origins"])
        for key in ("coverage80", "coverage95", "coverage80_low", "coverage80_high", "coverage95_low", "coverage95_high"):
            assert r[key] == (None if c[key] is None else pytest.approx(c[key])), (r["season"], key)
    md = render(november, "md")
    assert "| ordinary days | " in md and "80% coverage" in md and f"MASE model {mine['model']['mase']:.2f}" in md


def test_markdown_and_html_carry_the_same_figures(november) -> None:
    c = november.core
    md, html = render(november, "md"), render(november, "html")
    figures_text = [money(c.mtd_total), money(c.month_end.expected), money(c.month_end.lo80), money(c.next_month.hi80),
                    f"{c.mtd_tokens:,.0f}", *[money(r["mtd"]) for r in c.by_provider.iter_rows(named=True)],
                    *[s.budget.name for s in november.budgets]]
    for text in figures_text:
        assert text in md
        assert text.replace("&", "&amp;") in html
    assert "\x1b[" not in md and "```text" in md and "┤" in md  # a plotext chart, without colour codes
    assert html.count("<svg") == 2 and "<polyline" in html and "<polygon" in html
    external = re.findall(r"(?:src|href)\s*=|<script|<link|url\(|https?://(?!www\.w3\.org/2000/svg)", html)
    assert external == []  # one self-contained file


def test_cli_writes_report_and_figures_atomically(finops_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    for fmt in ("md", "html"):
        result = CliRunner().invoke(app, ["report", "monthly", "--month", MONTH, "--out", str(out), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert (out / f"finops-report-{MONTH}.{fmt}").is_file()
    data = json.loads((out / f"finops-report-{MONTH}.json").read_text())
    assert data["month"] == MONTH and data["complete"] is True and data["mtd_usd"] > 0
    assert data["provenance"]["mtd_usd"] == "billed"
    assert f"${data['mtd_usd']:,.2f}" in (out / f"finops-report-{MONTH}.md").read_text()
    assert sorted(p.name for p in out.iterdir()) == [f"finops-report-{MONTH}.{x}" for x in ("html", "json", "md")]


def test_figures_file_matches_the_report(october) -> None:
    data = json.loads(json.dumps(figures(october), default=str))
    assert data["mtd_usd"] == october.core.mtd_total
    assert data["next_month_usd"]["expected"] == october.core.next_month.expected
    assert {b["name"] for b in data["budgets"]} == {s.budget.name for s in october.budgets}


def test_bad_month_is_one_line(ctx) -> None:
    with pytest.raises(InputError, match=r"^--month: '2026-13' is not YYYY-MM$"):
        build_monthly(ctx, "2026-13")
    with pytest.raises(InputError, match=r"starts after the last billed day"):
        build_monthly(ctx, (date(2026, 11, 24) + timedelta(days=40)).strftime("%Y-%m"))


def test_every_table_speaks_in_words_and_the_number_style(october) -> None:
    """Headers in words (no `gross_margin_pct`), money with its symbol, shares with % (issue 22 item 5)."""
    lines = render(october, "md").splitlines()
    headers = [line for line, below in zip(lines, lines[1:]) if line.startswith("| ") and below.startswith("|:")]
    assert len(headers) >= 10
    assert [h for h in headers if "_" in h] == []
    cogs = lines[lines.index("## COGS"):]
    cogs = cogs[:next(i for i, line in enumerate(cogs[1:], 1) if line.startswith("## "))]
    assert any(line.startswith("| Cost of goods sold, all features | $") for line in cogs)
    rows = {cells[0]: cells for line in cogs if line.startswith("| ")
            for cells in [[c.strip() for c in line.strip("|").split("|")]]}
    assert rows["feature"] == ["feature", "tasks", "cost", "cost / task", "inference share %", "gross margin %"]
    assert rows["code-agent"][2].startswith("$") and rows["code-agent"][3].startswith("$")
    assert rows["code-agent"][4].endswith("%") and rows["code-agent"][5].endswith("%")
    assert rows["unallocated"][3] == "—"  # no tasks: no cost per task (not "unpriced")
