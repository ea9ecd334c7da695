"""Parse Anthropic Admin API usage-report and cost-report pages into canonical rows.

Pure functions over decoded pages; shapes in ../shared/providers.md section 2:
- the messages usage report splits input into uncached, 5-minute and 1-hour cache
  writes and cache reads (total input = their sum); output includes thinking tokens;
  there is no request count, so none is invented;
- the default workspace is reported as `workspace_id: null` (stored as "default");
- cost-report amounts are decimal strings in cents ("123.45" USD = $1.2345).
The newer analytics endpoints (2.5) are not parsed: their field names are unconfirmed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from finops.connectors._rows import billing_month, cost_frame, meter_rows, sane_amount, usage_frame
from finops.errors import InputError
from finops.schema import CostSource, TokenClass

DEFAULT_WORKSPACE = "default"
TOKEN_TYPE_CLASS = {
    "uncached_input_tokens": TokenClass.INPUT_UNCACHED,
    "cache_read_input_tokens": TokenClass.INPUT_CACHE_READ,
    "cache_creation.ephemeral_5m_input_tokens": TokenClass.INPUT_CACHE_WRITE_5M,
    "cache_creation.ephemeral_1h_input_tokens": TokenClass.INPUT_CACHE_WRITE_1H,
    "output_tokens": TokenClass.OUTPUT,
}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _buckets(page: dict[str, Any]) -> list[dict[str, Any]]:
    data = page.get("data")
    if not isinstance(data, list):
        raise InputError("Anthropic page: field 'data' missing or not a list")
    return data


def usage_classes(result: dict[str, Any]) -> dict[str, int]:
    creation = result.get("cache_creation") or {}
    tools = result.get("server_tool_use") or {}
    return {
        TokenClass.INPUT_UNCACHED: int(result.get("uncached_input_tokens") or 0),
        TokenClass.INPUT_CACHE_WRITE_5M: int(creation.get("ephemeral_5m_input_tokens") or 0),
        TokenClass.INPUT_CACHE_WRITE_1H: int(creation.get("ephemeral_1h_input_tokens") or 0),
        TokenClass.INPUT_CACHE_READ: int(result.get("cache_read_input_tokens") or 0),
        TokenClass.OUTPUT: int(result.get("output_tokens") or 0),
        TokenClass.WEB_SEARCH_CALLS: int(tools.get("web_search_requests") or 0),
    }


def parse_usage_page(page: dict[str, Any], *, source: str = "anthropic") -> pl.DataFrame:
    """Rows of billed_usage from one page of /v1/organizations/usage_report/messages."""
    rows: list[dict[str, Any]] = []
    for b_i, bucket in enumerate(_buckets(page)):
        start, end = _utc(bucket["starting_at"]), _utc(bucket["ending_at"])
        for r_i, result in enumerate(bucket.get("results") or []):
            dims = {
                "charge_period_start": start,
                "charge_period_end": end,
                "provider": "anthropic",
                "model": _s(result.get("model")),
                "project_id": _s(result.get("workspace_id")) or DEFAULT_WORKSPACE,
                "api_key_id": _s(result.get("api_key_id")),
                "service_tier": _s(result.get("service_tier")),
                "context_window": _s(result.get("context_window")),
                "region": _s(result.get("inference_geo")),
            }
            rows += meter_rows(dims, usage_classes(result), f"Anthropic usage page: bucket {b_i}, result {r_i}")
    return usage_frame(rows, source)


def cents_to_dollars(amount: Any, where: str) -> Decimal:
    try:
        dollars = Decimal(str(amount)) / 100
    except (InvalidOperation, ValueError):
        raise InputError(f"{where}: field 'amount' is not a decimal string of cents ({amount!r})") from None
    return sane_amount(dollars, where, "amount")  # Decimal takes "NaN" and "Infinity"


def parse_cost_page(page: dict[str, Any], *, source: str = "anthropic") -> pl.DataFrame:
    """Rows of cost_lines from one page of /v1/organizations/cost_report (cents -> dollars)."""
    rows: list[dict[str, Any]] = []
    for b_i, bucket in enumerate(_buckets(page)):
        start, end = _utc(bucket["starting_at"]), _utc(bucket["ending_at"])
        month_start, month_end = billing_month(start)
        for r_i, result in enumerate(bucket.get("results") or []):
            where = f"Anthropic cost page: bucket {b_i}, result {r_i}"
            dollars = float(cents_to_dollars(result.get("amount"), where))
            token_type = result.get("token_type")
            cost_type = _s(result.get("cost_type"))
            rows.append({
                "BillingCurrency": _s(result.get("currency")).upper() or "USD",
                "BilledCost": dollars,
                "EffectiveCost": dollars,
                "ChargeCategory": "Usage",
                "ChargeDescription": result.get("description") or "Claude API usage",
                "ChargeFrequency": "Usage-Based",
                "ChargePeriodStart": start,
                "ChargePeriodEnd": end,
                "BillingPeriodStart": month_start,
                "BillingPeriodEnd": month_end,
                "ServiceProviderName": "Anthropic",
                "HostProviderName": "Anthropic",
                "InvoiceIssuerName": "Anthropic",
                "ServiceName": "Claude API",
                "ServiceCategory": "AI and Machine Learning",
                "ServiceSubcategory": "Generative AI",
                "SkuId": result.get("description"),
                "SkuMeter": token_type or cost_type or None,
                "SubAccountId": _s(result.get("workspace_id")) or DEFAULT_WORKSPACE,
                "RegionId": result.get("inference_geo"),
                "x_CostSource": CostSource.INFERENCE,
                "x_AllocationDriver": "tokens",
                "x_Model": result.get("model"),
                "x_TokenClass": TOKEN_TYPE_CLASS.get(token_type or ""),
                "Tags": _tags(result),
            })
    return cost_frame(rows, source, ("ChargePeriodStart", "SubAccountId", "SkuId", "SkuMeter", "x_Model", "RegionId", "Tags"))


def _tags(result: dict[str, Any]) -> str | None:
    import json

    tags = {f"anthropic/{k}": result[k] for k in ("service_tier", "context_window", "cost_type") if result.get(k)}
    return json.dumps(tags, sort_keys=True) if tags else None
