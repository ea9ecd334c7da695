"""The dashboard's headless side: only finops/tui imports textual; pure figure and series code."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timezone

import polars as pl
import pytest

from finops.tui.data import series, spend
from finops.tui.filters import Filters, apply, preset_range

# Each of these is imported in a fresh interpreter; none may pull in textual.
HEADLESS_ROOTS = ("finops", "finops.models", "finops.connectors")
# finops.tui is the textual package; only its headless parts are listed here.
TUI_HEADLESS = ("finops.tui", "finops.tui.filters", "finops.tui.export", "finops.tui.preload", "finops.tui.data")

PROBE = r"""
import importlib, json, pkgutil, sys
roots, tui_headless = json.loads(sys.argv[1])
names = []
for root in roots:
    pkg = importlib.import_module(root)
    names.append(root)
    for info in pkgutil.walk_packages(pkg.__path__, root + "."):
        if info.name.startswith("finops.tui"):
            continue
        names.append(info.name)
for name in tui_headless:
    names.append(name)
    if name == "finops.tui.data":
        pkg = importlib.import_module(name)
        names += [f"{name}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]
offenders, failed = [], {}
for name in names:
    before = "textual" in sys.modules
    try:
        importlib.import_module(name)
    except Exception as exc:  # every module is installed: one that does not import is a failure too
        failed[name] = repr(exc)[:200]
        continue
    if not before and "textual" in sys.modules:
        offenders.append(name)
print(json.dumps({"checked": names, "offenders": offenders, "failed": failed, "textual": "textual" in sys.modules}))
"""


def test_headless_packages_never_import_textual() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([HEADLESS_ROOTS, TUI_HEADLESS])],
        capture_output=True, text=True, check=True, timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "finops.cli" in result["checked"] and "finops.store" in result["checked"]
    assert "finops.tui.data.overview" in result["checked"]
    assert "finops.models.forecast.series" in result["checked"] and "finops.connectors.sync" in result["checked"]
    assert result["failed"] == {}
    assert result["offenders"] == [], f"these modules import textual: {result['offenders']}"
    assert result["textual"] is False


def test_cli_help_does_not_load_textual() -> None:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom finops.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output\n"
        "assert 'dashboard' in r.output\nprint('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False"


# -- filters ----------------------------------------------------------------------------

def _ts(d: str) -> datetime:
    return datetime.fromisoformat(d).replace(tzinfo=timezone.utc)


@pytest.fixture()
def lines() -> pl.LazyFrame:
    return pl.DataFrame(
        {
            "ChargePeriodStart": [_ts("2026-01-01"), _ts("2026-01-02"), _ts("2026-01-02T23:59:59"), _ts("2026-01-03"), _ts("2026-01-03")],
            "ServiceProviderName": ["OpenAI", "Anthropic", "openai", "OpenAI", "Pinecone"],
            "SubAccountId": ["proj_a", "ws_b", "proj_a", "proj_c", "search"],
            "x_Feature": [None, None, "", None, "rag"],
            "x_Model": ["m1", "m2", "m1", "m3", None],
            "ServiceName": [None, None, None, None, "Vector DB"],
            "BillingCurrency": ["USD", "USD", "USD", "USD", "EUR"],
            "BilledCost": [1.0, 2.0, 4.0, 8.0, 16.0],
            "x_Provenance": ["billed"] * 5,
            "x_CostSource": ["inference"] * 4 + ["vector_db"],
        }
    ).lazy().with_columns((pl.col("ChargePeriodStart") + pl.duration(days=1)).alias("ChargePeriodEnd"))


def test_filters_select_provider_case_insensitively_and_dates_inclusive(lines: pl.LazyFrame) -> None:
    f = Filters(start=date(2026, 1, 2), end=date(2026, 1, 2), provider="openai")
    out = apply(lines, "cost_lines", f).collect()
    assert out["BilledCost"].to_list() == [4.0]  # 23:59:59 on the end day is inside, 01-01 is not


def test_feature_filter_uses_tag_then_project_of_logged_requests(lines: pl.LazyFrame) -> None:
    feature_projects = {"chat": ("proj_a",), "rag": ("proj_c",)}
    chat = apply(lines, "cost_lines", Filters(feature="chat"), feature_projects).collect()
    assert sorted(chat["BilledCost"].to_list()) == [1.0, 4.0]
    rag = apply(lines, "cost_lines", Filters(feature="rag"), feature_projects).collect()
    # proj_c by project, the Pinecone line by its own tag
    assert sorted(rag["BilledCost"].to_list()) == [8.0, 16.0]
    none = apply(lines, "cost_lines", Filters(feature="unknown"), feature_projects).collect()
    assert none.height == 0


def test_preset_ranges_end_yesterday() -> None:
    today = date(2026, 11, 25)
    assert preset_range("mtd", today) == (date(2026, 11, 1), date(2026, 11, 24))
    assert preset_range("30d", today) == (date(2026, 10, 26), date(2026, 11, 24))
    assert preset_range("all", today, date(2025, 5, 25)) == (date(2025, 5, 25), date(2026, 11, 24))
    with pytest.raises(ValueError, match="unknown period"):
        preset_range("fortnight", today)


# -- spend and series -------------------------------------------------------------------

def _values(totals) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    return {c: t.value for c, t in totals.items()}


def test_totals_never_mix_currencies(lines: pl.LazyFrame) -> None:
    from finops.metrics.spend import totals

    frame = spend.cost_frame(lines, Filters(), {})
    assert _values(totals(frame, None, None)) == {"EUR": 16.0, "USD": 15.0}
    assert _values(totals(frame, date(2026, 1, 2), date(2026, 1, 2))) == {"USD": 6.0}


def test_a_null_billed_cost_is_unpriced_never_zero(lines: pl.LazyFrame) -> None:
    from finops.metrics.spend import totals

    frame = spend.cost_frame(lines.with_columns(
        pl.when(pl.col("BillingCurrency") == "EUR").then(None).otherwise(pl.col("BilledCost")).alias("BilledCost")), Filters(), {})
    out = totals(frame, None, None)
    assert out["EUR"].value is None and out["EUR"].unpriced > 0  # all unpriced: no number, not 0
    assert out["USD"].value == 15.0 and out["USD"].unpriced == 0


def test_movers_rank_by_absolute_change() -> None:
    days = [date(2026, 1, d) for d in range(1, 15)]
    frame = pl.DataFrame(
        {
            "day": days * 2,
            "model": ["up"] * 14 + ["down"] * 14,
            "project": ["p1"] * 14 + ["p2"] * 14,
            "feature": ["f"] * 28,
            "currency": ["USD"] * 28,
            "cost": [1.0] * 7 + [3.0] * 7 + [5.0] * 7 + [4.0] * 7,
        }
    ).lazy()
    out = spend.movers(frame, date(2026, 1, 14), "USD", window=7)
    first = out.row(0, named=True)
    assert (first["key"], first["current"], first["previous"], first["delta"]) in {("up", 21.0, 7.0, 14.0), ("p1", 21.0, 7.0, 14.0)}
    down = out.filter(pl.col("key") == "down").row(0, named=True)
    assert down["delta"] == -7.0 and down["pct"] == pytest.approx(-20.0)
    feature = out.filter(pl.col("dimension") == "feature").row(0, named=True)
    assert feature["delta"] == 7.0  # 14 up, 7 down


def test_daily_series_zero_fills_and_groups_the_tail() -> None:
    daily = pl.DataFrame(
        {
            "day": [date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 1), date(2026, 1, 2)],
            "provider": ["a", "a", "b", "c"],
            "currency": ["USD"] * 4,
            "cost": [5.0, 1.0, 2.0, 1.0],
        }
    )
    out = series.daily_series(daily, "provider", "USD", date(2026, 1, 1), date(2026, 1, 3), top=1)
    assert [s.label for s in out] == ["a", "other"]
    assert out[0].y == (5.0, 0.0, 1.0)
    assert out[1].y == (2.0, 1.0, 0.0)
    assert series.daily_series(daily, "provider", "EUR", date(2026, 1, 1), date(2026, 1, 3)) == ()


def test_holiday_marks_name_the_country() -> None:
    marks = series.holiday_marks(date(2026, 12, 20), date(2026, 12, 31), ("US", "DE"))
    by_day = {m.day: m.label for m in marks}
    assert "US: Christmas Day" in by_day[date(2026, 12, 25)]
    assert "DE:" in by_day[date(2026, 12, 26)]
    assert series.holiday_marks(date(2026, 1, 2), date(2026, 1, 1), ("US",)) == ()
    quebec = {m.day: m.label for m in series.holiday_marks(date(2026, 6, 20), date(2026, 6, 30), ("CA-QC", "CA"))}
    assert quebec == {date(2026, 6, 24): "CA-QC: Saint John the Baptist Day"}


def test_other_currencies_convert_at_the_rate_of_the_lines_last_day(lines: pl.LazyFrame, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from finops.config import ConfigFile, Settings
    from finops.context import Context
    from finops.metrics.spend import to_reporting, totals

    def ctx() -> Context:
        return Context.build(Settings(tmp_path, ConfigFile.load(tmp_path / "finops.toml")))

    (tmp_path / "rates.csv").write_text("date,base,quote,rate\n2026-01-02,EUR,USD,1.5\n2026-01-03,EUR,USD,2.0\n")
    (tmp_path / "finops.toml").write_text('[display]\nreporting_currency = "USD"\nfx_rates = "rates.csv"\n')
    frame = lines
    converted = to_reporting(ctx(), spend.cost_frame(frame, Filters(), {}))
    assert _values(totals(converted.frame, None, None)) == {"USD": 15.0 + 16.0 * 2.0}
    assert "EUR" in converted.note and "rates.csv" in converted.note
    (tmp_path / "rates.csv").write_text("date,base,quote,rate\n2025-01-02,EUR,USD,1.5\n")
    unconverted = to_reporting(ctx(), spend.cost_frame(frame, Filters(), {}))
    assert _values(totals(unconverted.frame, None, None)) == {"EUR": 16.0, "USD": 15.0}  # never 1:1
    assert "not converted" in unconverted.note and "EUR" in unconverted.note


def test_shift_period_keeps_the_length_and_stops_at_yesterday() -> None:
    from finops.tui.filters import shift_period

    today = date(2026, 11, 25)
    assert shift_period(date(2026, 11, 1), date(2026, 11, 10), -1, today) == (date(2026, 10, 22), date(2026, 10, 31))
    assert shift_period(date(2026, 11, 1), date(2026, 11, 10), 1, today) == (date(2026, 11, 11), date(2026, 11, 20))
    assert shift_period(date(2026, 11, 11), date(2026, 11, 20), 1, today) == (date(2026, 11, 15), date(2026, 11, 24))


def test_amortized_spreads_a_monthly_bill_and_keeps_its_total(lines: pl.LazyFrame) -> None:
    monthly = lines.with_columns(
        pl.when(pl.col("ServiceProviderName") == "Pinecone")
        .then(pl.col("ChargePeriodStart").dt.truncate("1mo") + pl.duration(days=31))
        .otherwise(pl.col("ChargePeriodEnd")).alias("ChargePeriodEnd"),
        pl.when(pl.col("ServiceProviderName") == "Pinecone")
        .then(pl.col("ChargePeriodStart").dt.truncate("1mo")).otherwise(pl.col("ChargePeriodStart")).alias("ChargePeriodStart"),
    )
    frame = spend.cost_frame(monthly, Filters(), {})
    spread = spend.amortized(frame).collect()
    pinecone = spread.filter(pl.col("provider") == "pinecone")
    assert pinecone.height == 31 and pinecone["cost"].sum() == pytest.approx(16.0)
    assert pinecone["day"].min() == date(2026, 1, 1) and pinecone["day"].max() == date(2026, 1, 31)
    assert spread.filter(pl.col("provider") != "pinecone")["cost"].sum() == pytest.approx(15.0)  # daily lines unchanged
