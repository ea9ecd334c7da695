"""The company's traffic: logical requests, their attempts, what each attempt logged and was billed.

One logical request (one id shared by its attempts) ends in one completed attempt. Before it:
- attempts refused before the provider accepted them (HTTP 429, Anthropic 529, a 503): no
  usage, not billed, nothing to report;
- during a planted incident, attempts whose stream dropped (or our client aborted) after
  generation started: the provider billed the whole prompt and the part of the answer it
  streamed, the log has no usage for them (the final usage chunk never arrived).
Token classes follow the usage APIs: input_uncached, input_cache_read, input_cache_write_5m,
input_cache_write_1h, output (reasoning included); `logged` is what the app counted, `billed`
what the provider metered. They differ only where an anomaly is planted.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from tests.scenarios.org import Feature, Key

Tokens = dict[str, int]


@dataclass
class Attempt:
    logical_id: str
    attempt: int
    ts: datetime
    feature: Feature
    key: Key | None  # None: Anthropic Console/Workbench usage (no API key)
    outcome: str  # completed | dropped | aborted | error
    status: int | None  # HTTP status the client saw (None: connection refused / stream cut)
    logged: Tokens | None  # None: the log has no usage for this attempt
    billed: Tokens  # {} when the provider billed nothing
    response_id: str | None
    task_id: str
    user_id: str
    latency_ms: int
    reasoning: int = 0  # part of output, logged only (the usage APIs do not split it)
    tags: dict[str, str] = field(default_factory=dict)  # which planted cause touched it

    @property
    def day(self) -> date:
        return self.ts.date()

    @property
    def tier(self) -> str:
        return "batch" if self.feature.batch else self.feature.tier


def lognormal(rng: random.Random, median: float, sigma: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(round(median * math.exp(rng.gauss(0.0, sigma))))))


def request_tokens(rng: random.Random, f: Feature, prompt_median: float, output_median: float) -> tuple[Tokens, int]:
    """One completed call's usage (logged = billed before anomalies) and its reasoning tokens."""
    prompt = lognormal(rng, prompt_median, 0.6, 40, 120_000)
    output = lognormal(rng, output_median, 0.7, 1, 16_000)
    reasoning = int(output * rng.uniform(0.3, 0.7)) if f.model.reasoning else 0
    t = {c: 0 for c in f.model.classes}
    if f.caching == "auto" and prompt >= 1024 and rng.random() < 0.75:
        # OpenAI caches prompt prefixes of 1024 tokens and more, in steps of 128.
        t["input_cache_read"] = max(1024, int(prompt * rng.uniform(0.3, 0.85)) // 128 * 128)
    elif f.caching in ("5m", "1h") and prompt >= 1200:
        prefix = int(prompt * rng.uniform(0.4, 0.9))
        write = rng.random() < (0.25 if f.caching == "5m" else 0.1)
        t[f"input_cache_write_{f.caching}" if write else "input_cache_read"] = prefix
    t["input_uncached"] = prompt - sum(v for c, v in t.items() if c.startswith("input_") and c != "input_uncached")
    t["output"] = output
    return t, reasoning


def timestamp(rng: random.Random, day: date) -> datetime:
    # Inside the UTC day with room for retries: a request and its attempts never straddle midnight.
    second = rng.randint(30, 86_400 - 900)
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(seconds=second,
                                                                                  microseconds=rng.randint(0, 999_999))
