"""Unit economics, statements, review share and what-if on small hand-made cases."""

from __future__ import annotations

from datetime import date, datetime, timezone

import polars as pl
import pytest

from finops.errors import InputError
from finops.schema import COST_LINES_TABLE
from finops.models.cogs.allocate import allocate
from finops.models.cogs.rules import CogsRules, Revenue
from finops.models.cogs.drivers import DRIVER_SCHEMA
from finops.models.cogs.fx import Rates
from finops.models.cogs.review import review_summary
from finops.models.cogs.statement import statement
from finops.models.cogs.unit_economics import unit_economics
from finops.models.cogs.whatif import CacheHitRate, MoveModel, PriceChange, what_if
from finops.models.pricing.catalog import load_catalog

UTC = timezone.utc
NO_RATES = Rates(pl.DataFrame(schema={"date": pl.Date, "base": pl.String, "quote": pl.String, "rate": pl.Float64}))
DAY = (datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 10, 6, tzinfo=UTC))
MONTH = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


def lines(*rows: dict) -> pl.DataFrame:
    base = {"x_Source": "test", "BillingCurrency": "USD", "x_Provenance": "billed", "ServiceProviderName": "OpenAI",
            "ChargePeriodStart": DAY[0], "ChargePeriodEnd": DAY[1]}
    return COST_LINES_TABLE.conform(pl.DataFrame([{**base, "x_LineId": f"L{i}", **r} for i, r in enumerate(rows)])).collect()


def token_drivers(*features: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [(date(2026, 10, 5), p, f, d, q) for p, f, q in features for d in ("token_cost", "requests")],
        schema=DRIVER_SCHEMA, orient="row",
    )


def tasks(**counts: int) -> pl.DataFrame:
    return pl.DataFrame({"month": ["2026-10"] * len(counts), "feature": list(counts), "tasks": list(counts.values())})


@pytest.fixture()
def small() -> tuple[pl.DataFrame, CogsRules]:
    rules = CogsRules(
        features={"vec": "a"}, teams={"t1": ("a",), "t2": ("b",)},
        revenue={"a": Revenue(per_task=3.0), "b": Revenue(per_seat=10.0, seats=2)},
    )
    cost = lines(
        {"BilledCost": 10.0, "x_CostSource": "inference", "SubAccountId": "p1"},
        {"BilledCost": 5.0, "x_CostSource": "vector_db", "SubAccountId": "vec", "ServiceProviderName": "Pinecone",
         "ChargePeriodStart": MONTH[0], "ChargePeriodEnd": MONTH[1]},
        {"BilledCost": 5.0, "x_CostSource": "human_review", "x_Feature": "b", "ConsumedUnit": "items",
         "ConsumedQuantity": 2.0, "ServiceProviderName": "Reviewers"},
        {"BilledCost": 1.0, "x_CostSource": "inference", "SubAccountId": "p_unlogged"},
    )
    alloc = allocate(cost, token_drivers(("p1", "a", 1.0)), rules, NO_RATES, "USD")
    return alloc, rules


def test_unit_economics_per_task_share_and_margin(small):
    alloc, rules = small
    ue = {r["feature"]: r for r in unit_economics(alloc, tasks(a=10, b=4), rules).iter_rows(named=True)}
    a, b = ue["a"], ue["b"]
    assert (a["cost"], a["inference"], a["non_inference"], a["tasks"]) == (15.0, 10.0, 5.0, 10)
    assert a["cost_per_task"] == pytest.approx(1.5) and a["cost_per_1k_tasks"] == pytest.approx(1500)
    assert a["inference_share"] == pytest.approx(10 / 15)
    assert a["revenue_per_task"] == 3.0 and a["margin_per_task"] == pytest.approx(1.5) and a["gross_margin"] == pytest.approx(0.5)
    assert b["revenue_per_task"] == pytest.approx(20 / 4)  # 2 seats x 10 over 4 tasks
    assert b["cost_per_task"] == pytest.approx(5 / 4) and b["inference_share"] == 0.0
    assert ue["unallocated"]["cost"] == 1.0 and ue["unallocated"]["cost_per_task"] is None
    assert sum(r["cost"] for r in ue.values()) == pytest.approx(21.0)


def test_no_tasks_means_no_cost_per_task(small):
    alloc, rules = small
    ue = {r["feature"]: r for r in unit_economics(alloc, tasks(a=10), rules).iter_rows(named=True)}
    assert ue["b"]["tasks"] == 0 and ue["b"]["cost_per_task"] is None and ue["b"]["revenue_per_task"] is None


@pytest.mark.parametrize(("kind", "owner", "expected"), [("team", "t1", 15.0), ("team", "t2", 5.0), ("project", "p1", 10.0)])
def test_statements_add_up_to_the_invoices(small, kind, owner, expected):
    alloc, rules = small
    st = statement(alloc, "2026-10", kind, owner, rules)
    assert st.total == expected and st.lines["reporting_amount"].sum() == pytest.approx(expected)
    assert st.invoices_total == 21.0
    assert st.owners["reporting_amount"].sum() == pytest.approx(st.invoices_total)
    inv = st.invoices
    assert (inv["this_statement"] + inv["other_statements"] + inv["unallocated"] - inv["reporting_total"]).abs().max() < 1e-9
    assert inv["invoice_total"].sum() == pytest.approx(21.0)


def test_statement_for_unknown_owner_names_the_known_ones(small):
    alloc, rules = small
    with pytest.raises(InputError, match="team 'nobody' in 2026-10; teams with costs: t1, t2, unallocated"):
        statement(alloc, "2026-10", "team", "nobody", rules)


def test_review_share_and_cost_per_item(small):
    alloc, rules = small
    cost = lines({"BilledCost": 5.0, "x_CostSource": "human_review", "x_Feature": "b", "ConsumedUnit": "items", "ConsumedQuantity": 2.0,
                  "PricingQuantity": 0.125, "PricingUnit": "hours"})
    out = review_summary(alloc, cost, tasks(b=40), rules).row(0, named=True)
    assert (out["feature"], out["items_reviewed"], out["review_cost"], out["reviewer_hours"]) == ("b", 2.0, 5.0, 0.125)
    assert out["cost_per_item"] == 2.5 and out["review_share"] == pytest.approx(0.05)


# -- what-if ------------------------------------------------------------------------

GPT = "gpt-4.1-2025-04-14"  # catalog: input $2/M, cached $0.5/M, output $8/M; mini: $0.4 / $0.1 / $1.6


@pytest.fixture()
def history() -> dict:
    cost = lines(
        {"BilledCost": 2.0, "x_CostSource": "inference", "SubAccountId": "p1", "x_Model": GPT, "x_TokenClass": "input_uncached"},
        {"BilledCost": 8.0, "x_CostSource": "inference", "SubAccountId": "p1", "x_Model": GPT, "x_TokenClass": "output"},
        {"BilledCost": 3.0, "x_CostSource": "observability", "x_Feature": "a", "ServiceProviderName": "Datadog"},
    )
    alloc = allocate(cost, token_drivers(("p1", "a", 1.0)), CogsRules(), NO_RATES, "USD")
    usage = pl.DataFrame({
        "charge_period_start": [DAY[0], DAY[0]], "provider": ["openai", "openai"], "model": [GPT, GPT],
        "project_id": ["p1", "p1"], "token_class": ["input_uncached", "output"], "quantity": [1_000_000, 1_000_000],
    })
    return {"alloc": alloc, "usage": usage, "tasks": tasks(a=100)}


def run(h: dict, scenario, usage: pl.DataFrame | None = None) -> dict:
    out = what_if(h["alloc"], h["usage"] if usage is None else usage, h["tasks"], scenario, NO_RATES, "USD", load_catalog())
    return out.row(0, named=True)


def test_actual_column_is_the_allocated_cost(history):
    row = run(history, PriceChange("gpt-4.1", "output", 8.0))
    assert row["actual_cost"] == history["alloc"]["reporting_cents"].sum() / 100 == 13.0
    assert row["scenario_cost"] == pytest.approx(13.0) and row["delta"] == pytest.approx(0)


def test_cheaper_model_lowers_cost_and_cost_per_task(history):
    row = run(history, MoveModel("a", "gpt-4.1-mini"))
    assert row["affected_actual"] == 10.0 and row["affected_scenario"] == pytest.approx(0.4 + 1.6)
    assert row["scenario_cost"] == pytest.approx(5.0) and row["delta"] == pytest.approx(-8.0)
    assert row["scenario_cost_per_task"] == pytest.approx(0.05) and row["actual_cost_per_task"] == pytest.approx(0.13)


def test_dearer_model_raises_cost(history):
    row = run(history, MoveModel("a", "o3"))  # o3 since 2025-06-10: $2 / $8 -> same; claude-sonnet-4-5: $3 / $15
    assert row["delta"] == pytest.approx(0.0)
    row = run(history, MoveModel("a", "claude-sonnet-4-5"))
    assert row["affected_scenario"] == pytest.approx(3.0 + 15.0) and row["delta"] == pytest.approx(8.0)


def test_higher_cache_hit_rate_lowers_cost(history):
    row = run(history, CacheHitRate("a", 0.5))
    assert row["affected_actual"] == 2.0 and row["affected_scenario"] == pytest.approx(0.5 * 2 + 0.5 * 0.5)
    assert row["delta"] == pytest.approx(-0.75)


def test_price_change_moves_cost_by_quantity_times_price(history):
    assert run(history, PriceChange("gpt-4.1", "output", 10.0, "a"))["delta"] == pytest.approx(2.0)
    assert run(history, PriceChange("gpt-4.1", "output", 4.0))["delta"] == pytest.approx(-4.0)


def test_without_metered_usage_tokens_are_estimated_from_the_bill(history):
    empty = history["usage"].clear()
    row = run(history, MoveModel("a", "gpt-4.1-mini"), usage=empty)
    assert row["tokens_from"] == "estimated" and row["delta"] == pytest.approx(-8.0)


def test_unpriced_target_gives_a_null_scenario_not_zero(history):
    row = run(history, MoveModel("a", "text-embedding-3-small"))
    assert row["scenario_cost"] is None and row["note"].startswith("unpriced: text-embedding-3-small")


def test_bad_scenarios_are_errors(history):
    with pytest.raises(InputError, match="not in the price catalog"):
        run(history, MoveModel("a", "gpt-9"))
    with pytest.raises(InputError, match="no allocated inference matches"):
        run(history, MoveModel("nobody", "gpt-4.1-mini"))
    with pytest.raises(InputError, match="between 0 and 1"):
        run(history, CacheHitRate("a", 1.5))
