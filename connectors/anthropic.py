"""Anthropic Admin API usage and cost reports: what to fetch for a window and how to read it."""

from __future__ import annotations

from datetime import datetime, timezone

from finops.connectors import anthropic_usage
from finops.connectors._fetch import Fetch, Page

DEFAULT_BASE_URL = "https://api.anthropic.com"
KEY_HINT = "an Admin API key (sk-ant-admin01-...; workspace API keys are refused)"
API_VERSION = "2023-06-01"
CHECK = "usage"  # the cheap call `finops connect` makes
USAGE_GROUPS = ("model", "workspace_id", "api_key_id", "service_tier", "context_window", "inference_geo")
COST_GROUPS = ("workspace_id", "description")
LIMIT = 31  # buckets per page, the maximum for 1d buckets


def headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": API_VERSION}


def _rfc(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _days(page: Page) -> list[datetime]:
    return [datetime.fromisoformat(b["starting_at"].replace("Z", "+00:00")).astimezone(timezone.utc)
            for b in page.get("data") or []]


def requests_for(start: datetime, end: datetime, only: str | None = None) -> list[Fetch]:
    """Both reports for a [start, end) window; arrays use brackets, as Anthropic expects."""
    window = [("starting_at", _rfc(start)), ("ending_at", _rfc(end)), ("bucket_width", "1d"), ("limit", LIMIT)]
    out = [
        Fetch("billed_usage", "usage", "v1/organizations/usage_report/messages",
              [*window, *(("group_by[]", g) for g in USAGE_GROUPS)],
              lambda page, source: anthropic_usage.parse_usage_page(page, source=source), _days),
        Fetch("cost_lines", "cost", "v1/organizations/cost_report",
              [*window, *(("group_by[]", g) for g in COST_GROUPS)],
              lambda page, source: anthropic_usage.parse_cost_page(page, source=source), _days),
    ]
    return [f for f in out if only is None or f.name == only]
