"""A small real HTTP server on 127.0.0.1 that answers like the OpenAI chat completions and the
Anthropic messages APIs (plain and streamed as SSE, a 429, a stream the client cuts), and
records what it served so a test can compare what an instrumentation logged with the truth.

The scenario is chosen by the request's `user`/`metadata.user_id` field: "plain", "stream",
"cached", "cut" (the server keeps sending text; the client closes early), "429".
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OPENAI_MODEL = "gpt-4o-mini-2024-07-18"
ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929"


@dataclass
class Served:
    """What the fake answered for one call: its id and the usage it reported (None: never reported)."""

    api: str  # openai | anthropic
    scenario: str
    response_id: str | None
    model: str
    input_tokens: int | None  # the API's own meaning: OpenAI prompt_tokens include cached, Anthropic's exclude
    output_tokens: int | None
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    status: int = 200


@dataclass
class FakeLLM:
    served: list[Served] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    n: int = 0

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self.n += 1
            return f"{prefix}{self.n:04d}"

    def record(self, s: Served) -> None:
        with self.lock:
            self.served.append(s)


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            if status == 429:
                self.send_header("retry-after", "0")
            self.end_headers()
            self.wfile.write(data)

        def _sse_start(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("connection", "close")
            self.end_headers()
            self.close_connection = True

        def _event(self, data: dict[str, Any] | str, event: str | None = None) -> None:
            text = (f"event: {event}\n" if event else "") + f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n"
            self.wfile.write(text.encode())
            self.wfile.flush()

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
            if self.path.endswith("/chat/completions"):
                self._openai(body)
            elif self.path.endswith("/messages"):
                self._anthropic(body)
            else:
                self._json(404, {"error": {"message": "not found"}})

        # -- OpenAI chat completions ---------------------------------------------------------
        def _openai(self, body: dict[str, Any]) -> None:
            scenario = body.get("user", "plain")
            prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
            if scenario == "429":
                fake.record(Served("openai", scenario, None, body["model"], None, None, status=429))
                self._json(429, {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}})
                return
            rid = fake.next_id("chatcmpl-fake")
            cached = 1024 if scenario == "cached" else 0
            usage = {"prompt_tokens": prompt + cached + 100, "completion_tokens": 37 + fake.n, "total_tokens": 0,
                     "prompt_tokens_details": {"cached_tokens": cached},
                     "completion_tokens_details": {"reasoning_tokens": 0}}
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            if not body.get("stream"):
                fake.record(Served("openai", scenario, rid, OPENAI_MODEL, usage["prompt_tokens"], usage["completion_tokens"], cached))
                self._json(200, {"id": rid, "object": "chat.completion", "created": 1764547200, "model": OPENAI_MODEL,
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                              "finish_reason": "stop", "logprobs": None}], "usage": usage})
                return
            self._sse_start()
            chunk = {"id": rid, "object": "chat.completion.chunk", "created": 1764547200, "model": OPENAI_MODEL}
            words = 200 if scenario == "cut" else 3
            try:
                for i in range(words):
                    self._event(chunk | {"choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": None}]})
                if scenario == "cut":
                    fake.record(Served("openai", scenario, rid, OPENAI_MODEL, None, None))
                    return
                self._event(chunk | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                fake.record(Served("openai", scenario, rid, OPENAI_MODEL, usage["prompt_tokens"], usage["completion_tokens"], cached))
                self._event(chunk | {"choices": [], "usage": usage})
                self._event("[DONE]")
            except (BrokenPipeError, ConnectionResetError):
                fake.record(Served("openai", scenario, rid, OPENAI_MODEL, None, None))

        # -- Anthropic messages ----------------------------------------------------------------
        def _anthropic(self, body: dict[str, Any]) -> None:
            scenario = (body.get("metadata") or {}).get("user_id", "plain")
            if scenario == "429":
                fake.record(Served("anthropic", scenario, None, body["model"], None, None, status=429))
                self._json(429, {"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limited"}})
                return
            rid = fake.next_id("msg_fake")
            read, write = (2048, 0) if scenario == "cached" else (0, 512) if scenario == "stream" else (0, 0)
            inp, out = 210 + fake.n, 55 + fake.n
            usage = {"input_tokens": inp, "output_tokens": out, "cache_read_input_tokens": read,
                     "cache_creation_input_tokens": write}
            message = {"id": rid, "type": "message", "role": "assistant", "model": ANTHROPIC_MODEL,
                       "stop_reason": None, "stop_sequence": None}
            if not body.get("stream"):
                fake.record(Served("anthropic", scenario, rid, ANTHROPIC_MODEL, inp, out, read, write))
                self._json(200, message | {"content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "usage": usage})
                return
            self._sse_start()
            try:
                self._event({"type": "message_start", "message": message | {"content": [], "usage": usage | {"output_tokens": 1}}},
                            "message_start")
                self._event({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                            "content_block_start")
                for i in range(200 if scenario == "cut" else 3):
                    self._event({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": f"w{i} "}},
                                "content_block_delta")
                if scenario == "cut":
                    fake.record(Served("anthropic", scenario, rid, ANTHROPIC_MODEL, inp, None, read, write))
                    return
                self._event({"type": "content_block_stop", "index": 0}, "content_block_stop")
                self._event({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                             "usage": {"output_tokens": out}}, "message_delta")
                self._event({"type": "message_stop"}, "message_stop")
                fake.record(Served("anthropic", scenario, rid, ANTHROPIC_MODEL, inp, out, read, write))
            except (BrokenPipeError, ConnectionResetError):
                fake.record(Served("anthropic", scenario, rid, ANTHROPIC_MODEL, inp, None, read, write))

    return Handler


@contextmanager
def fake_llm_api() -> Iterator[tuple[str, FakeLLM]]:
    """(base URL, the record of what was served) of a fake API on 127.0.0.1, for the block."""
    fake = FakeLLM()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", fake
    finally:
        server.shutdown()
        server.server_close()
