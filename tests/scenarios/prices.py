"""Public list prices the scenario companies are billed at (USD per million tokens).

Written down here from the providers' public price pages, not read from the product's
catalog, so a scenario bills what the provider would; tests/scenarios/test_generator.py
checks that every row agrees with the catalog the product ships (a disagreement would be a
price mismatch no scenario planted). Batch is half price on every class (both providers).

Service tiers (OpenAI's pricing page, "Priority" and "Flex" columns): priority costs more than
standard on every class, flex (o-series and GPT-5 models only) about half. The catalog the
product ships lists them from TIER_PRICES_FROM; a scenario runs OpenAI tier traffic only from
that day, so tier dollars are a tier price, never "unpriced". Anthropic's Priority Tier is
billed as a capacity commitment: its usage carries `service_tier: priority` and the cost
report has no line for it (../shared/providers.md 2.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

BATCH_DISCOUNT = 0.5
TIER_PRICES_FROM = date(2026, 10, 12)


@dataclass(frozen=True)
class Model:
    provider: str
    alias: str  # what the application asks for (`gen_ai.request.model`)
    snapshot: str  # what the usage API and `gen_ai.response.model` name
    display: str  # Anthropic cost-report description name ("Claude Sonnet 4.5")
    prices: tuple[tuple[str, float], ...]  # token class -> USD per million
    reasoning: bool = False  # output includes invisible reasoning tokens
    tiers: tuple[tuple[str, tuple[float, ...]], ...] = ()  # OpenAI tier -> (input, cached input, output) USD per million

    def price(self, token_class: str, tier: str = "standard") -> float:
        if tier in ("standard", "batch"):
            return dict(self.prices)[token_class]
        rates = dict(self.tiers)[tier]
        return dict(zip(("input_uncached", "input_cache_read", "output"), rates))[token_class]

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.prices)


def _oa(alias: str, snapshot: str, inp: float, cached: float, out: float, reasoning: bool = False,
        priority: tuple[float, float, float] | None = None, flex: tuple[float, float, float] | None = None) -> Model:
    tiers = tuple((t, r) for t, r in (("priority", priority), ("flex", flex)) if r)
    return Model("openai", alias, snapshot, alias, (("input_uncached", inp), ("input_cache_read", cached), ("output", out)),
                 reasoning, tiers)


def _an(alias: str, snapshot: str, display: str, inp: float, out: float) -> Model:
    # Anthropic's cache multipliers on the base input price: 5-minute write 1.25x, 1-hour 2x, read 0.1x.
    return Model("anthropic", alias, snapshot, display, (
        ("input_uncached", inp), ("input_cache_write_5m", round(inp * 1.25, 6)),
        ("input_cache_write_1h", round(inp * 2, 6)), ("input_cache_read", round(inp * 0.1, 6)), ("output", out)))


MODELS: tuple[Model, ...] = (
    _oa("gpt-4.1", "gpt-4.1-2025-04-14", 2.00, 0.50, 8.00, priority=(3.50, 0.875, 14.00)),
    _oa("gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", 0.40, 0.10, 1.60, priority=(0.70, 0.175, 2.80)),
    _oa("gpt-4o", "gpt-4o-2024-08-06", 2.50, 1.25, 10.00, priority=(4.25, 2.125, 17.00)),
    _oa("gpt-4o-mini", "gpt-4o-mini-2024-07-18", 0.15, 0.075, 0.60, priority=(0.25, 0.125, 1.00)),
    _oa("o4-mini", "o4-mini-2025-04-16", 1.10, 0.275, 4.40, reasoning=True, priority=(2.00, 0.50, 8.00),
        flex=(0.55, 0.138, 2.20)),
    _oa("gpt-5-mini", "gpt-5-mini-2025-08-07", 0.25, 0.025, 2.00, reasoning=True, priority=(0.45, 0.045, 3.60),
        flex=(0.125, 0.0125, 1.00)),
    _an("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", 3.00, 15.00),
    _an("claude-haiku-4-5", "claude-haiku-4-5-20251001", "Claude Haiku 4.5", 1.00, 5.00),
    _an("claude-opus-4-1", "claude-opus-4-1-20250805", "Claude Opus 4.1", 15.00, 75.00),
    _an("claude-sonnet-4", "claude-sonnet-4-20250514", "Claude Sonnet 4", 3.00, 15.00),
)


def models(provider: str) -> list[Model]:
    return [m for m in MODELS if m.provider == provider]
