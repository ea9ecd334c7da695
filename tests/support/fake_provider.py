"""A fake OpenAI + Anthropic admin API: a real HTTP server on 127.0.0.1 for connector tests.

It serves the documented response shapes (../shared/providers.md 1 and 2) from the buckets
it is given, enforces auth headers, required and known parameters, limits and each
provider's array syntax (repeated keys for OpenAI, `name[]` for Anthropic), paginates
with opaque cursors that expire when the data is restated, and injects faults on request:
429 with or without Retry-After, 500/502/503, slow replies, truncated JSON, an expired
cursor (410), refused keys (401/403) and a restatement in the middle of a sync.

Use:  server = FakeProvider(); url = server.start(sample_data(date(2026, 11, 20)))
      server.set_faults(Fault("429", retry_after=1)); ...; server.stop()
or, for a generated scenario (tests/scenarios), `server.start(scenario_data(folder))`;
or the `fake_provider` fixture below (imports into a test module), which also points
FINOPS_*_BASE_URL and FINOPS_*_ADMIN_KEY at the server.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

import pytest

from tests.support.fake_provider_data import FakeData, sample_data, scenario_data

__all__ = ["FakeData", "FakeProvider", "Fault", "fake_provider", "point_env", "sample_data", "scenario_data", "use_keyring"]

OPENAI_KEY, ANTHROPIC_KEY = "sk-admin-FAKE-0123456789abcdef", "sk-ant-admin01-FAKE-0123456789abcdef"
DEFAULT_END = date(2026, 11, 20)
OPENAI_GROUPS = {
    "completions": {"project_id", "user_id", "api_key_id", "model", "batch", "service_tier"},
    "embeddings": {"project_id", "user_id", "api_key_id", "model"},
    "moderations": {"project_id", "user_id", "api_key_id", "model"},
    "images": {"project_id", "user_id", "api_key_id", "model", "size", "source"},
    "audio_speeches": {"project_id", "user_id", "api_key_id", "model"},
    "audio_transcriptions": {"project_id", "user_id", "api_key_id", "model"},
    "vector_stores": {"project_id"},
    "code_interpreter_sessions": {"project_id"},
    "file_search_calls": {"project_id", "user_id", "api_key_id", "vector_store_id"},
    "web_search_calls": {"project_id", "user_id", "api_key_id", "model", "context_level"},
    "costs": {"project_id", "line_item", "api_key_id"},
}
OPENAI_PARAMS = {"start_time", "end_time", "bucket_width", "limit", "page", "group_by", "project_ids", "user_ids",
                 "api_key_ids", "models", "batch", "sources", "sizes", "vector_store_ids", "context_levels"}
ANTHROPIC_GROUPS = {
    "usage": {"api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo", "account_id",
              "service_account_id", "speed"},
    "cost": {"workspace_id", "description"},
}
ANTHROPIC_PARAMS = {"starting_at", "ending_at", "bucket_width", "limit", "page", "group_by[]", "models[]",
                    "api_key_ids[]", "workspace_ids[]", "account_ids[]", "service_account_ids[]", "service_tiers[]",
                    "context_window[]", "inference_geos[]", "speeds[]"}


@dataclass
class Fault:
    """One injected fault, for the next `times` requests whose path contains `path`.

    kind: "429" | "500" | "502" | "503" | "504" | "529" (Anthropic's overloaded) | "401" | "403" | "410" (gone) | "slow" (reply after the client
    gave up) | "truncated" (half a JSON body); on requests with a page cursor only:
    "expire" (410) | "restate" (call `restate(server)` first, which expires the cursor).
    """

    kind: str
    path: str = ""
    retry_after: int | str | None = None  # seconds, or an HTTP date
    times: int = 1
    restate: Callable[["FakeProvider"], None] | None = None


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class FakeProvider:
    def __init__(self, data: FakeData | None = None, openai_key: str = OPENAI_KEY, anthropic_key: str = ANTHROPIC_KEY,
                 slow_seconds: float = 1.5, page_size: int | None = None, latency_seconds: float = 0.0) -> None:
        self.data = data or FakeData()
        self.keys = {"openai": openai_key, "anthropic": anthropic_key}
        self.slow_seconds = slow_seconds
        self.page_size = page_size  # serve at most this many buckets per page, whatever the limit
        self.latency_seconds = latency_seconds  # added to every reply (to watch progress in a UI test)
        self.faults: list[Fault] = []
        self.generation = 0  # bumps when data is restated; older cursors then expire
        self.log: list[tuple[str, list[tuple[str, str]], int]] = []  # (path, params, status)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- control ----------------------------------------------------------------------
    def start(self, data: FakeData | None = None) -> str:
        """Serve on a free port of 127.0.0.1; returns the base URL (no path)."""
        if data is not None:
            self.data = data
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                provider._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def set_faults(self, *faults: Fault) -> None:
        with self._lock:
            self.faults = list(faults)

    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self.faults)

    def restate(self, provider: str, name: str, buckets: list[dict[str, Any]]) -> None:
        """Replace one endpoint's buckets (a provider revising past days); open cursors expire."""
        with self._lock:
            getattr(self.data, provider)[name] = buckets
            self.generation += 1

    def requests_to(self, fragment: str) -> list[list[tuple[str, str]]]:
        return [params for path, params, _ in self.log if fragment in path]

    # -- serving ----------------------------------------------------------------------
    def _take_fault(self, path: str, paging: bool) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.path in path and (paging or f.kind not in ("expire", "restate")):
                    f.times -= 1
                    if f.times <= 0:
                        self.faults.remove(f)
                    return f
        return None

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None,
              truncate: bool = False) -> None:
        raw = json.dumps(body).encode()
        if truncate:
            raw = raw[: len(raw) // 2]
        self.log.append((urlparse(h.path).path, parse_qsl(urlparse(h.path).query, keep_blank_values=True), status))
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass

    def _error(self, h: BaseHTTPRequestHandler, status: int, message: str) -> None:
        self._send(h, status, {"error": {"type": "invalid_request_error", "message": message}})

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        params = parse_qsl(url.query, keep_blank_values=True)
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        fault = self._take_fault(url.path, any(k == "page" for k, _ in params))
        kind = fault.kind if fault else ""
        if kind in ("429", "500", "502", "503", "504", "529"):
            headers = {"Retry-After": str(fault.retry_after)} if fault and fault.retry_after is not None else {}
            return self._send(h, int(kind), {"error": {"message": "try again later"}}, headers)
        if kind in ("401", "403"):
            return self._error(h, int(kind), "this key may not read organization usage")
        if kind == "410":
            return self._error(h, 410, "this endpoint is retired")
        if kind == "slow":
            time.sleep(self.slow_seconds)
        if kind == "restate" and fault and fault.restate:
            fault.restate(self)
        if kind == "expire" and any(k == "page" for k, _ in params):
            return self._error(h, 410, "page cursor expired")
        truncate = kind == "truncated"
        if url.path.startswith("/v1/organization/"):
            self._openai(h, url.path.removeprefix("/v1/organization/"), params, truncate)
        elif url.path.startswith("/v1/organizations/"):
            self._anthropic(h, url.path.removeprefix("/v1/organizations/"), params, truncate)
        else:
            self._error(h, 404, f"no route {url.path}")

    def _page(self, buckets: list[dict[str, Any]], params: list[tuple[str, str]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
        cursor = dict(params).get("page")
        offset = 0
        if cursor:
            try:
                gen, offset = map(int, base64.urlsafe_b64decode(cursor.removeprefix("page_")).decode().split(":"))
            except ValueError:
                raise LookupError("unknown page cursor") from None
            if gen != self.generation:
                raise LookupError("page cursor expired after a data refresh")
        size = min(limit, self.page_size or limit)
        chunk = buckets[offset: offset + size]
        more = offset + size < len(buckets)
        nxt = "page_" + base64.urlsafe_b64encode(f"{self.generation}:{offset + size}".encode()).decode() if more else None
        return chunk, nxt

    def _common(self, h: BaseHTTPRequestHandler, params: list[tuple[str, str]], known: set[str], max_limit: int,
                widths: tuple[str, ...]) -> str | None:
        """The first rule a request breaks, or None."""
        unknown = sorted({k for k, _ in params} - known)
        if unknown:
            return f"unknown parameter {unknown[0]}"
        q = dict(params)
        if q.get("bucket_width", "1d") not in widths:
            return f"bucket_width must be one of {', '.join(widths)}"
        if q.get("bucket_width", "1d") != "1d":
            return "this fake serves 1d buckets only"
        try:
            limit = int(q.get("limit", 7))
        except ValueError:
            return "limit must be an integer"
        if not 1 <= limit <= max_limit:
            return f"limit must be between 1 and {max_limit}"
        return None

    def _openai(self, h: BaseHTTPRequestHandler, route: str, params: list[tuple[str, str]], truncate: bool) -> None:
        if h.headers.get("Authorization") != f"Bearer {self.keys['openai']}":
            return self._error(h, 401, "Incorrect API key provided")
        if any(k.endswith("[]") for k, _ in params):
            return self._error(h, 400, "array parameters are repeated keys, not name[]")
        name = "costs" if route == "costs" else route.removeprefix("usage/")
        if name not in OPENAI_GROUPS:
            return self._error(h, 404, f"unknown endpoint {route}")
        costs = name == "costs"
        problem = self._common(h, params, OPENAI_PARAMS, 180 if costs else 31, ("1d",) if costs else ("1m", "1h", "1d"))
        q = dict(params)
        if problem is None and not q.get("start_time", "").isdigit():
            problem = "start_time is required (unix seconds)"
        bad = [v for k, v in params if k == "group_by" and v not in OPENAI_GROUPS[name]]
        if problem is None and bad:
            problem = f"invalid group_by value {bad[0]!r} for {name}"
        if problem:
            return self._error(h, 400, problem)
        start, end = int(q["start_time"]), int(q.get("end_time", 2**40))
        buckets = [b for b in self.data.openai.get(name, []) if b["start_time"] >= start and b["end_time"] <= end]
        try:
            chunk, cursor = self._page(buckets, params, int(q.get("limit", 7)))
        except LookupError as exc:
            return self._error(h, 410, str(exc))
        self._send(h, 200, {"object": "page", "data": chunk, "has_more": cursor is not None, "next_page": cursor},
                   truncate=truncate)

    def _anthropic(self, h: BaseHTTPRequestHandler, route: str, params: list[tuple[str, str]], truncate: bool) -> None:
        if h.headers.get("x-api-key") != self.keys["anthropic"]:
            return self._error(h, 401, "invalid x-api-key")
        if h.headers.get("anthropic-version") != "2023-06-01":
            return self._error(h, 400, "anthropic-version: 2023-06-01 header is required")
        name = {"usage_report/messages": "usage", "cost_report": "cost"}.get(route)
        if name is None:
            return self._error(h, 404, f"unknown endpoint {route}")
        if any(k in ("group_by", "models", "api_key_ids", "workspace_ids") for k, _ in params):
            return self._error(h, 400, "array parameters use brackets: group_by[]=...")
        problem = self._common(h, params, ANTHROPIC_PARAMS, 31, ("1d",) if name == "cost" else ("1m", "1h", "1d"))
        q = dict(params)
        if problem is None and "starting_at" not in q:
            problem = "starting_at is required (RFC 3339)"
        bad = [v for k, v in params if k == "group_by[]" and v not in ANTHROPIC_GROUPS[name]]
        if problem is None and bad:
            problem = f"invalid group_by[] value {bad[0]!r} for {route}"
        if problem:
            return self._error(h, 400, problem)
        start, end = _ts(q["starting_at"]), _ts(q["ending_at"]) if "ending_at" in q else float("inf")
        buckets = [b for b in self.data.anthropic.get(name, []) if _ts(b["starting_at"]) >= start and _ts(b["ending_at"]) <= end]
        try:
            chunk, cursor = self._page(buckets, params, int(q.get("limit", 7)))
        except LookupError as exc:
            return self._error(h, 410, str(exc))
        self._send(h, 200, {"data": chunk, "has_more": cursor is not None, "next_page": cursor}, truncate=truncate)


def point_env(monkeypatch: pytest.MonkeyPatch, server: FakeProvider) -> None:
    """Point both connectors at the server the way a user would: base URLs and keys in the environment."""
    monkeypatch.setenv("FINOPS_OPENAI_BASE_URL", server.url + "/v1")
    monkeypatch.setenv("FINOPS_ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("FINOPS_OPENAI_ADMIN_KEY", server.keys["openai"])
    monkeypatch.setenv("FINOPS_ANTHROPIC_ADMIN_KEY", server.keys["anthropic"])
    use_keyring(monkeypatch, None)


def use_keyring(monkeypatch: pytest.MonkeyPatch, backend: Any) -> None:
    """Make `backend` the keyring for one test (None: no backend, as on a headless server)."""
    import keyring.core
    from keyring.backends import fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend or fail.Keyring())


@pytest.fixture()
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """A running server with 20 days of sample data ending on DEFAULT_END, environment pointed at it."""
    server = FakeProvider(page_size=8)
    server.start(sample_data(DEFAULT_END))
    point_env(monkeypatch, server)
    yield server
    server.stop()
