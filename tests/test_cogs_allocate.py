"""COGS allocation on small hand-made cost lines: each rule and driver allocates as documented."""

from __future__ import annotations

from datetime import date, datetime, timezone

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finops.schema import COST_LINES_TABLE, REQUESTS
from finops.models.cogs.allocate import allocate
from finops.models.cogs.rules import CogsRules
from finops.models.pricing.catalog import load_catalog
from finops.models.cogs.drivers import DRIVER_SCHEMA, build_drivers, request_drivers
from finops.models.cogs.fx import Rates
from finops.models.cogs.rounding import bill_cents, split_cents

NO_RATES = Rates(pl.DataFrame(schema={"date": pl.Date, "base": pl.String, "quote": pl.String, "rate": pl.Float64}))
OCT = (datetime(2026, 10, 1, tzinfo=timezone.utc), datetime(2026, 11, 1, tzinfo=timezone.utc))


def ts(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


def lines(*rows: dict) -> pl.DataFrame:
    """Cost lines from keyword rows; by default a USD line for all of October 2026."""
    full = []
    for i, row in enumerate(rows):
        base = {
            "x_LineId": f"L{i}", "x_Source": "test", "BillingCurrency": "USD", "x_Provenance": "billed",
            "ChargePeriodStart": OCT[0], "ChargePeriodEnd": OCT[1], "ServiceProviderName": "Vendor",
        }
        full.append({**base, **row})
    return COST_LINES_TABLE.conform(pl.DataFrame(full)).collect()


def drivers(*rows: tuple) -> pl.DataFrame:
    """Driver rows (day, project, feature, driver, quantity)."""
    return pl.DataFrame(list(rows), schema=DRIVER_SCHEMA, orient="row")


def run(cost: pl.DataFrame, table: pl.DataFrame, rules: CogsRules | None = None) -> pl.DataFrame:
    return allocate(cost, table, rules or CogsRules(), NO_RATES, "USD")


def cents_by(out: pl.DataFrame, *keys: str) -> dict:
    grouped = out.group_by(list(keys)).agg(pl.col("cents").sum())
    return {tuple(r[:-1]) if len(keys) > 1 else r[0]: r[-1] for r in grouped.iter_rows()}


D = date(2026, 10, 5)


def test_direct_line_goes_whole_to_its_feature():
    out = run(lines({"BilledCost": 12.34, "x_CostSource": "vector_db", "x_Feature": "rag"}), drivers())
    assert out.select("feature", "method", "cents", "provenance").rows() == [("rag", "direct", 1234, "billed")]


def test_mapped_sub_account_goes_to_its_feature():
    rules = CogsRules(features={"search": "rag"})
    out = run(lines({"BilledCost": 5.0, "x_CostSource": "vector_db", "SubAccountId": "search"}), drivers(), rules)
    assert out.select("feature", "project_id", "method", "cents").rows() == [("rag", "search", "mapped", 500)]


def test_requests_driver_splits_by_request_counts():
    table = drivers((D, "p1", "a", "requests", 1.0), (D, "p1", "b", "requests", 3.0))
    out = run(lines({"BilledCost": 10.0, "x_CostSource": "observability"}), table)
    assert cents_by(out, "feature") == {"a": 250, "b": 750}
    assert set(out["provenance"]) == {"estimated"} and set(out["window"]) == {"period"}


def test_tokens_and_tasks_drivers():
    table = drivers(
        (D, "p1", "a", "tokens", 900.0), (D, "p1", "b", "tokens", 100.0),
        (D, "p1", "a", "tasks", 1.0), (D, "p1", "b", "tasks", 1.0),
    )
    rules = CogsRules(drivers={"observability": "tokens", "storage": "tasks"})
    out = run(lines({"BilledCost": 1.0, "x_CostSource": "observability"}, {"BilledCost": 1.01, "x_CostSource": "storage"}), table, rules)
    assert cents_by(out, "x_CostSource", "feature") == {
        ("observability", "a"): 90, ("observability", "b"): 10, ("storage", "a"): 51, ("storage", "b"): 50,
    }


def test_token_cost_splits_a_project_inference_line_within_the_project():
    table = drivers(
        (D, "p1", "a", "token_cost", 1.0), (D, "p1", "b", "token_cost", 3.0), (D, "p2", "c", "token_cost", 100.0),
    )
    day = {"ChargePeriodStart": ts("2026-10-05"), "ChargePeriodEnd": ts("2026-10-06")}
    out = run(lines({"BilledCost": 4.0, "x_CostSource": "inference", "SubAccountId": "p1", **day}), table)
    assert cents_by(out, "feature", "project_id") == {("a", "p1"): 100, ("b", "p1"): 300}


def test_token_cost_falls_back_to_tokens_when_a_model_is_unpriced():
    table = drivers(
        (D, "p1", "a", "token_cost", None), (D, "p1", "b", "token_cost", 3.0),
        (D, "p1", "a", "tokens", 1.0), (D, "p1", "b", "tokens", 1.0),
    )
    out = run(lines({"BilledCost": 2.0, "x_CostSource": "inference", "SubAccountId": "p1"}), table)
    assert cents_by(out, "feature") == {"a": 100, "b": 100}
    assert set(out["driver"]) == {"tokens"}


def test_window_widens_to_the_month_when_the_period_has_no_driver():
    table = drivers((date(2026, 10, 20), "p1", "a", "requests", 2.0))
    day = {"ChargePeriodStart": ts("2026-10-05"), "ChargePeriodEnd": ts("2026-10-06")}
    out = run(lines({"BilledCost": 1.0, "x_CostSource": "observability", **day}), table)
    assert out.select("feature", "window", "cents").rows() == [("a", "month", 100)]


def test_line_drivers_use_metered_quantities_of_attributed_lines():
    rules = CogsRules(features={"search": "rag", "support": "chat"})
    cost = lines(
        {"BilledCost": 3.0, "x_CostSource": "vector_db", "SubAccountId": "search", "SkuMeter": "Read Units", "ConsumedQuantity": 3000.0},
        {"BilledCost": 1.0, "x_CostSource": "vector_db", "SubAccountId": "support", "SkuMeter": "Read Units", "ConsumedQuantity": 1000.0},
        {"BilledCost": 1.0, "x_CostSource": "vector_db", "SubAccountId": "search", "SkuMeter": "Storage", "ConsumedQuantity": 1.0},
        {"BilledCost": 1.0, "x_CostSource": "vector_db", "SubAccountId": "support", "SkuMeter": "Storage", "ConsumedQuantity": 4.0},
        {"BilledCost": 50.0, "x_CostSource": "vector_db", "SkuMeter": "Minimum Usage"},
        {"BilledCost": 10.0, "x_CostSource": "storage"},
        {"BilledCost": 1.5, "x_CostSource": "human_review", "x_Feature": "chat", "ConsumedUnit": "items", "ConsumedQuantity": 2.0},
        {"BilledCost": 1.5, "x_CostSource": "human_review", "x_Feature": "docs", "ConsumedUnit": "items", "ConsumedQuantity": 1.0},
        {"BilledCost": 3.0, "x_CostSource": "human_review", "ChargeDescription": "review platform fee"},
    )
    empty_requests = pl.LazyFrame(schema=REQUESTS)
    out = run(cost, build_drivers(cost, empty_requests, rules, load_catalog()), rules)
    shared = out.filter(pl.col("method") == "driver")
    assert cents_by(shared, "x_CostSource", "driver", "feature") == {
        ("vector_db", "retrieval_calls", "rag"): 3750, ("vector_db", "retrieval_calls", "chat"): 1250,
        ("storage", "stored_vectors", "rag"): 200, ("storage", "stored_vectors", "chat"): 800,
        ("human_review", "reviewed_items", "chat"): 200, ("human_review", "reviewed_items", "docs"): 100,
    }


def test_fixed_shares_and_missing_shares():
    rules = CogsRules(drivers={"contract": "fixed"}, fixed_shares={"contract": {"a": 1, "b": 1, "c": 1}})
    cost = lines(
        {"BilledCost": 1.00, "x_CostSource": "contract"},
        {"BilledCost": 2.00, "x_CostSource": "storage", "x_AllocationDriver": "fixed"},
    )
    out = run(cost, drivers(), rules)
    # 100 cents over three equal shares: 33 each, the odd cent to the first name.
    assert cents_by(out.filter(pl.col("x_CostSource") == "contract"), "feature") == {"a": 34, "b": 33, "c": 33}
    left = out.filter(pl.col("x_CostSource") == "storage")
    assert left.select("feature", "cents").rows() == [("unallocated", 200)]
    assert "fixed_shares.storage" in left["reason"][0]


def test_unlogged_project_inference_is_unallocated_with_its_reason():
    table = drivers((D, "p1", "a", "token_cost", 1.0))
    out = run(lines({"BilledCost": 7.0, "x_CostSource": "inference", "SubAccountId": "proj_eval"}), table)
    row = out.row(0, named=True)
    assert (row["feature"], row["project_id"], row["cents"]) == ("unallocated", "proj_eval", 700)
    assert "proj_eval" in row["reason"] and "[cogs.features]" in row["reason"]


def test_shared_line_without_any_driver_data_is_unallocated():
    out = run(lines({"BilledCost": 1.0, "x_CostSource": "observability"}), drivers())
    assert out["feature"].to_list() == ["unallocated"] and "no requests recorded" in out["reason"][0]


def test_untagged_requests_share_goes_to_unallocated():
    table = drivers((D, "p1", "a", "requests", 1.0), (D, "p1", "", "requests", 1.0))
    out = run(lines({"BilledCost": 1.0, "x_CostSource": "observability"}), table)
    assert cents_by(out, "feature") == {"a": 50, "unallocated": 50}
    assert out.filter(pl.col("feature") == "unallocated")["reason"][0] == "requests without a feature tag"


def test_config_driver_beats_line_driver_beats_default():
    table = drivers((D, "p1", "a", "requests", 1.0), (D, "p1", "b", "requests", 1.0), (D, "p1", "a", "tokens", 1.0))
    cost = lines(
        {"BilledCost": 1.0, "x_CostSource": "observability", "x_AllocationDriver": "tokens"},
        {"BilledCost": 1.0, "x_CostSource": "storage", "x_AllocationDriver": "tokens"},
    )
    out = run(cost, table, CogsRules(drivers={"observability": "requests"}))
    assert set(out.filter(pl.col("x_CostSource") == "observability")["driver"]) == {"requests"}
    assert cents_by(out.filter(pl.col("x_CostSource") == "storage"), "feature") == {"a": 100}


def test_request_drivers_from_a_requests_frame():
    reqs = pl.LazyFrame({
        "ts": [ts("2026-10-05T10:00:00")] * 3,
        "provider": ["openai"] * 3, "model": ["gpt-4.1-2025-04-14", "gpt-4.1-2025-04-14", "text-embedding-3-small"],
        "project_id": ["p1"] * 3, "feature": ["a", "b", "b"], "task_id": ["t1", "t2", "t2"],
        "input_tokens": [1_000_000, 0, 1_000_000], "cached_input_tokens": [0, 0, 0], "cache_write_tokens": [0, 0, 0],
        "output_tokens": [0, 1_000_000, 0],
    })
    table = request_drivers(reqs, load_catalog())
    got = {(r["feature"], r["driver"]): r["quantity"] for r in table.iter_rows(named=True)}
    # Catalog: gpt-4.1 input $2/M, output $8/M; text-embedding-3-small $0.02/M.
    assert got[("a", "token_cost")] == pytest.approx(2.0)
    assert got[("b", "token_cost")] == pytest.approx(8.02)
    assert got[("b", "requests")] == 2 and got[("b", "tasks")] == 1 and got[("a", "tokens")] == 1_000_000
    # The weights come from the catalog the caller passes (the context's, with [pricing] override merged):
    # a negotiated $4/M output price halves feature b's chat weight; nothing falls back to the default catalog.
    override = tmp_catalog("openai,gpt-4.1,output,4.00,2025-04-14,,contract,2025-04-14")
    table = request_drivers(reqs, load_catalog(override))
    got = {(r["feature"], r["driver"]): r["quantity"] for r in table.iter_rows(named=True)}
    assert got[("a", "token_cost")] == pytest.approx(2.0)
    assert got[("b", "token_cost")] == pytest.approx(4.02)


def tmp_catalog(*rows: str):  # type: ignore[no-untyped-def]
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "negotiated.csv"
    path.write_text("provider,model,token_class,usd_per_million,effective_from,effective_to,source_url,as_of\n"
                    + "\n".join(rows) + "\n")
    return path


def test_eur_line_gets_reporting_cents_at_the_dated_rate():
    rates = Rates(pl.DataFrame({"date": [date(2026, 10, 31)], "base": ["EUR"], "quote": ["USD"], "rate": [1.1]}))
    out = allocate(lines({"BilledCost": 100.0, "BillingCurrency": "EUR", "x_CostSource": "observability", "x_Feature": "a"}),
                   drivers(), CogsRules(), rates, "USD")
    assert out.select("BillingCurrency", "cents", "reporting_currency", "reporting_cents").rows() == [("EUR", 10000, "USD", 11000)]


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.decimals(min_value=-50, max_value=500, places=6, allow_nan=False), min_size=1, max_size=40),
)
def test_bill_cents_add_up_to_the_rounded_total(amounts):
    frame = pl.DataFrame({"g": ["x"] * len(amounts), "i": list(range(len(amounts))), "a": [float(a) for a in amounts]})
    out = bill_cents(frame, "a", ["g"], ["i"], "c")
    exact = sum(amounts) * 100
    assert abs(out["c"].sum() - exact) <= 0.5
    assert all(abs(c - float(a) * 100) < 1 for c, a in zip(out.sort("i")["c"], amounts))


@settings(max_examples=80, deadline=None)
@given(
    cents=st.integers(min_value=-10_000_000, max_value=10_000_000),
    weights=st.lists(st.floats(min_value=0.001, max_value=1e6), min_size=1, max_size=12),
)
def test_split_cents_is_exact_and_within_a_cent(cents, weights):
    frame = pl.DataFrame({"line": [0] * len(weights), "t": [f"f{i:02d}" for i in range(len(weights))],
                          "w": weights, "c": [cents] * len(weights)})
    out = split_cents(frame, ["line"], "c", "w", ["t"], "part")
    assert out["part"].sum() == cents
    total = sum(weights)
    for part, w in zip(out.sort("t")["part"], sorted(zip(frame["t"], weights))):
        assert abs(part - cents * w[1] / total) < 1
