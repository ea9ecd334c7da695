"""OpenAI organization Usage and Costs APIs: what to fetch and how to read it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import polars as pl

from connectors import openai_usage

DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_HINT = "an organization Admin API key (project keys are refused)"

# endpoint -> group_by values the API allows (../shared/providers.md 1.3)
USAGE_GROUPS = {
    "completions": ("model", "project_id", "api_key_id", "batch", "service_tier"),
    "embeddings": ("model", "project_id", "api_key_id"),
    "moderations": ("model", "project_id", "api_key_id"),
    "images": ("model", "project_id", "api_key_id"),  # size/source are not key columns: let the API sum them
    "audio_speeches": ("model", "project_id", "api_key_id"),
    "audio_transcriptions": ("model", "project_id", "api_key_id"),
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
    "file_search_calls": ("project_id", "api_key_id"),
    "web_search_calls": ("model", "project_id", "api_key_id"),
}


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def requests_for(start: datetime, end: datetime) -> list[tuple[str, str, list[tuple[str, Any]], Callable[[dict[str, Any], str], pl.DataFrame]]]:
    """(table, path, params, parser) per endpoint; arrays as repeated keys, as OpenAI expects."""
    window = [("start_time", int(start.timestamp())), ("end_time", int(end.timestamp())), ("bucket_width", "1d"), ("limit", 31)]
    out: list[tuple[str, str, list[tuple[str, Any]], Callable[[dict[str, Any], str], pl.DataFrame]]] = []
    for endpoint, groups in USAGE_GROUPS.items():
        params = window + [("group_by", g) for g in groups]
        out.append(("billed_usage", f"organization/usage/{endpoint}", params,
                    lambda page, source, e=endpoint: openai_usage.parse_usage_page(page, e, source=source)))
    costs = [*window[:3], ("limit", 180), ("group_by", "project_id"), ("group_by", "line_item")]
    out.append(("cost_lines", "organization/costs", costs, lambda page, source: openai_usage.parse_costs_page(page, source=source)))
    return out
