"""The one HTTP layer every connector uses: deadlines, retries with backoff, cursor pagination.

- Every request has a total deadline (`request_deadline_seconds`), enforced below httpx at
  the socket: a server that drips one byte a second, in its headers or its body, trips it.
  A client may also carry a deadline for the whole sync of a source; no retry or pause
  runs past it. A reply larger than `max_reply_bytes` is refused as it streams in.
- 429, 500, 502, 503, 504 and 529 (Anthropic "overloaded"), timeouts, dropped connections
  and truncated JSON are retried with exponential backoff and full jitter, honouring
  `Retry-After` (seconds or an HTTP date) up to `max_retry_after`.
- 401/403 raise a CredentialError that says which key type the source needs.
- 410 on a page request means the cursor expired: pagination restarts from the first page.
- A redirect is refused with its own message (a key is never sent to another address).
- Nothing here logs or raises a header value: keys travel only in headers, and any part of
  a key a server echoes back is redacted before a message leaves this module (`redact`).
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from finops.errors import CredentialError, SourceError

log = logging.getLogger("finops.connectors.http")
RETRY_STATUS = {429, 500, 502, 503, 504, 529}
SECRET_HEADERS = ("authorization", "x-api-key")
# The shortest run of a key's characters that counts as an echo of it: shorter runs
# ("sk-", "abc") occur in ordinary text; six random key characters do not.
MIN_FRAGMENT = 6
# Anything shaped like a provider key, whether or not it is ours.
_KEY_SHAPE = re.compile(r"\b(sk|key)-[A-Za-z0-9_\-]{20,}")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    timeout_seconds: float = 30.0  # one read, connect or write
    max_retry_after: float = 300.0  # a provider asking for a longer pause fails the sync instead
    request_deadline_seconds: float = 120.0  # one request, first byte sent to last byte read
    sync_deadline_seconds: float = 1800.0  # one source's whole sync, retries and pauses included
    max_reply_bytes: int = 32 * 1024 * 1024  # a page of daily buckets is well under 1 MB


class CursorExpired(Exception):
    """The provider no longer knows the page cursor (HTTP 410)."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every run of at least MIN_FRAGMENT characters of a secret, and anything
    shaped like a key, replaced by "[redacted]"."""
    keys = [s for s in secrets if len(s) >= MIN_FRAGMENT]
    out: list[str] = []
    i = 0
    while i < len(text):
        best = 0
        for key in keys:
            n = MIN_FRAGMENT
            if i + n <= len(text) and text[i:i + n] in key:
                while i + n < len(text) and text[i:i + n + 1] in key:
                    n += 1
                best = max(best, n)
        if best:
            out.append("[redacted]")
            i += best
        else:
            out.append(text[i])
            i += 1
    return _KEY_SHAPE.sub("[redacted]", "".join(out))


class _DeadlineExceeded(httpcore.ReadTimeout):
    """The request's total deadline passed (a ReadTimeout to httpx, so it maps cleanly)."""


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write stops at the backend's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, backend: "_DeadlineBackend") -> None:
        self._inner, self._backend = inner, backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.timeout(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.timeout(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, self._backend.timeout(timeout)),
                               self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, with a total deadline (time.monotonic) over each request.

    httpx's timeouts bound one read each; a server sending a byte just inside that bound
    keeps a request alive for ever. Capping every socket operation's timeout at the time
    left makes the deadline total, headers included.
    """

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner
        self.deadline: float | None = None

    def timeout(self, timeout: float | None) -> float | None:
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _DeadlineExceeded("request deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, self.timeout(timeout), local_address, socket_options)
        return _DeadlineStream(stream, self)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, self.timeout(timeout), socket_options), self)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _with_deadlines(client: httpx.Client) -> _DeadlineBackend:
    """Put one deadline backend under every transport of `client` (proxies from the environment too)."""
    backend = _DeadlineBackend(httpcore.SyncBackend())
    transports = [client._transport, *client._mounts.values()]  # noqa: SLF001 - httpx offers no public hook
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_network_backend"):
            raise RuntimeError("this httpx version hides its connection pool; finops cannot bound request time")
        pool._network_backend = backend  # noqa: SLF001
    return backend


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class ProviderClient:
    def __init__(self, source: str, base_url: str, headers: dict[str, str], key_hint: str,
                 policy: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                 deadline: float | None = None) -> None:
        """`deadline`: a time.monotonic() after which no request starts or retries (the sync's)."""
        self.source = source
        self.key_hint = key_hint
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._deadline = deadline
        self._last_deadline = 0.0
        # A provider may echo the key in an error body; no message of ours repeats it.
        self.secrets = [v.split()[-1] for k, v in headers.items() if k.lower() in SECRET_HEADERS and v.strip()]
        self._client = httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers, follow_redirects=False,
                                    timeout=httpx.Timeout(self.policy.timeout_seconds))
        self._backend = _with_deadlines(self._client)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "ProviderClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _left(self) -> float:
        return float("inf") if self._deadline is None else self._deadline - time.monotonic()

    def _delay(self, attempt: int, retry_after: str | None, path: str) -> float:
        wait = _retry_after_seconds(retry_after)
        if wait is not None:
            if wait > self.policy.max_retry_after:
                raise SourceError(f"{self.source}: the provider asked to wait {wait:.0f}s before retrying {path}; try again later")
            return wait
        # Full jitter: spreads retries of parallel clients instead of synchronising them.
        return random.uniform(0, min(self.policy.cap_seconds, self.policy.base_seconds * 2**attempt))

    def redact_text(self, text: str) -> str:
        return redact(text, self.secrets)

    def _out_of_time(self, path: str, last: str) -> SourceError:
        return SourceError(self.redact_text(
            f"{self.source}: the sync deadline ({self.policy.sync_deadline_seconds:g}s) passed while "
            f"requesting {path} ({last}); try again later"))

    def _fetch(self, path: str, params: list[tuple[str, Any]]) -> _Reply:
        """One request within its deadline; the body is read only for a final answer or an error."""
        limit = self.policy.max_reply_bytes
        self._backend.deadline = time.monotonic() + min(self.policy.request_deadline_seconds, self._left())
        self._last_deadline = self._backend.deadline
        try:
            with self._client.stream("GET", path.lstrip("/"), params=params) as resp:
                if 300 <= resp.status_code < 400:
                    return _Reply(resp.status_code, resp.headers, b"")
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise self._too_big(path, int(declared))
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise self._too_big(path, len(body))
                return _Reply(resp.status_code, resp.headers, bytes(body))
        finally:
            self._backend.deadline = None

    def _too_big(self, path: str, size: int) -> SourceError:
        return SourceError(f"{self.source}: the reply to {path} is larger than {self.policy.max_reply_bytes:,} bytes "
                           f"({size:,} bytes or more); refused (raise [sources.{self.source}] max_reply_mb if it is genuine)")

    def get(self, path: str, params: list[tuple[str, Any]]) -> dict[str, Any]:
        """GET a JSON object, retrying what is worth retrying, within the deadlines."""
        last = ""
        for attempt in range(self.policy.attempts):
            if self._left() <= 0:
                raise self._out_of_time(path, last or "no reply yet")
            retry_after = None
            started = time.monotonic()
            try:
                resp = self._fetch(path, params)
            except (httpx.TimeoutException, httpx.TransportError, httpx.DecodingError) as exc:
                if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= self._last_deadline - 0.01:
                    last = f"no complete reply within the {time.monotonic() - started:.1f}s request deadline"
                else:
                    last = type(exc).__name__
            else:
                status = resp.status
                if status in (401, 403):
                    raise CredentialError(
                        f"{self.source}: the provider refused the key (HTTP {status}); this source needs {self.key_hint}"
                    )
                if 300 <= status < 400:
                    where = resp.headers.get("location", "an unnamed address")
                    raise SourceError(self.redact_text(
                        f"{self.source}: {path} answered with a redirect (HTTP {status}) to {where}; finops does not "
                        f"follow redirects, so a key is never sent elsewhere: check [sources.{self.source}] base_url"))
                if status == 410:
                    if any(k == "page" for k, _ in params):
                        raise CursorExpired()
                    raise SourceError(self.redact_text(f"{self.source}: HTTP 410 from {path} (endpoint retired?): {_message(resp)}"))
                if status in RETRY_STATUS:
                    last = f"HTTP {status}"
                    retry_after = resp.headers.get("retry-after")
                elif status >= 400:
                    raise SourceError(self.redact_text(f"{self.source}: HTTP {status} from {path}: {_message(resp)}"))
                else:
                    try:
                        body = resp.json()
                    except ValueError:
                        last = "a truncated or invalid JSON reply"
                    else:
                        if isinstance(body, dict):
                            return body
                        last = "a reply that is not a JSON object"
            if attempt + 1 < self.policy.attempts:
                delay = self._delay(attempt, retry_after, path)
                if delay >= self._left():
                    raise self._out_of_time(path, last)
                log.debug("%s: %s on %s, retry %d in %.2fs", self.source, last, path, attempt + 1, delay)
                self._sleep(delay)
        raise SourceError(f"{self.source}: gave up on {path} after {self.policy.attempts} attempts ({last}); try again later")

    def pages(self, path: str, params: list[tuple[str, Any]],
              on_page: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
        """Every page of a cursor-paginated endpoint; an expired cursor restarts from page one.

        Pages are yielded only once the last one arrived, so a restart never yields a page
        twice; `on_page(n)` reports each page as it lands (n restarts at 1 after a restart).
        """
        for restart in range(3):
            collected = []
            page_params = list(params)
            seen: set[str] = set()
            try:
                while True:
                    body = self.get(path, page_params)
                    collected.append(body)
                    if on_page:
                        on_page(len(collected))
                    cursor = body.get("next_page")
                    if not body.get("has_more") or not cursor:
                        break
                    if cursor in seen:
                        raise SourceError(f"{self.source}: {path} returned the same page cursor twice; try again later")
                    seen.add(cursor)
                    page_params = [*params, ("page", cursor)]
            except CursorExpired:
                log.debug("%s: page cursor expired on %s, restarting pagination (%d)", self.source, path, restart + 1)
                continue
            yield from collected
            return
        raise SourceError(f"{self.source}: page cursors kept expiring on {path}; try again later")


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: an integer (what both providers send) or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import datetime, timezone

    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _message(resp: _Reply) -> str:
    try:
        body = resp.json()
    except ValueError:
        text = resp.body[:400].decode("utf-8", "replace")
    else:
        err = body.get("error", body) if isinstance(body, dict) else body
        text = err.get("message", err) if isinstance(err, dict) else err
    return " ".join(str(text).split())[:200]
