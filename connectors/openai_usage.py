"""Parse OpenAI organization Usage API and Costs API pages into canonical rows.

Pure functions: a page (the decoded JSON of one response) in, a polars frame out.
Shapes and pitfalls are in ../shared/providers.md section 1:
- completions fields changed meaning on 2026-07-15: `input_tokens` now covers every
  modality including cached and cache-write tokens, and `input_audio_tokens` is uncached
  audio only; before, `input_tokens` was text input (incl. cached) and
  `input_audio_tokens` audio input (incl. cached). We detect the shape per result by the
  presence of `input_uncached_tokens` and never count audio twice;
- `amount.value` is documented as a number but arrives as a numeric string too;
- buckets are UTC, start inclusive, end exclusive; empty buckets carry no rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from finops.connectors._rows import billing_month, cost_frame, meter_rows, sane_amount, usage_frame
from finops.errors import InputError
from finops.schema import CostSource, TokenClass

ENDPOINT_METERS: dict[str, tuple[tuple[str, str], ...]] = {
    "embeddings": (("input_tokens", TokenClass.EMBEDDING), ("num_model_requests", TokenClass.REQUESTS)),
    "moderations": (("input_tokens", TokenClass.INPUT_UNCACHED), ("num_model_requests", TokenClass.REQUESTS)),
    "images": (("images", TokenClass.IMAGES), ("num_model_requests", TokenClass.REQUESTS)),
    "audio_speeches": (("characters", TokenClass.AUDIO_CHARACTERS), ("num_model_requests", TokenClass.REQUESTS)),
    "audio_transcriptions": (("seconds", TokenClass.AUDIO_SECONDS), ("num_model_requests", TokenClass.REQUESTS)),
    "vector_stores": (("usage_bytes", TokenClass.VECTOR_STORE_BYTES),),
    "code_interpreter_sessions": (("num_sessions", TokenClass.CODE_INTERPRETER_SESSIONS),),
    "file_search_calls": (("num_requests", TokenClass.FILE_SEARCH_CALLS),),
    # num_model_requests of web searches are completions requests already counted there.
    "web_search_calls": (("num_requests", TokenClass.WEB_SEARCH_CALLS),),
}
ENDPOINTS = ("completions", *ENDPOINT_METERS)
LINE_KIND_CLASS = {
    "input": TokenClass.INPUT_UNCACHED,
    "cached input": TokenClass.INPUT_CACHE_READ,
    "output": TokenClass.OUTPUT,
    "cache write": TokenClass.INPUT_CACHE_WRITE_5M,
}


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(int(ts), tz=timezone.utc)


def _int(result: dict[str, Any], name: str) -> int:
    value = result.get(name)
    return int(value) if value is not None else 0


def completions_classes(result: dict[str, Any]) -> dict[str, int]:
    """Token classes of one completions result, in either field meaning, without double counting."""
    cached = _int(result, "input_cached_tokens")
    out = {TokenClass.INPUT_CACHE_READ: cached, TokenClass.OUTPUT: _int(result, "output_tokens")}
    if "input_uncached_tokens" in result:  # July 2026 meaning: every modality in input_tokens
        cache_write = _int(result, "input_cache_write_tokens")
        out[TokenClass.INPUT_CACHE_WRITE_5M] = cache_write
        audio_uncached = _int(result, "input_audio_tokens")
        image_uncached = _int(result, "input_image_tokens")
        uncached = _int(result, "input_uncached_tokens")
        # input_uncached_tokens spans modalities; split audio and image out of it.
        out[TokenClass.INPUT_UNCACHED] = uncached - audio_uncached - image_uncached
        out[TokenClass.INPUT_AUDIO] = audio_uncached
        out[TokenClass.INPUT_IMAGE] = image_uncached
        out[TokenClass.OUTPUT] = _int(result, "output_tokens") - _int(result, "output_audio_tokens") - _int(result, "output_image_tokens")
        out[TokenClass.OUTPUT_AUDIO] = _int(result, "output_audio_tokens")
        out[TokenClass.OUTPUT_IMAGE] = _int(result, "output_image_tokens")
    else:  # older meaning: input_tokens = text incl. cached; audio counted separately
        out[TokenClass.INPUT_UNCACHED] = _int(result, "input_tokens") - cached
        out[TokenClass.INPUT_AUDIO] = _int(result, "input_audio_tokens")
        out[TokenClass.OUTPUT_AUDIO] = _int(result, "output_audio_tokens")
    out[TokenClass.REQUESTS] = _int(result, "num_model_requests")
    return out


def _buckets(page: dict[str, Any]) -> Iterable[dict[str, Any]]:
    data = page.get("data")
    if not isinstance(data, list):
        raise InputError("OpenAI page: field 'data' missing or not a list")
    return data


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def parse_usage_page(page: dict[str, Any], endpoint: str, *, source: str = "openai") -> pl.DataFrame:
    """Rows of billed_usage from one page of /organization/usage/<endpoint>. Zero meters are dropped."""
    if endpoint not in ENDPOINTS:
        raise InputError(f"OpenAI usage: unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
    rows: list[dict[str, Any]] = []
    for b_i, bucket in enumerate(_buckets(page)):
        start, end = _utc(bucket["start_time"]), _utc(bucket["end_time"])
        for r_i, result in enumerate(bucket.get("results") or []):
            if endpoint == "completions":
                meters = completions_classes(result)
            else:
                meters = {cls: _int(result, field) for field, cls in ENDPOINT_METERS[endpoint]}
            tier = "batch" if result.get("batch") is True else _s(result.get("service_tier"))
            dims = {
                "charge_period_start": start,
                "charge_period_end": end,
                "provider": "openai",
                "model": _s(result.get("model")),
                "project_id": _s(result.get("project_id")),
                "api_key_id": _s(result.get("api_key_id")),
                "service_tier": tier,
                "context_window": "",
                "region": "",
            }
            rows += meter_rows(dims, meters, f"OpenAI {endpoint} page: bucket {b_i}, result {r_i}")
    return usage_frame(rows, source)


def parse_amount(value: Any, where: str) -> Decimal:
    """amount.value as a Decimal, whether the API sent a number or a numeric string."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InputError(f"{where}: field 'amount.value' is not a number ({value!r})") from None
    return sane_amount(amount, where, "amount.value")  # Decimal takes "NaN" and "Infinity"


def _quantity(value: Any, where: str) -> float | None:
    if value is None:
        return None
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InputError(f"{where}: field 'quantity' is not a number ({value!r})") from None
    return float(sane_amount(quantity, where, "quantity"))


LINE_TIER = re.compile(r"^\s*([A-Za-z][\w-]*)\s*\|\s*")  # "priority | gpt-5-mini-2025-08-07, input"
LONG_CONTEXT = ", long context"


def split_line_item(line_item: str | None) -> tuple[str | None, str | None]:
    """Best-effort (model, token class) from an opaque line_item like 'gpt-4o-2024-08-06, input'."""
    model, cls, _ = split_line_item_tier(line_item)
    return model, cls


def split_line_item_tier(line_item: str | None) -> tuple[str | None, str | None, str | None]:
    """(model, token class, service tier) from an opaque line_item.

    Seen live: 'gpt-4o-2024-08-06, input', 'priority | gpt-5.4, output, long context'. The tier
    is the word before ' | ' (None when the item names none: the line then covers whichever
    tiers the model ran at); a trailing ', long context' is the context-window tier, not the kind.
    """
    if not line_item:
        return None, None, None
    tier = None
    text = line_item
    m = LINE_TIER.match(text)
    if m:
        tier, text = m.group(1).lower(), text[m.end():]
    if text.lower().endswith(LONG_CONTEXT):
        text = text[: -len(LONG_CONTEXT)]
    if ", " not in text:
        return None, None, tier
    model, kind = text.rsplit(", ", 1)
    cls = LINE_KIND_CLASS.get(kind.strip().lower())
    if cls == TokenClass.INPUT_UNCACHED and "embedding" in model:
        cls = TokenClass.EMBEDDING
    return model, cls, tier


def parse_costs_page(page: dict[str, Any], *, source: str = "openai") -> pl.DataFrame:
    """Rows of cost_lines from one page of /organization/costs (amounts in dollars)."""
    rows: list[dict[str, Any]] = []
    for b_i, bucket in enumerate(_buckets(page)):
        start, end = _utc(bucket["start_time"]), _utc(bucket["end_time"])
        month_start, month_end = billing_month(start)
        for r_i, result in enumerate(bucket.get("results") or []):
            where = f"OpenAI costs page: bucket {b_i}, result {r_i}"
            amount = result.get("amount") or {}
            value = float(parse_amount(amount.get("value"), where))
            currency = _s(amount.get("currency")).upper()
            if not currency:
                raise InputError(f"{where}: field 'amount.currency' is empty")
            line_item = result.get("line_item")
            model, cls, tier = split_line_item_tier(line_item)
            rows.append({
                "BillingCurrency": currency,
                "BilledCost": value,
                "EffectiveCost": value,
                "ChargeCategory": "Usage",
                "ChargeDescription": line_item or "OpenAI API usage",
                "ChargeFrequency": "Usage-Based",
                "ChargePeriodStart": start,
                "ChargePeriodEnd": end,
                "BillingPeriodStart": month_start,
                "BillingPeriodEnd": month_end,
                "ServiceProviderName": "OpenAI",
                "HostProviderName": "OpenAI",
                "InvoiceIssuerName": "OpenAI",
                "ServiceName": "OpenAI API",
                "ServiceCategory": "AI and Machine Learning",
                "ServiceSubcategory": "Generative AI",
                "SkuId": line_item,
                "SubAccountId": _s(result.get("project_id")),
                "ResourceId": _s(result.get("api_key_id")) or None,
                "x_CostSource": CostSource.EMBEDDINGS if model and "embedding" in model else CostSource.INFERENCE,
                "x_AllocationDriver": "tokens",
                "x_Model": model,
                "x_TokenClass": cls,
                # The tier a line item names (reconcile splits its cost cells by it).
                "Tags": json.dumps({"openai/service_tier": tier}) if tier else None,
                # Only sent with group_by=line_item (spec of 2026-08-21); unit as the API names it.
                "ConsumedQuantity": _quantity(result.get("quantity"), where),
                "ConsumedUnit": result.get("quantity_unit"),
            })
    return cost_frame(rows, source, ("ChargePeriodStart", "SubAccountId", "ResourceId", "SkuId"))
