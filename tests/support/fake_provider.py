"""A fake OpenAI + Anthropic admin API: a real HTTP server on 127.0.0.1 for connector tests.

It serves the documented response shapes (../shared/providers.md) from buckets it is given,
enforces auth headers, required parameters, limits and each provider's array syntax
(repeated keys for OpenAI, `name[]` for Anthropic), paginates with opaque cursors, and
injects faults on request: 429 with or without Retry-After, 500/502/503, slow replies,
truncated JSON, expired cursors (410) and refused keys (401).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

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
}


@dataclass
class Fault:
    kind: str  # "429", "500", "502", "503", "slow", "truncated", "expire", "401"
    path: str = ""  # only requests whose path contains this
    retry_after: int | None = None
    times: int = 1


@dataclass
class FakeData:
    openai: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # endpoint or "costs" -> buckets
    anthropic: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "usage" | "cost" -> buckets


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class FakeProvider:
    def __init__(self, data: FakeData, openai_key: str = "sk-admin-test", anthropic_key: str = "sk-ant-admin01-test",
                 slow_seconds: float = 1.5) -> None:
        self.data = data
        self.keys = {"openai": openai_key, "anthropic": anthropic_key}
        self.faults: deque[Fault] = deque()
        self.slow_seconds = slow_seconds
        self.generation = 0  # bumps when data is restated; old cursors then expire
        self.log: list[tuple[str, list[tuple[str, str]]]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- control -------------------------------------------------------------------
    def start(self) -> str:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                provider._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def set_faults(self, *faults: Fault) -> None:
        with self._lock:
            self.faults = deque(faults)

    def restate(self, provider: str, name: str, buckets: list[dict[str, Any]]) -> None:
        with self._lock:
            getattr(self.data, provider)[name] = buckets
            self.generation += 1

    # -- serving ----------------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for f in list(self.faults):
                if f.path in path:
                    f.times -= 1
                    if f.times <= 0:
                        self.faults.remove(f)
                    return f
        return None

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None, truncate: bool = False) -> None:
        raw = json.dumps(body).encode()
        if truncate:
            raw = raw[: len(raw) // 2]
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(raw)

    def _error(self, h: BaseHTTPRequestHandler, status: int, message: str) -> None:
        self._send(h, status, {"error": {"type": "invalid_request_error", "message": message}})

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        params = parse_qsl(url.query, keep_blank_values=True)
        self.log.append((url.path, params))
        fault = self._take_fault(url.path)
        if fault and fault.kind in ("429", "500", "502", "503"):
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return self._send(h, int(fault.kind), {"error": {"message": "try later"}}, headers)
        if fault and fault.kind == "401":
            return self._error(h, 401, "invalid admin key")
        if fault and fault.kind == "slow":
            time.sleep(self.slow_seconds)
        if fault and fault.kind == "expire" and any(k == "page" for k, _ in params):
            return self._error(h, 410, "page cursor expired")
        if url.path.startswith("/v1/organization/"):
            self._openai(h, url.path.removeprefix("/v1/organization/"), params, truncate=bool(fault and fault.kind == "truncated"))
        elif url.path.startswith("/v1/organizations/"):
            self._anthropic(h, url.path.removeprefix("/v1/organizations/"), params, truncate=bool(fault and fault.kind == "truncated"))
        else:
            self._error(h, 404, f"no route {url.path}")

    def _page(self, buckets: list[dict[str, Any]], params: list[tuple[str, str]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
        page = dict(params).get("page")
        offset = 0
        if page:
            try:
                gen, offset = map(int, base64.urlsafe_b64decode(page.removeprefix("page_")).decode().split(":"))
            except ValueError:
                raise LookupError("bad cursor") from None
            if gen != self.generation:
                raise LookupError("expired cursor")
        chunk = buckets[offset: offset + limit]
        more = offset + limit < len(buckets)
        cursor = "page_" + base64.urlsafe_b64encode(f"{self.generation}:{offset + limit}".encode()).decode() if more else None
        return chunk, cursor

    def _openai(self, h: BaseHTTPRequestHandler, route: str, params: list[tuple[str, str]], truncate: bool) -> None:
        if h.headers.get("Authorization") != f"Bearer {self.keys['openai']}":
            return self._error(h, 401, "Incorrect API key provided")
        if any(k.endswith("[]") for k, _ in params):
            return self._error(h, 400, "array parameters are repeated keys, not name[]")
        q = dict(params)
        if "start_time" not in q or not q["start_time"].isdigit():
            return self._error(h, 400, "start_time is required (unix seconds)")
        name = "costs" if route == "costs" else route.removeprefix("usage/")
        if name not in self.data.openai and name not in OPENAI_GROUPS:
            return self._error(h, 404, f"unknown endpoint {route}")
        allowed = {"project_id", "line_item", "api_key_id"} if name == "costs" else OPENAI_GROUPS[name]
        bad = [v for k, v in params if k == "group_by" and v not in allowed]
        if bad:
            return self._error(h, 400, f"invalid group_by {bad[0]}")
        limit = int(q.get("limit", 7))
        if limit < 1 or limit > (180 if name == "costs" else 31):
            return self._error(h, 400, "limit out of range")
        start, end = int(q["start_time"]), int(q.get("end_time", 2**40))
        buckets = [b for b in self.data.openai.get(name, []) if b["start_time"] >= start and b["end_time"] <= end]
        try:
            chunk, cursor = self._page(buckets, params, limit)
        except LookupError as exc:
            return self._error(h, 410, str(exc))
        self._send(h, 200, {"object": "page", "data": chunk, "has_more": cursor is not None, "next_page": cursor}, truncate=truncate)

    def _anthropic(self, h: BaseHTTPRequestHandler, route: str, params: list[tuple[str, str]], truncate: bool) -> None:
        if h.headers.get("x-api-key") != self.keys["anthropic"]:
            return self._error(h, 401, "invalid x-api-key")
        if not h.headers.get("anthropic-version"):
            return self._error(h, 400, "anthropic-version header is required")
        if any(k in ("group_by", "models", "api_key_ids", "workspace_ids") for k, _ in params):
            return self._error(h, 400, "array parameters use brackets: group_by[]")
        q = dict(params)
        if "starting_at" not in q:
            return self._error(h, 400, "starting_at is required")
        name = {"usage_report/messages": "usage", "cost_report": "cost"}.get(route)
        if name is None:
            return self._error(h, 404, f"unknown endpoint {route}")
        limit = int(q.get("limit", 7))
        if limit < 1 or limit > 31:
            return self._error(h, 400, "limit out of range")
        start, end = _ts(q["starting_at"]), _ts(q["ending_at"]) if "ending_at" in q else float("inf")
        buckets = [b for b in self.data.anthropic.get(name, []) if _ts(b["starting_at"]) >= start and _ts(b["ending_at"]) <= end]
        try:
            chunk, cursor = self._page(buckets, params, limit)
        except LookupError as exc:
            return self._error(h, 410, str(exc))
        self._send(h, 200, {"data": chunk, "has_more": cursor is not None, "next_page": cursor}, truncate=truncate)


def sample_data(end: date, days: int = 20, requests: int = 4000, seed: int = 5) -> FakeData:
    """Buckets for every endpoint, built by the sample generator's provider-shape writers."""
    from finops.sample import provider_shapes
    from finops.sample.generate import GeneratorConfig, generate

    s = generate(GeneratorConfig(seed=seed, days=days, requests=requests, end=end))
    flat = lambda pages: [b for p in pages for b in p["data"]]  # noqa: E731
    return FakeData(
        openai={
            "completions": flat(provider_shapes.openai_usage_pages(s.priced, s.days, "completions")),
            "embeddings": flat(provider_shapes.openai_usage_pages(s.priced, s.days, "embeddings")),
            "costs": flat(provider_shapes.openai_cost_pages(s.priced, s.days)),
        },
        anthropic={
            "usage": flat(provider_shapes.anthropic_usage_pages(s.priced, s.days)),
            "cost": flat(provider_shapes.anthropic_cost_pages(s.priced, s.days)),
        },
    )
