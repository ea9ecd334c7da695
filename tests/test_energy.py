"""Energy and carbon: the method against its cited figures, ordered ranges, monotone effects, sums."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.energy import method
from models.energy.carbon import carbon_by, per_request


@pytest.mark.parametrize(("active", "total", "expected"), [(70, 70, 0.66), (8, 8, 0.089), (405, 405, 9.1)])
def test_decode_matches_the_ecologits_figures(active: float, total: float, expected: float) -> None:
    # shared/energy_forecast.md A1: EcoLogits' current formula, 1,000 output tokens, PUE 1.2.
    assert method.ecologits_reference_wh(1000, active, total) == pytest.approx(expected, rel=0.02)


def test_gpt4o_class_range_matches_ecologits() -> None:
    low = method.ecologits_reference_wh(1000, 44, 440)
    high = method.ecologits_reference_wh(1000, 132, 440)
    assert low == pytest.approx(2.1, rel=0.03) and high == pytest.approx(3.8, rel=0.03)


def test_median_chat_request_lands_near_published_measurements() -> None:
    # A short chat (1,000 input of which 400 cached, 300 output) on a GPT-4o-class model.
    wh = method.request_wh(np.array([600.0]), np.array([400.0]), np.array([300.0]), np.array([44.0]), np.array([132.0]),
                           np.array([440.0]), np.array([440.0]), np.array([1.2]), np.array([1.2]))
    # Published per-prompt figures: Google 0.24 Wh (Gemini, 2025), OpenAI 0.34 Wh, Epoch 0.3 Wh, Jegham 0.42 Wh.
    assert wh["low"][0] < 1.0 and wh["high"][0] > 0.24
    assert wh["low"][0] <= wh["mid"][0] <= wh["high"][0]


@settings(max_examples=60, deadline=None)
@given(
    uncached=st.floats(0, 200_000), cached=st.floats(0, 200_000), out=st.floats(0, 20_000),
    active=st.floats(0.5, 600), ratio=st.floats(1, 10), pue=st.floats(1.0, 1.6),
)
def test_ranges_are_ordered_and_non_empty(uncached, cached, out, active, ratio, pue) -> None:
    a = lambda v: np.array([v])  # noqa: E731
    wh = method.request_wh(a(uncached), a(cached), a(out), a(active), a(active * 1.5), a(active * ratio), a(active * ratio * 1.5), a(pue), a(pue * 1.05))
    assert 0 <= wh["low"][0] <= wh["mid"][0] <= wh["high"][0]
    if uncached + out > 0:
        assert wh["high"][0] > wh["low"][0]


def test_prefill_counts_and_cache_hits_save_energy() -> None:
    base = method.prefill_wh(np.array([10_000.0]), np.array([0.0]), np.array([70.0]), 0.45)[0]
    cached = method.prefill_wh(np.array([0.0]), np.array([10_000.0]), np.array([70.0]), 0.45)[0]
    longer = method.prefill_wh(np.array([20_000.0]), np.array([0.0]), np.array([70.0]), 0.45)[0]
    assert base > 0 and longer == pytest.approx(2 * base) and cached == pytest.approx(method.CACHED_PREFILL_SHARE * base)


def test_aggregates_equal_the_sum_of_requests(sample_store) -> None:
    month = "2026-10"
    req = sample_store.scan("requests").filter(pl.col("ts").dt.strftime("%Y-%m") == month).collect()
    rows = per_request(req)
    by_feature = carbon_by(sample_store, "feature", month)
    assert by_feature["wh_mid"].sum() == pytest.approx(rows["wh_mid"].sum())
    assert by_feature["gco2e_high"].sum() == pytest.approx(rows["gco2e_high"].sum())
    assert by_feature["requests"].sum() == req.height
    assert (by_feature["wh_low"] <= by_feature["wh_high"]).all()
    assert by_feature["unknown_model_requests"].sum() == 0
    assert set(by_feature["provenance"]) == {"estimated"}


def test_cleaner_region_means_less_carbon_same_energy(sample_store) -> None:
    now = carbon_by(sample_store, "month", "2026-10")
    moved = carbon_by(sample_store, "month", "2026-10", region_override="se")
    assert moved["wh_mid"][0] == pytest.approx(now["wh_mid"][0])
    assert moved["gco2e_mid"][0] < 0.2 * now["gco2e_mid"][0]
