"""The one HTTP layer every connector uses: timeouts, retries with backoff, cursor pagination.

- 429 and 5xx, timeouts, dropped connections and truncated JSON are retried with
  exponential backoff and full jitter, honouring `Retry-After` (seconds) when sent.
- 401/403 raise a CredentialError that says which key type the source needs.
- 410 on a page request means the cursor expired: pagination restarts from the first page.
- Nothing here logs or raises a header value: keys travel only in headers.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from finops.errors import CredentialError, SourceError

log = logging.getLogger("finops.connectors.http")
RETRY_STATUS = {429, 500, 502, 503, 504}
SECRET_HEADERS = ("authorization", "x-api-key")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    timeout_seconds: float = 30.0
    max_retry_after: float = 300.0  # a provider asking for a longer pause fails the sync instead


class CursorExpired(Exception):
    """The provider no longer knows the page cursor (HTTP 410)."""


class ProviderClient:
    def __init__(self, source: str, base_url: str, headers: dict[str, str], key_hint: str,
                 policy: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.source = source
        self.key_hint = key_hint
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        # A provider may echo the key in an error body; no message of ours repeats it.
        self._secrets = [v.split()[-1] for k, v in headers.items() if k.lower() in SECRET_HEADERS and v.strip()]
        self._client = httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers,
                                    timeout=httpx.Timeout(self.policy.timeout_seconds))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "ProviderClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _delay(self, attempt: int, retry_after: str | None, path: str) -> float:
        wait = _retry_after_seconds(retry_after)
        if wait is not None:
            if wait > self.policy.max_retry_after:
                raise SourceError(f"{self.source}: the provider asked to wait {wait:.0f}s before retrying {path}; try again later")
            return wait
        # Full jitter: spreads retries of parallel clients instead of synchronising them.
        return random.uniform(0, min(self.policy.cap_seconds, self.policy.base_seconds * 2**attempt))

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def get(self, path: str, params: list[tuple[str, Any]]) -> dict[str, Any]:
        """GET a JSON object, retrying what is worth retrying."""
        last = ""
        for attempt in range(self.policy.attempts):
            retry_after = None
            try:
                resp = self._client.get(path.lstrip("/"), params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__}"
            else:
                if resp.status_code in (401, 403):
                    raise CredentialError(
                        f"{self.source}: the provider refused the key (HTTP {resp.status_code}); "
                        f"this source needs {self.key_hint}"
                    )
                if resp.status_code == 410:
                    if any(k == "page" for k, _ in params):
                        raise CursorExpired()
                    raise SourceError(self._redact(f"{self.source}: HTTP 410 from {path} (endpoint retired?): {_message(resp)}"))
                if resp.status_code in RETRY_STATUS:
                    last = f"HTTP {resp.status_code}"
                    retry_after = resp.headers.get("retry-after")
                elif resp.status_code >= 400:
                    raise SourceError(self._redact(f"{self.source}: HTTP {resp.status_code} from {path}: {_message(resp)}"))
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


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        err = body.get("error", body)
        text = err.get("message") if isinstance(err, dict) else str(err)
    except ValueError:
        text = resp.text
    return " ".join(str(text).split())[:200]
