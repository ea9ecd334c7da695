"""`finops cogs` on a copy of the loaded sample: formats, statements, what-if, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from finops.models.pricing.catalog import load_catalog
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.config import ConfigFile
from finops.errors import ConfigError, CurrencyError, InputError
from finops.schema import COST_LINES_TABLE, line_id
from finops.store import Store
from finops.services import cogs as report

REPO = Path(__file__).resolve().parents[1]
MONTH = "2026-10"
runner = CliRunner()


@pytest.fixture()
def home(finops_home: Path) -> Path:
    for name in ("finops.toml", "fx_rates.csv"):
        shutil.copy(REPO / "sample_data" / name, finops_home / name)
    return finops_home


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def month_total(home: Path) -> float:
    setup = report.CogsSetup.from_config(ConfigFile.load(home / "finops.toml"), load_catalog())
    return report.allocation(Store(home / "store"), setup, [MONTH])["reporting_cents"].sum() / 100


def test_by_feature_json_adds_up_to_the_month(home):
    rows = json.loads(invoke("cogs", "--month", MONTH, "--format", "json"))
    assert {r["month"] for r in rows} == {MONTH}
    assert sum(r["cost"] for r in rows) == pytest.approx(month_total(home))
    unallocated = [r for r in rows if r["feature"] == "unallocated"]
    assert len(unallocated) == 1 and unallocated[0]["cost_per_task"] is None
    for r in rows:
        if r["tasks"]:
            assert r["cost_per_task"] == pytest.approx(r["cost"] / r["tasks"])


@pytest.mark.parametrize("by", ["project", "source", "team"])
def test_other_groupings_csv_add_up(home, by):
    rows = list(csv.DictReader(io.StringIO(invoke("cogs", "--month", MONTH, "--by", by, "--format", "csv"))))
    assert rows and sum(float(r["cost"]) for r in rows) == pytest.approx(month_total(home))


def test_table_names_the_total_and_the_unallocated_reason(home):
    out = invoke("cogs", "--month", MONTH)
    assert "cost/task" in out and "code-agent" in out
    assert f"{month_total(home):,.2f}" in out
    assert "[cogs.features]" in out  # the reason prints literally, not as markup


def test_default_month_is_the_latest(home):
    latest = report.months_with_costs(Store(home / "store"))[-1]
    rows = json.loads(invoke("cogs", "--format", "json"))
    assert {r["month"] for r in rows} == {latest}


def test_all_months(home):
    rows = json.loads(invoke("cogs", "--month", "all", "--by", "source", "--format", "json"))
    assert sorted({r["month"] for r in rows}) == report.months_with_costs(Store(home / "store"))


def test_statement_json_reconciles_to_the_invoices(home):
    doc = json.loads(invoke("cogs", "statement", "--team", "support", "--month", MONTH, "--format", "json"))
    assert doc["invoices_total"] == pytest.approx(month_total(home))
    assert sum(o["reporting_amount"] for o in doc["owners"]) == pytest.approx(doc["invoices_total"])
    assert sum(line["reporting_amount"] for line in doc["lines"]) == pytest.approx(doc["total"])
    assert {line["feature"] for line in doc["lines"]} <= {"support-chat", "support-ja"}
    table = invoke("cogs", "statement", "--project", "proj_eval", "--month", MONTH)
    assert "no logged requests for project proj_eval" in table and "Invoices of" in table


def test_what_if_json(home):
    rows = json.loads(invoke("cogs", "what-if", "--month", MONTH, "--feature", "code-agent", "--model", "claude-3-5-haiku", "--format", "json"))
    assert len(rows) == 1 and rows[0]["delta"] < 0
    rows = json.loads(invoke("cogs", "what-if", "--month", MONTH, "--price", "gpt-4.1:output=12", "--format", "json"))
    assert rows and all(r["delta"] > 0 for r in rows)
    assert "cache hit rate 90%" in invoke("cogs", "what-if", "--month", MONTH, "--feature", "support-chat", "--cache-hit-rate", "0.9")


def test_review_command_runs(home):
    rows = json.loads(invoke("cogs", "review", "--month", MONTH, "--format", "json"))
    for r in rows:
        if r["items_reviewed"] and r["tasks"]:
            assert r["review_share"] == pytest.approx(r["items_reviewed"] / r["tasks"])


def test_bad_cogs_config_is_a_one_line_error(home):
    path = home / "finops.toml"
    text = path.read_text().replace('vector_db = "retrieval_calls"', 'vector_db = "queries"')
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith('vector_db = "queries"'))
    result = runner.invoke(app, ["cogs", "--month", MONTH])
    assert isinstance(result.exception, ConfigError)
    msg = result.exception.one_line()
    assert "\n" not in msg and f"finops.toml:{line}: cogs.drivers.vector_db: unknown driver 'queries'" in msg


def test_bad_arguments_are_errors(home):
    for args, match in [
        (["cogs", "--month", "2026-13"], "--month: expected YYYY-MM"),
        (["cogs", "--month", "2030-01"], "no cost lines for 2030-01"),
        (["cogs", "statement", "--month", MONTH], "exactly one of --project or --team"),
        (["cogs", "what-if", "--month", MONTH, "--feature", "x"], "exactly one of --model"),
        (["cogs", "what-if", "--month", MONTH, "--price", "gpt-4.1=3"], "--price: expected"),
    ]:
        result = runner.invoke(app, args)
        assert isinstance(result.exception, InputError) and match in str(result.exception), args


def test_missing_exchange_rate_is_an_error_not_one_to_one(home):
    when = datetime(2027, 1, 1, tzinfo=timezone.utc)
    line = pl.DataFrame({
        "BilledCost": [12.5], "EffectiveCost": [12.5], "BillingCurrency": ["GBP"], "ChargePeriodStart": [when],
        "ChargePeriodEnd": [datetime(2027, 2, 1, tzinfo=timezone.utc)], "x_Source": ["test:gbp"], "x_CostSource": ["observability"],
        "ServiceProviderName": ["Vendor"], "x_Provenance": ["billed"],
    }).with_columns(line_id("ChargePeriodStart", "x_Source"))
    Store(home / "store").upsert("cost_lines", COST_LINES_TABLE.conform(line).collect())
    result = runner.invoke(app, ["cogs", "--month", "2027-01"])
    assert isinstance(result.exception, CurrencyError)
    assert "no GBP->USD exchange rate on 2027-01-31" in result.exception.one_line()
