"""Energy and carbon over the loaded sample: per-request figures, sums by every grouping, cost, what-if."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest

from finops.rollup import daily_rollup
from finops.schema import REQUESTS
from finops.models.energy import data, method
from finops.models.energy.carbon import GROUPINGS, month_filter, per_request, summarise
from finops.models.energy.whatif import move, resolve_target
from finops.services.energy import carbon_by, what_if
from finops.models.pricing.catalog import load_catalog, price

MONTH = "2026-10"
LEVELS = method.LEVELS


@pytest.fixture(scope="module")
def month_rows(sample_store_path) -> pl.DataFrame:
    from finops.store import Store

    return per_request(Store(sample_store_path).scan("requests").filter(month_filter(MONTH)).collect(), catalog=load_catalog())


def test_every_sample_request_gets_an_ordered_estimate(month_rows: pl.DataFrame) -> None:
    assert month_rows.height > 10_000
    assert month_rows["wh_mid"].null_count() == 0 and month_rows["cost_usd"].null_count() == 0
    for m in ("wh", "gco2e"):
        assert (month_rows[f"{m}_low"] <= month_rows[f"{m}_mid"]).all() and (month_rows[f"{m}_mid"] <= month_rows[f"{m}_high"]).all()
        assert (month_rows[f"{m}_low"] < month_rows[f"{m}_high"]).all()
    assert set(month_rows["energy_provenance"]) == {"estimated"}
    assert set(month_rows["grid_region"]) == {"us", "eu", "jp"}


def test_the_frame_path_equals_the_scalar_method(month_rows: pl.DataFrame) -> None:
    params = data.model_params()
    for model in month_rows["model"].unique().sort().to_list():
        row = month_rows.filter(pl.col("model") == model).sort("request_id").row(0, named=True)
        p = params.filter((pl.col("provider") == row["provider"]) & (pl.col("model") == row["param_model"])).row(0, named=True)
        pue = data.pue().filter(pl.col("provider") == row["provider"]).row(0, named=True)
        wh = method.request_wh(
            active_b=(p["active_b_low"], p["active_b_high"]), total_b=(p["total_b_low"], p["total_b_high"]),
            uncached_in=row["input_tokens"] - row["cached_input_tokens"], cached_in=row["cached_input_tokens"],
            output=row["output_tokens"], pue=(pue["pue_low"], pue["pue_high"]), latency_s=row["latency_ms"] / 1000,
            embedding=p["kind"] == "embedding",
        )
        intensity = data.grid().filter(pl.col("region") == row["region"])["gco2e_per_kwh"][0]
        for level in LEVELS:
            assert row[f"wh_{level}"] == pytest.approx(getattr(wh, level), rel=1e-9), (model, level)
            assert row[f"gco2e_{level}"] == pytest.approx(getattr(wh, level) * intensity / 1000, rel=1e-9)


@pytest.mark.parametrize("by", ["feature", "model", "month", "project", "task", "region"])
def test_every_grouping_adds_up_to_the_requests(month_rows: pl.DataFrame, by: str) -> None:
    grouped = summarise(month_rows, GROUPINGS[by])
    assert grouped["requests"].sum() == month_rows.height
    for col in ("wh_low", "wh_mid", "wh_high", "gco2e_low", "gco2e_mid", "gco2e_high", "cost_usd"):
        assert grouped[col].sum() == pytest.approx(month_rows[col].sum(), rel=1e-9), col
    for m in ("tokens_per_wh", "cost_per_kgco2e", "wh_per_task"):
        assert (grouped[f"{m}_low"] <= grouped[f"{m}_mid"]).all() and (grouped[f"{m}_mid"] <= grouped[f"{m}_high"]).all(), m
    assert set(grouped["provenance"]) == {"estimated"}


def test_carbon_by_reads_the_store_and_matches_the_rows(sample_store, month_rows: pl.DataFrame) -> None:
    by_feature = carbon_by(sample_store, "feature", MONTH, catalog=load_catalog())
    assert by_feature["wh_mid"].sum() == pytest.approx(month_rows["wh_mid"].sum(), rel=1e-9)
    one = month_rows.filter(pl.col("feature") == "support-chat")
    row = by_feature.filter(pl.col("feature") == "support-chat").row(0, named=True)
    assert row["tasks"] == one["task_id"].n_unique()
    assert row["tokens_per_wh_low"] == pytest.approx((one["input_tokens"] + one["output_tokens"]).sum() / one["wh_high"].sum())
    assert row["cost_per_kgco2e_low"] == pytest.approx(one["cost_usd"].sum() / (one["gco2e_high"].sum() / 1000))


def test_request_costs_equal_the_rollup_priced_at_the_catalog(sample_store, month_rows: pl.DataFrame) -> None:
    # An independent path: the reconcile engine's daily token classes x the catalog price.
    roll = daily_rollup(sample_store.scan("requests").filter(month_filter(MONTH))).collect()
    classes = ["input_uncached", "input_cache_read", "input_cache_write_5m", "output", "embedding"]
    long = roll.unpivot(index=["day", "provider", "model"], on=classes, variable_name="token_class", value_name="tokens")
    priced = price(long.filter(pl.col("tokens") > 0), load_catalog())
    expected = (priced["tokens"] * priced["usd_per_million"] / 1e6).sum()
    assert month_rows["cost_usd"].sum() == pytest.approx(expected, rel=1e-9)


def test_unknown_models_and_regions_are_flagged_not_zero(month_rows: pl.DataFrame) -> None:
    base = month_rows.select(list(REQUESTS.names())).head(4)
    odd = base.with_columns(
        pl.Series("model", ["mystery-model-1", base["model"][1], base["model"][2], base["model"][3]]),
        pl.Series("region", [base["region"][0], "atlantis-1", None, base["region"][3]]),
    )
    rows = per_request(odd, catalog=load_catalog())
    assert rows["wh_mid"][0] is None and rows["cost_usd"][0] is None
    assert rows["grid_region"].to_list()[1:3] == ["default", "default"]
    assert rows["gco2e_per_kwh"][1] == pytest.approx(473.0)
    summary = summarise(rows, ["provider"])
    assert summary["unestimated_requests"].sum() == 1 and summary["unpriced_requests"].sum() == 1


def test_region_what_if_keeps_energy_and_cost_and_scales_carbon(sample_store) -> None:
    res = what_if(sample_store, MONTH, region="eu-north-1", by="feature", catalog=load_catalog())
    assert (res["moved_requests"] == res["requests"]).all()
    assert res["wh_mid_what_if"].to_list() == pytest.approx(res["wh_mid_now"].to_list(), rel=1e-9)
    assert res["cost_usd_what_if"].to_list() == pytest.approx(res["cost_usd_now"].to_list(), rel=1e-9)
    assert res["gco2e_high_what_if"].sum() == pytest.approx(res["wh_high_now"].sum() * 41.0 / 1000, rel=1e-9)
    assert (res["gco2e_mid_change_pct"] < -80).all()


def test_model_what_if_moves_chat_traffic_only(sample_store, month_rows: pl.DataFrame) -> None:
    res = what_if(sample_store, MONTH, model="gpt-4.1-mini", by="model", catalog=load_catalog())
    embed = res.filter(pl.col("model").str.contains("embedding")).row(0, named=True)
    assert embed["moved_requests"] == 0 and embed["wh_mid_what_if"] == pytest.approx(embed["wh_mid_now"])
    mini = res.filter(pl.col("model").str.starts_with("gpt-4.1-mini")).row(0, named=True)
    assert mini["moved_requests"] == 0 and mini["cost_usd_what_if"] == pytest.approx(mini["cost_usd_now"])
    # Moved traffic is re-estimated exactly as if it had been logged on the target model.
    haiku = month_rows.filter(pl.col("model").str.starts_with("claude-3-5-haiku"))
    relabelled = per_request(haiku.select(list(REQUESTS.names())).with_columns(
        pl.lit("openai").alias("provider"), pl.lit("gpt-4.1-mini").alias("model"), pl.lit(0, pl.Int64).alias("cache_write_tokens")), catalog=load_catalog())
    row = res.filter(pl.col("model").str.starts_with("claude-3-5-haiku")).row(0, named=True)
    assert row["moved_requests"] == haiku.height
    assert row["wh_mid_what_if"] == pytest.approx(relabelled["wh_mid"].sum(), rel=1e-9)
    assert row["cost_usd_what_if"] == pytest.approx(relabelled["cost_usd"].sum(), rel=1e-9)
    assert res["requests"].sum() == month_rows.height


def test_what_if_onto_the_traffics_own_model_changes_nothing(sample_store) -> None:
    lf = sample_store.scan("requests").filter(month_filter(MONTH))
    target = resolve_target("anthropic:claude-sonnet-4-5-20250929")
    moved = move(lf.filter(pl.col("model") == "claude-sonnet-4-5-20250929"), target, None, load_catalog()).collect()
    assert moved.height > 0 and not moved["moved"].any()
    with pytest.raises(Exception, match="not in models/energy/model_params.csv"):
        resolve_target("openai:gpt-99")


def test_month_filter_is_a_half_open_utc_range() -> None:
    frame = pl.DataFrame({"ts": [datetime(2026, 9, 30, 23, 59, tzinfo=timezone.utc), datetime(2026, 10, 1, tzinfo=timezone.utc),
                                 datetime(2026, 10, 31, 23, 59, tzinfo=timezone.utc), datetime(2026, 11, 1, tzinfo=timezone.utc)]})
    assert frame.filter(month_filter("2026-10")).height == 2
    assert pl.DataFrame({"ts": [datetime(2026, 12, 31, tzinfo=timezone.utc)]}).filter(month_filter("2026-12")).height == 1


def test_sums_do_not_depend_on_the_order_of_the_rows(month_rows: pl.DataFrame) -> None:
    """The same rows in any order (as threads split them) give bit-identical Wh, gCO2e and dollars."""
    first = summarise(month_rows, ["feature"])
    for seed in (1, 2, 3):
        shuffled = summarise(month_rows.sample(fraction=1.0, shuffle=True, seed=seed), ["feature"])
        assert [c for c in first.columns if not shuffled[c].equals(first[c])] == []

