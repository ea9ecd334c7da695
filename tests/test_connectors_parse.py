"""Provider page parsers: exact tokens and cents from hand-written pages in both field meanings."""

from __future__ import annotations

import polars as pl
import pytest

from finops.connectors import anthropic_usage, openai_usage
from finops.errors import InputError

DAY = 1763942400  # 2025-11-24T00:00:00Z


def _oa_page(results: list[dict]) -> dict:
    return {"object": "page", "has_more": False, "next_page": None,
            "data": [{"object": "bucket", "start_time": DAY, "end_time": DAY + 86400, "results": results}]}


def _classes(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame.select("token_class", "quantity").iter_rows())


def test_openai_completions_new_meaning_does_not_double_count_audio() -> None:
    page = _oa_page([{
        "object": "organization.usage.completions.result", "input_tokens": 120_000, "input_cached_tokens": 30_000,
        "input_cache_write_tokens": 1_000, "input_uncached_tokens": 89_000, "input_audio_tokens": 4_000,
        "output_tokens": 8_000, "output_audio_tokens": 500, "num_model_requests": 42,
        "project_id": "proj_x", "api_key_id": None, "model": "gpt-4.1-mini-2025-04-14", "batch": True, "service_tier": None,
    }])
    frame = openai_usage.parse_usage_page(page, "completions")
    got = _classes(frame)
    assert got == {"input_cache_read": 30_000, "input_cache_write_5m": 1_000, "input_uncached": 85_000, "input_audio": 4_000,
                   "output": 7_500, "output_audio": 500, "requests": 42}
    tokens = sum(v for k, v in got.items() if k.startswith("input"))
    assert tokens == 120_000  # every input token once
    row = frame.row(0, named=True)
    assert row["service_tier"] == "batch" and row["api_key_id"] == "" and row["provenance"] == "metered"


def test_openai_completions_old_meaning() -> None:
    page = _oa_page([{"object": "organization.usage.completions.result", "input_tokens": 1000, "input_cached_tokens": 400,
                      "input_audio_tokens": 50, "output_tokens": 70, "output_audio_tokens": 0, "num_model_requests": 3,
                      "model": "gpt-4o-2024-08-06", "project_id": "proj_a"}])
    assert _classes(openai_usage.parse_usage_page(page, "completions")) == {
        "input_cache_read": 400, "input_uncached": 600, "input_audio": 50, "output": 70, "requests": 3}


def test_openai_costs_number_or_string_amounts() -> None:
    page = _oa_page([
        {"object": "organization.costs.result", "amount": {"value": "12.50", "currency": "usd"},
         "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_a"},
        {"object": "organization.costs.result", "amount": {"value": 0.895874, "currency": "usd"},
         "line_item": "text-embedding-3-small, input", "project_id": "proj_a"},
        {"object": "organization.costs.result", "amount": {"value": "0.1", "currency": "usd"},
         "line_item": "Text tokens", "project_id": None},
    ])
    frame = openai_usage.parse_costs_page(page)
    assert frame["BilledCost"].to_list() == [12.5, 0.895874, 0.1]
    assert frame["BillingCurrency"].unique().to_list() == ["USD"]
    assert frame["x_TokenClass"].to_list() == ["input_uncached", "embedding", None]
    assert frame["x_Model"].to_list() == ["gpt-4o-2024-08-06", "text-embedding-3-small", None]
    assert frame["x_LineId"].n_unique() == 3
    assert frame["ConsumedQuantity"].to_list() == [None, None, None]


def test_openai_costs_quantity_and_unit() -> None:
    page = _oa_page([{"amount": {"value": 1.27, "currency": "usd"}, "line_item": "gpt-4.1-mini-2025-04-14, input",
                      "project_id": "proj_x", "api_key_id": None, "quantity": "3.2", "quantity_unit": "1000_tokens"}])
    row = openai_usage.parse_costs_page(page).row(0, named=True)
    assert (row["ConsumedQuantity"], row["ConsumedUnit"], row["BilledCost"]) == (3.2, "1000_tokens", 1.27)
    assert (row["SubAccountId"], row["ResourceId"], row["x_Model"], row["x_TokenClass"]) == (
        "proj_x", None, "gpt-4.1-mini-2025-04-14", "input_uncached")
    assert row["ChargePeriodStart"].isoformat() == "2025-11-24T00:00:00+00:00" and row["x_CostSource"] == "inference"


def test_openai_cost_line_items_that_name_their_tier() -> None:
    """'priority | <model>, <kind>' (the form seen live) keeps the model and class and states the
    tier in Tags, which reconcile splits its cost cells by; ', long context' is not the kind."""
    page = _oa_page([
        {"amount": {"value": 2.0, "currency": "usd"}, "line_item": "priority | gpt-5.4-2026-03-05, output, long context"},
        {"amount": {"value": 1.0, "currency": "usd"}, "line_item": "flex | o4-mini-2025-04-16, cached input"},
        {"amount": {"value": 0.5, "currency": "usd"}, "line_item": "gpt-4o-2024-08-06, input"},
    ])
    frame = openai_usage.parse_costs_page(page)
    assert frame["x_Model"].to_list() == ["gpt-5.4-2026-03-05", "o4-mini-2025-04-16", "gpt-4o-2024-08-06"]
    assert frame["x_TokenClass"].to_list() == ["output", "input_cache_read", "input_uncached"]
    assert frame["Tags"].to_list() == ['{"openai/service_tier": "priority"}', '{"openai/service_tier": "flex"}', None]
    assert frame["x_LineId"].n_unique() == 3


def test_openai_bad_amount_names_the_field() -> None:
    page = _oa_page([{"amount": {"value": "12,5", "currency": "usd"}, "line_item": "x, input"}])
    with pytest.raises(InputError, match=r"bucket 0, result 0: field 'amount.value'"):
        openai_usage.parse_costs_page(page)


def _an_page(results: list[dict]) -> dict:
    return {"has_more": False, "next_page": None,
            "data": [{"starting_at": "2026-11-24T00:00:00Z", "ending_at": "2026-11-25T00:00:00Z", "results": results}]}


def test_anthropic_usage_classes_and_default_workspace() -> None:
    page = _an_page([{"model": "claude-sonnet-4-5-20250929", "workspace_id": None, "api_key_id": None,
                      "service_tier": "standard", "context_window": "0-200k", "inference_geo": None,
                      "uncached_input_tokens": 52_000,
                      "cache_creation": {"ephemeral_5m_input_tokens": 4_000, "ephemeral_1h_input_tokens": 100},
                      "cache_read_input_tokens": 180_000, "output_tokens": 9_100,
                      "server_tool_use": {"web_search_requests": 2}}])
    frame = anthropic_usage.parse_usage_page(page)
    assert _classes(frame) == {"input_uncached": 52_000, "input_cache_write_5m": 4_000, "input_cache_write_1h": 100,
                               "input_cache_read": 180_000, "output": 9_100, "web_search_calls": 2}
    assert set(frame["project_id"]) == {"default"}
    assert "requests" not in set(frame["token_class"])  # the usage report has no request count


def test_anthropic_cost_cents_to_dollars() -> None:
    page = _an_page([{"amount": "2871.5", "currency": "USD", "workspace_id": "wrkspc_a",
                      "description": "Claude Sonnet 4.5 Usage - Output Tokens", "cost_type": "tokens",
                      "token_type": "output_tokens", "model": "claude-sonnet-4-5", "service_tier": "standard"}])
    frame = anthropic_usage.parse_cost_page(page)
    assert frame["BilledCost"].to_list() == [28.715]
    assert frame.row(0, named=True)["x_TokenClass"] == "output"
    with pytest.raises(InputError, match="field 'amount'"):
        anthropic_usage.parse_cost_page(_an_page([{"amount": "n/a", "currency": "USD"}]))


@pytest.mark.parametrize(("endpoint", "result", "want"), [
    ("embeddings", {"input_tokens": 5000, "num_model_requests": 3}, {"embedding": 5000, "requests": 3}),
    ("moderations", {"input_tokens": 70, "num_model_requests": 2}, {"input_uncached": 70, "requests": 2}),
    ("images", {"images": 4, "num_model_requests": 2, "size": "1024x1024", "source": "image.generation"}, {"images": 4, "requests": 2}),
    ("audio_speeches", {"characters": 1200, "num_model_requests": 5}, {"audio_characters": 1200, "requests": 5}),
    ("audio_transcriptions", {"seconds": 361, "num_model_requests": 1}, {"audio_seconds": 361, "requests": 1}),
    ("vector_stores", {"usage_bytes": 104857600}, {"vector_store_bytes": 104857600}),
    ("code_interpreter_sessions", {"num_sessions": 3}, {"code_interpreter_sessions": 3}),
    ("file_search_calls", {"num_requests": 12}, {"file_search_calls": 12}),
    # num_model_requests of web searches are completions requests, counted there once.
    ("web_search_calls", {"num_requests": 9, "num_model_requests": 7}, {"web_search_calls": 9}),
])
def test_openai_other_endpoints_meters_and_units(endpoint: str, result: dict, want: dict) -> None:
    frame = openai_usage.parse_usage_page(_oa_page([{"project_id": None, "model": None, **result}]), endpoint)
    assert _classes(frame) == want
    units = dict(frame.select("token_class", "unit").iter_rows())
    assert units.get("requests", "requests") == "requests"
    assert frame["project_id"].to_list() == [""] * frame.height  # key columns are never null


def test_openai_zero_meters_and_empty_buckets_give_no_rows() -> None:
    page = {"data": [{"start_time": DAY, "end_time": DAY + 86400, "results": []},
                     {"start_time": DAY + 86400, "end_time": DAY + 2 * 86400,
                      "results": [{"input_tokens": 0, "output_tokens": 0, "num_model_requests": 0}]}]}
    frame = openai_usage.parse_usage_page(page, "completions")
    assert frame.height == 0 and frame.schema == openai_usage.parse_usage_page(_oa_page([]), "completions").schema


def test_openai_same_key_rows_add_up_instead_of_replacing() -> None:
    # Two results with the same key after null -> "" (batch=None and batch=False both map to tier "").
    row = {"input_tokens": 10, "output_tokens": 1, "num_model_requests": 1, "model": "m", "project_id": "p"}
    frame = openai_usage.parse_usage_page(_oa_page([{**row, "batch": None}, {**row, "batch": False}]), "completions")
    assert _classes(frame) == {"input_uncached": 20, "output": 2, "requests": 2}


def test_openai_negative_or_unknown_is_bad_input() -> None:
    with pytest.raises(InputError, match=r"bucket 0, result 0: negative output"):
        openai_usage.parse_usage_page(_oa_page([{"input_tokens": 1, "output_tokens": -1, "num_model_requests": 1}]), "completions")
    with pytest.raises(InputError, match="unknown endpoint 'chat'"):
        openai_usage.parse_usage_page(_oa_page([]), "chat")


def test_anthropic_cost_exact_cents_and_distinct_lines() -> None:
    from decimal import Decimal

    amounts = ["123.45", "0.0001", "99999999.9999", "7"]
    page = _an_page([{"amount": a, "currency": "USD", "workspace_id": None, "description": "Code Execution Usage",
                      "cost_type": "code_execution", "token_type": None, "model": None, "service_tier": tier}
                     for a, tier in zip(amounts, ["standard", "batch", "priority", None])])
    frame = anthropic_usage.parse_cost_page(page)
    assert frame.height == 4 and frame["x_LineId"].n_unique() == 4  # service tier tells the lines apart
    assert [Decimal(repr(v)) for v in frame["BilledCost"]] == [Decimal(a) / 100 for a in amounts]
    assert set(frame["SubAccountId"]) == {"default"} and frame["x_Provenance"].unique().to_list() == ["billed"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "-1e23", 1e30])
def test_a_providers_amount_that_no_bill_holds_is_bad_input(value: object) -> None:
    """Decimal reads "NaN" and "Infinity": a reply carrying them (or absurd magnitudes) fails the
    page in one line instead of storing a cost that prints as `USD nan`."""
    page = _oa_page([{"amount": {"value": value, "currency": "usd"}, "line_item": "x, input"}])
    with pytest.raises(InputError, match=r"bucket 0, result 0: field 'amount.value' .* is not a finite amount within"):
        openai_usage.parse_costs_page(page)
    with pytest.raises(InputError, match=r"field 'amount' .* is not a finite amount within"):
        anthropic_usage.parse_cost_page(_an_page([{"amount": value, "currency": "USD"}]))


def test_a_token_count_beyond_the_sane_range_is_bad_input() -> None:
    with pytest.raises(InputError, match=r"bucket 0, result 0: output of 1e\+30 is beyond the sane range"):
        openai_usage.parse_usage_page(_oa_page([{"input_tokens": 1, "output_tokens": 10**30, "num_model_requests": 1}]),
                                      "completions")
