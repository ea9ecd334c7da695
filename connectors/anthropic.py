"""Anthropic Admin API usage and cost reports: what to fetch and how to read it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import polars as pl

from connectors import anthropic_usage

DEFAULT_BASE_URL = "https://api.anthropic.com"
KEY_HINT = "an Admin API key (sk-ant-admin01-...; workspace keys are refused)"
API_VERSION = "2023-06-01"


def headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": API_VERSION}


def _rfc(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def requests_for(start: datetime, end: datetime) -> list[tuple[str, str, list[tuple[str, Any]], Callable[[dict[str, Any], str], pl.DataFrame]]]:
    """(table, path, params, parser) per report; arrays use brackets, as Anthropic expects."""
    window = [("starting_at", _rfc(start)), ("ending_at", _rfc(end)), ("bucket_width", "1d"), ("limit", 31)]
    usage = window + [("group_by[]", g) for g in ("model", "workspace_id", "api_key_id", "service_tier", "context_window")]
    costs = window + [("group_by[]", g) for g in ("workspace_id", "description")]
    return [
        ("billed_usage", "v1/organizations/usage_report/messages", usage,
         lambda page, source: anthropic_usage.parse_usage_page(page, source=source)),
        ("cost_lines", "v1/organizations/cost_report", costs,
         lambda page, source: anthropic_usage.parse_cost_page(page, source=source)),
    ]
