"""The provider side of a scenario: usage and cost buckets in each API's documented shape.

Grouped as `finops sync` asks for them (../shared/providers.md 1.3-1.6 and 2.2-2.3):
- OpenAI /organization/usage/completions by model, project_id, api_key_id, batch,
  service_tier (new field meaning: input_tokens includes cached; uncached split out);
  /organization/costs by project_id and line_item ("<snapshot>, input|cached input|output"),
  amount.value in dollars, as a number or a numeric string (both are seen live); priority and
  flex usage either under their own line items ("priority | <snapshot>, input", the form seen
  live) or, on seeds whose `tier_line_items` is false, in the model's plain line items;
- Anthropic usage_report/messages by model, workspace_id, api_key_id, service_tier,
  context_window, inference_geo (Default workspace and Console usage as null ids);
  cost_report by workspace_id and description, amounts as decimal strings of cents; Priority
  Tier usage has no cost-report line (it is billed as a commitment).
One bucket per UTC day, empty days included.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tests.scenarios.generate import Scenario
from tests.scenarios.org import DEFAULT_WORKSPACE

Buckets = list[dict[str, Any]]
OA_KIND = {"input_uncached": "input", "input_cache_read": "cached input", "output": "output"}
AN_TOKEN_TYPE = {
    "input_uncached": ("uncached_input_tokens", "Input Tokens"),
    "input_cache_read": ("cache_read_input_tokens", "Cache Read Tokens"),
    "input_cache_write_5m": ("cache_creation.ephemeral_5m_input_tokens", "Cache Write Tokens (5m)"),
    "input_cache_write_1h": ("cache_creation.ephemeral_1h_input_tokens", "Cache Write Tokens (1h)"),
    "output": ("output_tokens", "Output Tokens"),
}


def _ts(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp())


def _rfc(d: date) -> str:
    return f"{d:%Y-%m-%d}T00:00:00Z"


def _null(pid: str) -> str | None:
    return None if pid in (DEFAULT_WORKSPACE, "") else pid


def _grouped(sc: Scenario, provider: str) -> dict[tuple, dict[str, int]]:
    """(day, snapshot, project id, key id, tier) -> metered classes and requests."""
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in sc.attempts:
        if not a.billed or a.feature.model.provider != provider:
            continue
        k = (a.day, a.feature.model.snapshot, a.feature.project.provider_id, a.key.provider_id if a.key else "", a.tier)
        for c, v in a.billed.items():
            out[k][c] += v
        out[k]["requests"] += 1
    return out


def _cells(sc: Scenario, provider: str) -> dict[tuple, Decimal]:
    """(day, model, project id, class, tier) -> billed dollars, exact."""
    out: dict[tuple, Decimal] = defaultdict(Decimal)
    for a in sc.attempts:
        if not a.billed or a.feature.model.provider != provider:
            continue
        if provider == "anthropic" and a.tier == "priority":
            continue
        for c, v in a.billed.items():
            if v:
                rate = Decimal(str(sc.rate(a.feature.model, c, a.day, a.tier)))
                out[(a.day, a.feature.model, a.feature.project.provider_id, c, a.tier)] += Decimal(v) * rate / Decimal(10**6)
    return out


def openai_buckets(sc: Scenario, amount_as_string: bool) -> dict[str, Buckets]:
    usage = _grouped(sc, "openai")
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for (day, snapshot, project, key, tier), t in sorted(usage.items()):
        cached, uncached = t["input_cache_read"], t["input_uncached"]
        by_day[day].append({
            "object": "organization.usage.completions.result",
            "input_tokens": uncached + cached, "input_cached_tokens": cached, "input_cache_write_tokens": 0,
            "input_uncached_tokens": uncached, "output_tokens": t["output"],
            "input_text_tokens": uncached, "input_cached_text_tokens": cached, "input_audio_tokens": 0,
            "input_cached_audio_tokens": 0, "input_image_tokens": 0, "input_cached_image_tokens": 0,
            "output_text_tokens": t["output"], "output_audio_tokens": 0, "output_image_tokens": 0,
            "num_model_requests": t["requests"], "project_id": project, "user_id": None, "api_key_id": key or None,
            "model": snapshot, "batch": tier == "batch", "service_tier": tier if tier in ("priority", "flex") else "default",
        })
    costs: dict[tuple, Decimal] = defaultdict(Decimal)
    tokens: dict[tuple, int] = defaultdict(int)

    def item(snapshot: str, c: str, tier: str) -> str:
        own = sc.tier_line_items and tier in ("priority", "flex")
        return f"{tier + ' | ' if own else ''}{snapshot}, {OA_KIND[c]}"

    for (day, model, project, c, tier), usd in _cells(sc, "openai").items():
        costs[(day, project, item(model.snapshot, c, tier))] += usd
    for (day, snapshot, project, _, tier), t in usage.items():
        for c in OA_KIND:
            tokens[(day, project, item(snapshot, c, tier))] += t[c]
    cost_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for (day, project, item), usd in sorted(costs.items()):
        value: Any = f"{usd:.10f}" if amount_as_string else float(usd)
        cost_day[day].append({"object": "organization.costs.result", "amount": {"value": value, "currency": "usd"},
                              "line_item": item, "project_id": project, "api_key_id": None,
                              "quantity": tokens[(day, project, item)], "quantity_unit": "tokens"})
    bucket = lambda d, rows: {"object": "bucket", "start_time": _ts(d), "end_time": _ts(d + timedelta(days=1)), "results": rows}  # noqa: E731
    return {"completions": [bucket(d, by_day.get(d, [])) for d in sc.days],
            "costs": [bucket(d, cost_day.get(d, [])) for d in sc.days]}


def anthropic_buckets(sc: Scenario) -> dict[str, Buckets]:
    usage = _grouped(sc, "anthropic")
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for (day, snapshot, project, key, tier), t in sorted(usage.items()):
        by_day[day].append({
            "model": snapshot, "workspace_id": _null(project), "api_key_id": key or None, "service_tier": tier,
            "context_window": "0-200k", "inference_geo": "global", "account_id": None, "service_account_id": None,
            "uncached_input_tokens": t["input_uncached"],
            "cache_creation": {"ephemeral_5m_input_tokens": t["input_cache_write_5m"],
                               "ephemeral_1h_input_tokens": t["input_cache_write_1h"]},
            "cache_read_input_tokens": t["input_cache_read"], "output_tokens": t["output"],
            "server_tool_use": {"web_search_requests": 0},
        })
    cost_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for (day, model, project, c, tier), usd in sorted(_cells(sc, "anthropic").items(), key=lambda kv: (kv[0][0], kv[0][1].alias, kv[0][2:])):
        token_type, label = AN_TOKEN_TYPE[c]
        cents = (usd * 100).quantize(Decimal("0.000001"))
        cost_day[day].append({
            "amount": format(cents.normalize(), "f"), "currency": "USD", "workspace_id": _null(project),
            "description": f"{model.display} {'Batch ' if tier == 'batch' else ''}Usage - {label}",
            "cost_type": "tokens", "token_type": token_type, "model": model.alias, "service_tier": tier,
            "context_window": "0-200k", "inference_geo": "global",
        })
    bucket = lambda d, rows: {"starting_at": _rfc(d), "ending_at": _rfc(d + timedelta(days=1)), "results": rows}  # noqa: E731
    return {"usage": [bucket(d, by_day.get(d, [])) for d in sc.days],
            "cost": [bucket(d, cost_day.get(d, [])) for d in sc.days]}
