"""What the sample company looks like: its features, models, projects and traffic mix.

The sample is a mid-size SaaS company with five AI features on two providers. Every
number here is an input to the generator; nothing downstream is hard-coded from it:
tests and reports read the generated files and the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Component:
    """One way a feature calls a model: provider, project, key and a token profile."""

    provider: str
    project_id: str
    api_key_id: str
    models: tuple[tuple[date, str], ...]  # (from date, model snapshot); the last one in force wins
    share: float  # share of the feature's requests
    input_mean: float
    output_mean: float
    input_sigma: float = 0.55
    output_sigma: float = 0.5
    cached_frac: float = 0.0  # share of input read from the prompt cache
    cache_write_frac: float = 0.0  # share of input written to the cache (Anthropic)
    reasoning_mean: float = 0.0  # reasoning tokens, billed as output
    region: str = "us"

    def model_on(self, day: date) -> str:
        model = self.models[0][1]
        for since, name in self.models:
            if day >= since:
                model = name
        return model


@dataclass(frozen=True)
class Feature:
    name: str
    language: str
    countries: dict[str, float]  # traffic share by country, for holiday effects
    share: float  # share of all requests
    components: tuple[Component, ...]
    calls_per_task: int = 1
    review_rate: float = 0.0  # share of tasks sent to human review
    logged: bool = True  # False: the team's logs never see this traffic
    tokenizer_drift: bool = False  # local counts come from a local tokenizer


SONNET = ((date(2000, 1, 1), "claude-sonnet-4-20250514"), (date(2025, 10, 1), "claude-sonnet-4-5-20250929"))
HAIKU = ((date(2000, 1, 1), "claude-3-5-haiku-20241022"),)
GPT41 = ((date(2000, 1, 1), "gpt-4.1-2025-04-14"),)
GPT41_MINI = ((date(2000, 1, 1), "gpt-4.1-mini-2025-04-14"),)
O3 = ((date(2000, 1, 1), "o3-2025-04-16"),)
EMBED = ((date(2000, 1, 1), "text-embedding-3-small"),)

WESTERN = {"US": 0.62, "DE": 0.28, "JP": 0.10}

FEATURES: tuple[Feature, ...] = (
    Feature(
        "support-chat", "en", WESTERN, 0.34,
        (
            Component("openai", "proj_support", "key_support_oa", GPT41_MINI, 0.7, 2200, 320, cached_frac=0.55),
            Component("anthropic", "wrkspc_support", "apikey_support_an", HAIKU, 0.3, 2200, 320,
                      cached_frac=0.5, cache_write_frac=0.05),
        ),
        review_rate=0.04,
    ),
    Feature(
        "support-ja", "ja", {"JP": 0.92, "US": 0.08}, 0.12,
        (Component("anthropic", "wrkspc_support_ja", "apikey_support_ja", SONNET, 1.0, 1800, 420,
                   cached_frac=0.3, cache_write_frac=0.04, region="jp"),),
        review_rate=0.06, tokenizer_drift=True,
    ),
    Feature(
        "rag-search", "en", WESTERN, 0.26,
        (
            Component("openai", "proj_search", "key_search", GPT41, 0.5, 6500, 450, cached_frac=0.2, region="eu"),
            Component("openai", "proj_search", "key_search", EMBED, 0.5, 60, 0, input_sigma=0.3, region="eu"),
        ),
        calls_per_task=2,
    ),
    Feature(
        "code-agent", "en", {"US": 0.7, "DE": 0.2, "JP": 0.1}, 0.18,
        (
            Component("anthropic", "wrkspc_agents", "apikey_agents", SONNET, 0.75, 40000, 1600,
                      cached_frac=0.8, cache_write_frac=0.08),
            Component("openai", "proj_agents", "key_agents", O3, 0.25, 12000, 900,
                      cached_frac=0.5, reasoning_mean=2500),
        ),
        calls_per_task=6,
    ),
    Feature(
        "doc-summarize", "en", WESTERN, 0.10,
        (Component("anthropic", "wrkspc_docs", "apikey_docs", HAIKU, 1.0, 9000, 650, region="us"),),
        review_rate=0.08,
    ),
    Feature(
        "eval-batch", "en", {"US": 1.0}, 0.05,
        (Component("openai", "proj_eval", "key_eval", GPT41, 1.0, 3000, 800),),
        logged=False,
    ),
)


@dataclass(frozen=True)
class AnomalyPlan:
    """Where the generator plants each anomaly, as fractions of the period (seeded)."""

    retry_feature: str = "rag-search"
    retry_provider: str = "openai"
    retry_rate: float = 0.2  # share of streamed requests whose first attempt dropped
    eviction_feature: str = "code-agent"
    eviction_provider: str = "anthropic"
    eviction_model_prefix: str = "claude-sonnet-4-5"
    eviction_share: float = 0.75  # share of expected cache reads billed as uncached input
    drift_ratio_mean: float = 1.17
    drift_ratio_sd: float = 0.012
    unlogged_feature: str = "eval-batch"
    price_change_model: str = "gpt-4.1"
    price_change_token_class: str = "output"
    price_change_new_usd_per_million: float = 10.00
    # Prompt cache (issue 21): a cached prefix that grows every week (retrieved context appended
    # to the system prompt) over the last `growth_weeks` weeks, and a miss episode (a prefix
    # change: a timestamp at the top of the prompt) in which the feature's cache reads vanish,
    # billed as uncached input by the provider and logged so: a real cost, not a reconcile gap.
    growth_feature: str = "rag-search"
    growth_provider: str = "openai"
    growth_pct_per_week: float = 6.0
    growth_weeks: int = 12
    miss_feature: str = "support-chat"
    miss_provider: str = "openai"
    miss_at: float = 0.66  # where in the period the miss episode starts (fraction of the days)
    miss_days: int = 5
    extra: dict[str, float] = field(default_factory=dict)


COUNTRIES = ("US", "DE", "JP")
