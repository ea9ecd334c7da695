"""Render the sample's billed usage and costs as the providers' API pages.

The pages follow ../shared/providers.md: OpenAI organization usage (completions in the
pre- and post-July-2026 field meanings, embeddings) and costs; Anthropic messages usage
report and cost report (amounts as decimal strings in cents). Each file is JSON Lines,
one API page per line, gzip-compressed, so the sample loader runs the same parsers the
live connectors use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import polars as pl

OPENAI_FIELDS_CHANGED = date(2026, 7, 15)  # the spec sync that changed input_tokens' meaning
PAGE_BUCKETS = 31

ANTHROPIC_TOKEN_TYPE = {
    "input_uncached": ("uncached_input_tokens", "Input Tokens"),
    "input_cache_read": ("cache_read_input_tokens", "Cache Read Tokens"),
    "input_cache_write_5m": ("cache_creation.ephemeral_5m_input_tokens", "5m Cache Write Tokens"),
    "output": ("output_tokens", "Output Tokens"),
}
OPENAI_LINE_KIND = {"input_uncached": "input", "input_cache_read": "cached input", "output": "output", "embedding": "input"}


def _ts(d: date) -> int:
    return int(datetime.combine(d, time(), timezone.utc).timestamp())


def _rfc(d: date) -> str:
    return datetime.combine(d, time(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _paginate(buckets: list[dict[str, Any]], prefix: str) -> Iterator[dict[str, Any]]:
    n_pages = (len(buckets) + PAGE_BUCKETS - 1) // PAGE_BUCKETS
    for i in range(n_pages):
        more = i + 1 < n_pages
        page: dict[str, Any] = {
            "data": buckets[i * PAGE_BUCKETS : (i + 1) * PAGE_BUCKETS],
            "has_more": more,
            "next_page": f"{prefix}{i + 1:04d}" if more else None,
        }
        yield page


def _by_day(frame: pl.DataFrame) -> dict[date, list[dict[str, Any]]]:
    out: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in frame.iter_rows(named=True):
        out[row["day"]].append(row)
    return out


def _wide(usage: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return usage.pivot(on="token_class", index=keys, values="quantity", aggregate_function="sum").fill_null(0)


def _col(row: dict[str, Any], name: str) -> int:
    return int(row.get(name) or 0)


def openai_usage_pages(usage: pl.DataFrame, days: list[date], endpoint: str) -> Iterator[dict[str, Any]]:
    keys = ["day", "model", "project_id", "api_key_id"]
    is_embed = pl.col("model").str.starts_with("text-embedding")
    part = usage.filter((pl.col("provider") == "openai") & (is_embed if endpoint == "embeddings" else ~is_embed))
    rows = _by_day(_wide(part, keys).sort(keys))
    buckets = []
    for d in days:
        results = []
        for r in rows.get(d, []):
            dims = {"project_id": r["project_id"], "user_id": None, "api_key_id": r["api_key_id"], "model": r["model"]}
            if endpoint == "embeddings":
                results.append({"object": "organization.usage.embeddings.result", "input_tokens": _col(r, "embedding"),
                                "num_model_requests": _col(r, "requests"), **dims})
                continue
            uncached, cached, out = _col(r, "input_uncached"), _col(r, "input_cache_read"), _col(r, "output")
            res: dict[str, Any] = {"object": "organization.usage.completions.result", "input_tokens": uncached + cached,
                                   "input_cached_tokens": cached, "output_tokens": out,
                                   "input_audio_tokens": 0, "output_audio_tokens": 0,
                                   "num_model_requests": _col(r, "requests")}
            if d >= OPENAI_FIELDS_CHANGED:
                res.update({"input_cache_write_tokens": 0, "input_uncached_tokens": uncached,
                            "input_text_tokens": uncached, "input_cached_text_tokens": cached,
                            "output_text_tokens": out})
            res.update(dims, batch=False, service_tier="default")
            results.append(res)
        buckets.append({"object": "bucket", "start_time": _ts(d), "end_time": _ts(d + timedelta(days=1)), "results": results})
    for page in _paginate(buckets, "page_oa_usage_"):
        yield {"object": "page", **page}


def openai_cost_pages(priced: pl.DataFrame, days: list[date]) -> Iterator[dict[str, Any]]:
    part = priced.filter((pl.col("provider") == "openai") & (pl.col("token_class") != "requests"))
    part = part.with_columns(
        pl.format("{}, {}", "model", pl.col("token_class").replace_strict(OPENAI_LINE_KIND)).alias("line_item")
    ).group_by("day", "project_id", "line_item").agg(pl.col("billed_usd").sum()).sort("day", "project_id", "line_item")
    rows = _by_day(part)
    buckets = []
    for i, d in enumerate(days):
        results = []
        for r in rows.get(d, []):
            value = Decimal(repr(r["billed_usd"])).quantize(Decimal("1e-10"))
            # Live responses give amount.value as a number or as a numeric string.
            amount: Any = str(value) if i % 2 == 0 else float(value)
            results.append({"object": "organization.costs.result", "amount": {"value": amount, "currency": "usd"},
                            "line_item": r["line_item"], "project_id": r["project_id"]})
        buckets.append({"object": "bucket", "start_time": _ts(d), "end_time": _ts(d + timedelta(days=1)), "results": results})
    for page in _paginate(buckets, "page_oa_costs_"):
        yield {"object": "page", **page}


def anthropic_usage_pages(usage: pl.DataFrame, days: list[date]) -> Iterator[dict[str, Any]]:
    keys = ["day", "model", "project_id", "api_key_id"]
    part = usage.filter((pl.col("provider") == "anthropic") & (pl.col("token_class") != "requests"))
    rows = _by_day(_wide(part, keys).sort(keys))
    buckets = []
    for d in days:
        results = [
            {"model": r["model"], "workspace_id": r["project_id"], "api_key_id": r["api_key_id"],
             "service_tier": "standard", "context_window": "0-200k", "inference_geo": None,
             "account_id": None, "service_account_id": None,
             "uncached_input_tokens": _col(r, "input_uncached"),
             "cache_creation": {"ephemeral_5m_input_tokens": _col(r, "input_cache_write_5m"),
                                "ephemeral_1h_input_tokens": 0},
             "cache_read_input_tokens": _col(r, "input_cache_read"), "output_tokens": _col(r, "output"),
             "server_tool_use": {"web_search_requests": 0}}
            for r in rows.get(d, [])
        ]
        buckets.append({"starting_at": _rfc(d), "ending_at": _rfc(d + timedelta(days=1)), "results": results})
    yield from _paginate(buckets, "page_an_usage_")


def _display_name(base: str) -> str:
    # claude-sonnet-4-5 -> Claude Sonnet 4.5; claude-3-5-haiku -> Claude Haiku 3.5
    parts = base.split("-")[1:]
    words = [p for p in parts if not p.isdigit()]
    version = ".".join(p for p in parts if p.isdigit())
    return "Claude " + " ".join(w.capitalize() for w in words) + (f" {version}" if version else "")


def anthropic_cost_pages(priced: pl.DataFrame, days: list[date]) -> Iterator[dict[str, Any]]:
    part = priced.filter((pl.col("provider") == "anthropic") & (pl.col("token_class") != "requests"))
    part = part.with_columns(
        pl.col("model").str.replace(r"-\d{8}$", "").alias("base_model")
    ).group_by("day", "project_id", "base_model", "token_class").agg(pl.col("billed_usd").sum())
    rows = _by_day(part.sort("day", "project_id", "base_model", "token_class"))
    buckets = []
    for d in days:
        results = []
        for r in rows.get(d, []):
            token_type, label = ANTHROPIC_TOKEN_TYPE[r["token_class"]]
            cents = (Decimal(repr(r["billed_usd"])) * 100).quantize(Decimal("0.0001"))
            results.append({"amount": format(cents.normalize(), "f"), "currency": "USD", "workspace_id": r["project_id"],
                            "description": f"{_display_name(r['base_model'])} Usage - {label}",
                            "cost_type": "tokens", "token_type": token_type, "model": r["base_model"],
                            "service_tier": "standard", "context_window": "0-200k", "inference_geo": "global"})
        buckets.append({"starting_at": _rfc(d), "ending_at": _rfc(d + timedelta(days=1)), "results": results})
    yield from _paginate(buckets, "page_an_cost_")
