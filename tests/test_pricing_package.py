"""The catalog built from genai-prices prices what the package's own calculator says."""

from __future__ import annotations

from datetime import date, datetime, timezone

import polars as pl
import pytest
from genai_prices import Usage, calc_price

from finops.models.pricing import package
from finops.models.pricing.catalog import load_catalog
from finops.models.pricing.lookup import price
from finops.models.pricing.package_catalog import package_catalog

DAY = date(2026, 3, 2)
# Models of the families the issue names, as a caller would spell them (package's own ids).
CASES = [
    ("openai", "gpt-4o-mini"), ("openai", "gpt-4.1-nano"), ("openai", "o3-mini"), ("openai", "gpt-5"),
    ("anthropic", "claude-3-5-haiku-latest"), ("anthropic", "claude-opus-4-1"), ("google", "gemini-2.5-flash"),
    ("google", "gemini-2.0-flash"), ("mistral", "mistral-large"), ("mistral", "codestral-latest"), ("deepseek", "deepseek-chat"),
    ("aws", "amazon.nova-pro-v1:0"), ("aws", "meta.llama3-1-70b-instruct-v1:0"), ("groq", "llama-3.3-70b-versatile"),
    ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
]


def _calc(provider: str, model: str, usage: Usage) -> float:
    when = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=timezone.utc)
    return float(calc_price(usage, model, provider_id=provider, genai_request_timestamp=when).total_price)


@pytest.mark.parametrize(("provider", "model"), CASES)
def test_input_and_output_prices_equal_the_package_calculator(provider: str, model: str) -> None:
    frame = pl.DataFrame({"provider": [provider] * 2, "model": [model] * 2, "token_class": ["input_uncached", "output"],
                          "day": [DAY, DAY]})
    got = price(frame, package_catalog())["usd_per_million"].to_list()
    want = [_calc(provider, model, Usage(input_tokens=10**6)), _calc(provider, model, Usage(output_tokens=10**6))]
    assert got == pytest.approx(want, rel=1e-12), (provider, model)


def test_every_row_cites_the_package_version_and_ids_are_unique() -> None:
    cat = package_catalog()
    assert (cat["source"] == package.source_label()).all()
    assert cat.select("provider", "model", "token_class", "tier", "effective_from").is_duplicated().sum() == 0


def test_csv_rows_win_over_the_package_and_cite_their_line() -> None:
    cat = load_catalog()
    o3 = cat.filter((pl.col("model") == "o3") & (pl.col("token_class") == "input_cache_read") & (pl.col("tier") == ""))
    launch = o3.filter(pl.col("effective_from") == date(2025, 4, 16)).row(0, named=True)
    assert launch["usd_per_million"] == 2.5 and launch["source"].startswith("catalog.csv:")


def test_a_flex_call_takes_the_flex_row_from_its_start_date() -> None:
    frame = pl.DataFrame({"provider": ["openai"] * 3, "model": ["o3-2025-04-16"] * 3, "token_class": ["output"] * 3,
                          "day": [date(2026, 10, 11), date(2026, 10, 12), date(2026, 10, 12)],
                          "service_tier": ["flex", "flex", "standard"]})
    out = price(frame, load_catalog())
    assert out["usd_per_million"].to_list() == [None, 4.0, 8.0]
    assert out["price_row_id"][1].endswith(":openai/o3:output_mtok#flex@2026-10-12")
