"""The shared HTTP layer over real HTTP: Retry-After, backoff with jitter, 410, redaction, pagination."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from finops.connectors import openai
from finops.connectors._http import ProviderClient, RetryPolicy
from finops.errors import SourceError
from tests.support.fake_provider import FakeProvider, Fault, fake_provider  # noqa: F401

PATH = "organization/usage/completions"
PARAMS = [("start_time", 1793491200), ("end_time", 1795132800), ("bucket_width", "1d"), ("limit", 31)]


def _client(server: FakeProvider, sleeps: list[float], **policy: float) -> ProviderClient:
    return ProviderClient("openai", server.url + "/v1", openai.headers(server.keys["openai"]), openai.KEY_HINT,
                          RetryPolicy(**{"attempts": 5, "base_seconds": 0.2, "cap_seconds": 1.0, "timeout_seconds": 0.5, **policy}),
                          sleep=sleeps.append)


def test_retry_after_seconds_are_honoured(fake_provider: FakeProvider) -> None:
    sleeps: list[float] = []
    fake_provider.set_faults(Fault("429", retry_after=7), Fault("503", retry_after=2))
    with _client(fake_provider, sleeps) as client:
        assert client.get(PATH, PARAMS)["object"] == "page"
    assert sleeps == [7.0, 2.0]  # longer than the backoff cap: the provider's word wins


def test_retry_after_as_an_http_date(fake_provider: FakeProvider) -> None:
    sleeps: list[float] = []
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    fake_provider.set_faults(Fault("429", retry_after=when))
    with _client(fake_provider, sleeps) as client:
        client.get(PATH, PARAMS)
    assert len(sleeps) == 1 and 25 < sleeps[0] <= 30


def test_backoff_without_retry_after_is_exponential_with_full_jitter(fake_provider: FakeProvider) -> None:
    sleeps: list[float] = []
    fake_provider.set_faults(Fault("429", times=2), Fault("500"), Fault("502"))
    with _client(fake_provider, sleeps, base_seconds=0.2, cap_seconds=1.0) as client:
        client.get(PATH, PARAMS)
    caps = [0.2, 0.4, 0.8, 1.0]
    assert len(sleeps) == 4 and all(0 <= s <= c for s, c in zip(sleeps, caps))


def test_a_longer_pause_than_allowed_fails_clearly(fake_provider: FakeProvider) -> None:
    fake_provider.set_faults(Fault("429", retry_after=3600))
    with _client(fake_provider, [], max_retry_after=300) as client, pytest.raises(
            SourceError, match=r"openai: the provider asked to wait 3600s before retrying organization/usage/completions"):
        client.get(PATH, PARAMS)


def test_slow_reply_times_out_and_is_retried(fake_provider: FakeProvider) -> None:
    sleeps: list[float] = []
    fake_provider.set_faults(Fault("slow"))
    with _client(fake_provider, sleeps, timeout_seconds=0.2) as client:
        assert client.get(PATH, PARAMS)["data"]
    assert len(sleeps) == 1


def test_410_without_a_cursor_is_a_retired_endpoint_not_a_restart(fake_provider: FakeProvider) -> None:
    fake_provider.set_faults(Fault("410"))
    with _client(fake_provider, []) as client, pytest.raises(
            SourceError, match=r"openai: HTTP 410 from organization/usage/completions \(endpoint retired\?\): this endpoint is retired"):
        list(client.pages(PATH, PARAMS))
    assert len(fake_provider.log) == 1


def test_provider_messages_never_repeat_the_key(fake_provider: FakeProvider) -> None:
    key = fake_provider.keys["openai"]
    with _client(fake_provider, []) as client, pytest.raises(SourceError) as info:
        client.get(PATH, [*PARAMS, (key, "1")])  # the fake echoes an unknown parameter's name
    assert "unknown parameter [redacted]" in str(info.value) and key not in str(info.value)


def test_pages_restart_after_an_expired_cursor_without_duplicates(fake_provider: FakeProvider) -> None:
    fake_provider.page_size = 4
    fake_provider.set_faults(Fault("expire", path="completions"))
    with _client(fake_provider, []) as client:
        pages = list(client.pages(PATH, PARAMS))
    starts = [b["start_time"] for p in pages for b in p["data"]]
    assert len(starts) == len(set(starts)) == 19
    assert [s for _, _, s in fake_provider.log].count(410) == 1
