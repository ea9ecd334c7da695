"""OpenAI organization Usage and Costs APIs: what to fetch for a window and how to read it."""

from __future__ import annotations

from datetime import datetime, timezone

from finops.connectors import openai_usage
from finops.connectors._fetch import Fetch, Page

DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_HINT = "an organization Admin API key (sk-admin-...; project keys are refused)"
CHECK = "completions"  # the cheap call `finops connect` makes: one day of one endpoint

# endpoint -> group_by values we request (../shared/providers.md 1.3). Groupings with no
# billed_usage key column (user_id, images size/source, web search context_level, file
# search vector_store_id) are left out so the API sums over them and no row collides.
USAGE_GROUPS = {
    "completions": ("model", "project_id", "api_key_id", "batch", "service_tier"),
    "embeddings": ("model", "project_id", "api_key_id"),
    "moderations": ("model", "project_id", "api_key_id"),
    "images": ("model", "project_id", "api_key_id"),
    "audio_speeches": ("model", "project_id", "api_key_id"),
    "audio_transcriptions": ("model", "project_id", "api_key_id"),
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
    "file_search_calls": ("project_id", "api_key_id"),
    "web_search_calls": ("model", "project_id", "api_key_id"),
}
USAGE_LIMIT = 31  # buckets per page, the maximum for 1d buckets
COSTS_LIMIT = 180


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _days(page: Page) -> list[datetime]:
    return [datetime.fromtimestamp(int(b["start_time"]), tz=timezone.utc) for b in page.get("data") or []]


def _usage_parser(endpoint: str):  # type: ignore[no-untyped-def]
    return lambda page, source: openai_usage.parse_usage_page(page, endpoint, source=source)


def requests_for(start: datetime, end: datetime, only: str | None = None) -> list[Fetch]:
    """Every request of a [start, end) window; arrays as repeated keys, as OpenAI expects."""
    window = [("start_time", int(start.timestamp())), ("end_time", int(end.timestamp())), ("bucket_width", "1d")]
    out = [
        Fetch("billed_usage", endpoint, f"organization/usage/{endpoint}",
              [*window, ("limit", USAGE_LIMIT), *(("group_by", g) for g in groups)], _usage_parser(endpoint), _days)
        for endpoint, groups in USAGE_GROUPS.items()
    ]
    out.append(Fetch("cost_lines", "costs", "organization/costs",
                     [*window, ("limit", COSTS_LIMIT), ("group_by", "project_id"), ("group_by", "line_item")],
                     lambda page, source: openai_usage.parse_costs_page(page, source=source), _days))
    return [f for f in out if only is None or f.name == only]
