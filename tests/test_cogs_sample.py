"""COGS on the loaded sample: nothing dropped to the cent, every month; unit economics, statements, what-if."""

from __future__ import annotations

import csv
from bisect import bisect_right
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

from finops.models.pricing.catalog import load_catalog
import pytest

from finops.config import ConfigFile
from finops.store import Store
from finops.services import cogs as report
from finops.models.cogs.statement import statement
from finops.models.cogs.whatif import CacheHitRate, MoveModel, PriceChange

REPO = Path(__file__).resolve().parents[1]
MONTH = "2026-10"


@pytest.fixture(scope="module")
def store(sample_store_path: Path) -> Store:
    return Store(sample_store_path)


@pytest.fixture(scope="module")
def setup() -> report.CogsSetup:
    return report.CogsSetup.from_config(ConfigFile.load(REPO / "sample_data" / "finops.toml"), load_catalog())


@pytest.fixture(scope="module")
def alloc(store: Store, setup: report.CogsSetup) -> pl.DataFrame:
    return report.allocation(store, setup)


@pytest.fixture(scope="module")
def lines(store: Store) -> pl.DataFrame:
    return store.scan("cost_lines").collect()


def cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fx_lookup() -> dict[str, tuple[list[date], list[float]]]:
    """Rates from the sample's file, read independently of models.cogs.fx: {base: (days, rates)} into USD."""
    table: dict[str, tuple[list[date], list[float]]] = {}
    with open(REPO / "sample_data" / "fx_rates.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            assert row["quote"] == "USD"
            days, rates = table.setdefault(row["base"], ([], []))
            days.append(date.fromisoformat(row["date"]))
            rates.append(float(row["rate"]))
    return table


def test_every_line_is_allocated_once_and_whole(alloc, lines):
    assert alloc["__line"].n_unique() == lines.height
    per_line = alloc.group_by("x_Source", "x_LineId").agg(pl.len())
    assert per_line.height == lines.height
    shares = alloc.group_by("__line").agg(pl.col("share").sum())
    assert shares["share"].min() == pytest.approx(1.0) and shares["share"].max() == pytest.approx(1.0)


def test_allocated_totals_equal_the_cost_lines_to_the_cent_every_month(alloc, lines):
    expected: dict[tuple[str, str], Decimal] = {}
    for start, cur, cost in lines.select("ChargePeriodStart", "BillingCurrency", "BilledCost").iter_rows():
        key = (start.strftime("%Y-%m"), cur.upper())
        expected[key] = expected.get(key, Decimal(0)) + Decimal(repr(cost))
    got = {(m, c): v for m, c, v in alloc.group_by("month", "BillingCurrency").agg(pl.col("cents").sum()).iter_rows()}
    assert set(got) == set(expected)
    months = {m for m, _ in expected}
    assert len(months) >= 18  # the whole sample period, month by month
    for key, total in expected.items():
        assert got[key] == cents(total), key


def test_reporting_currency_totals_match_dated_rates(alloc, lines, setup):
    fx = fx_lookup()
    expected: dict[tuple[str, str], Decimal] = {}
    for start, end, cur, cost in lines.select("ChargePeriodStart", "ChargePeriodEnd", "BillingCurrency", "BilledCost").iter_rows():
        rate = 1.0
        if cur.upper() != setup.reporting_currency:
            last_day = (end - timedelta(microseconds=1)).date()
            days, rates = fx[cur.upper()]
            i = bisect_right(days, last_day) - 1
            assert i >= 0 and (last_day - days[i]).days <= 7
            rate = rates[i]
        key = (start.strftime("%Y-%m"), cur.upper())
        expected[key] = expected.get(key, Decimal(0)) + Decimal(repr(cost)) * Decimal(repr(rate))
    got = alloc.group_by("month", "BillingCurrency").agg(pl.col("reporting_cents").sum())
    for month, cur, value in got.iter_rows():
        assert abs(value - float(expected[(month, cur)]) * 100) <= 0.5 + 1e-6, (month, cur)
    usd = alloc.filter(pl.col("BillingCurrency") == setup.reporting_currency)
    assert (usd["cents"] == usd["reporting_cents"]).all()


def test_only_unlogged_projects_are_unallocated(alloc, lines, store):
    logged = set(store.scan("requests").select("project_id").unique().collect()["project_id"])
    inference = lines.filter(pl.col("x_CostSource").is_in(["inference", "embeddings"]))
    unlogged = set(inference["SubAccountId"]) - logged
    assert unlogged  # the sample has an eval batch that bypasses the logger
    left = alloc.filter(pl.col("feature") == "unallocated")
    assert set(left["project_id"]) == unlogged
    assert all("no logged requests for project" in r for r in left["reason"])
    expected = inference.filter(pl.col("SubAccountId").is_in(list(unlogged)))["BilledCost"].sum()
    assert left["cents"].sum() / 100 == pytest.approx(expected, abs=0.01 * len(set(left["month"])))


def test_a_project_inference_lands_on_its_own_features(alloc, lines, store):
    pairs = store.scan("requests").select("project_id", "feature").unique().collect()
    features_of = {p: set(g["feature"]) for (p,), g in pairs.group_by("project_id")}
    inference = alloc.filter(pl.col("x_CostSource") == "inference")
    for (project,), part in inference.group_by("SubAccountId"):
        if project in features_of:
            assert set(part["feature"]) <= features_of[project], project
            assert set(part["project_id"]) == {project}


def test_unit_economics_add_up(store, setup, alloc):
    ue = report.unit_economics(store, setup, MONTH)
    month_total = alloc.filter(pl.col("month") == MONTH)["reporting_cents"].sum() / 100
    assert ue["cost"].sum() == pytest.approx(month_total)
    tasks = (
        store.scan("requests").group_by("feature", "task_id").agg(pl.col("ts").min())
        .filter(pl.col("ts").dt.strftime("%Y-%m") == MONTH).group_by("feature").agg(pl.len()).collect()
    )
    counted = dict(tasks.iter_rows())
    for row in ue.iter_rows(named=True):
        assert row["tasks"] == counted.get(row["feature"], 0)
        if row["tasks"]:
            assert row["cost_per_task"] * row["tasks"] == pytest.approx(row["cost"])
            assert row["cost_per_1k_tasks"] == pytest.approx(row["cost_per_task"] * 1000)
        assert 0.0 <= row["inference_share"] <= 1.0
        assert row["inference"] + row["non_inference"] == pytest.approx(row["cost"])
    assert ue.filter(pl.col("feature") == "unallocated")["cost_per_task"].to_list() == [None]


def test_team_statements_add_up_to_the_invoices(alloc, setup):
    month = alloc.filter(pl.col("month") == MONTH)
    total = month["reporting_cents"].sum() / 100
    teams = list(setup.rules.teams)
    seen = 0.0
    for team in teams:
        st = statement(month, MONTH, "team", team, setup.rules)
        assert st.invoices_total == pytest.approx(total)
        assert st.owners["reporting_amount"].sum() == pytest.approx(total)
        assert st.lines["reporting_amount"].sum() == pytest.approx(st.total)
        feats = setup.rules.teams[team]
        assert st.total == pytest.approx(month.filter(pl.col("feature").is_in(feats))["reporting_cents"].sum() / 100)
        seen += st.total
    unallocated = month.filter(pl.col("feature") == "unallocated")["reporting_cents"].sum() / 100
    no_team = month.filter(~pl.col("feature").is_in([f for fs in setup.rules.teams.values() for f in fs] + ["unallocated"]))
    assert seen + unallocated + no_team["reporting_cents"].sum() / 100 == pytest.approx(total)


def test_project_statement_includes_unallocated_lines_of_the_project(alloc, setup):
    st = statement(alloc, MONTH, "project", "proj_eval", setup.rules)
    assert set(st.lines["feature"]) == {"unallocated"} and st.total > 0


# -- what-if against the store -------------------------------------------------------


def run(store, setup, scenario) -> dict:
    return report.what_if(store, setup, MONTH, scenario).row(0, named=True)


def test_what_if_actual_equals_the_store(store, setup, alloc):
    row = run(store, setup, MoveModel("code-agent", "claude-3-5-haiku"))
    stored = alloc.filter((pl.col("month") == MONTH) & (pl.col("feature") == "code-agent"))["reporting_cents"].sum() / 100
    assert row["actual_cost"] == pytest.approx(stored)
    ue = report.unit_economics(store, setup, MONTH).filter(pl.col("feature") == "code-agent").row(0, named=True)
    assert row["actual_cost_per_task"] == pytest.approx(ue["cost_per_task"]) and row["tasks"] == ue["tasks"]


def test_what_if_moves_in_the_right_direction(store, setup):
    cheaper = run(store, setup, MoveModel("code-agent", "claude-3-5-haiku"))
    assert cheaper["delta"] < 0 and cheaper["scenario_cost_per_task"] < cheaper["actual_cost_per_task"]
    dearer = run(store, setup, MoveModel("support-chat", "claude-sonnet-4-5"))
    assert dearer["delta"] > 0 and dearer["tokens_from"] == "metered"
    more_cache = run(store, setup, CacheHitRate("code-agent", 0.99))
    less_cache = run(store, setup, CacheHitRate("code-agent", 0.0))
    assert more_cache["delta"] < 0 < less_cache["delta"]


def test_price_change_moves_cost_by_metered_quantity(store, setup):
    usage = report.billed_usage(store, [MONTH])
    qty = usage.filter(
        pl.col("model").str.starts_with("gpt-4.1-2") & (pl.col("token_class") == "output") & (pl.col("project_id") == "proj_search")
    )["quantity"].sum()
    base = run(store, setup, PriceChange("gpt-4.1", "output", 8.0, "rag-search"))
    up = run(store, setup, PriceChange("gpt-4.1", "output", 9.0, "rag-search"))
    assert up["delta"] - base["delta"] == pytest.approx(qty / 1e6, rel=1e-6)


# -- the shared COGS bills, checked against the sample's own files -------------------


def test_shared_vector_db_minimum_follows_read_units(alloc, sample_dir):
    usage = pl.read_csv(sample_dir / "cogs" / "pinecone_usage.csv", try_parse_dates=True)
    reads = usage.filter(pl.col("sku") == "Read Units").group_by(
        pl.col("start_date").dt.strftime("%Y-%m").alias("month"), "project_name"
    ).agg(pl.col("quantity").sum())
    minimum = alloc.filter((pl.col("x_CostSource") == "vector_db") & (pl.col("method") == "driver"))
    assert minimum.height and set(minimum["driver"]) == {"retrieval_calls"}
    for (month,), part in minimum.group_by("month"):
        ru = dict(reads.filter(pl.col("month") == month).select("project_name", "quantity").iter_rows())
        total = part["cents"].sum()
        for project, got in part.group_by("project_id").agg(pl.col("cents").sum()).iter_rows():
            assert abs(got - total * ru[project] / sum(ru.values())) < 1, (month, project)


def test_observability_follows_each_feature_requests(alloc, store):
    counts = store.scan("requests").group_by(
        pl.col("ts").dt.strftime("%Y-%m").alias("month"), "feature"
    ).agg(pl.len().alias("n")).collect()
    obs = alloc.filter(pl.col("x_CostSource") == "observability")
    assert obs.height and set(obs["method"]) == {"driver"} and set(obs["BillingCurrency"]) == {"EUR"}
    for (line,), part in obs.group_by("__line"):
        month = part["month"][0]
        n = dict(counts.filter(pl.col("month") == month).select("feature", "n").iter_rows())
        per_feature = dict(part.group_by("feature").agg(pl.col("cents").sum()).iter_rows())
        total = part["cents"].sum()
        for feature, got in per_feature.items():
            assert abs(got - total * n[feature] / sum(n.values())) < len(part), (month, feature)


def test_review_items_and_share_match_the_review_file(store, setup, sample_dir):
    review = pl.read_csv(sample_dir / "cogs" / "human_review.csv", try_parse_dates=True).filter(
        pl.col("date").dt.strftime("%Y-%m") == MONTH
    )
    expected = dict(review.group_by("feature").agg(pl.col("items_reviewed").sum()).iter_rows())
    cost = dict(review.group_by("feature").agg((pl.col("reviewer_minutes") / 60 * pl.col("hourly_rate")).sum()).iter_rows())
    out = report.review(store, setup, MONTH)
    assert set(out["feature"]) == set(expected)
    for row in out.iter_rows(named=True):
        assert row["items_reviewed"] == expected[row["feature"]]
        assert row["review_cost"] == pytest.approx(cost[row["feature"]], abs=0.01 * 31)
        assert row["review_share"] == pytest.approx(row["items_reviewed"] / row["tasks"])
