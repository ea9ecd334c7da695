"""The one model resolver (finops.models.pricing.resolve) on names as logs, gateways and bills spell them."""

from __future__ import annotations

import polars as pl
import pytest

from finops.models.energy import data as energy_data
from finops.models.energy.requests import resolve_param_models
from finops.models.pricing.catalog import load_catalog
from finops.models.pricing.lookup import resolve_models
from finops.models.pricing.package import package_aliases, package_identities, provider_fallbacks
from finops.models.pricing.resolve import link, resolve


@pytest.fixture(scope="module")
def known() -> pl.DataFrame:
    return package_identities().select("provider", "model")


def _one(known: pl.DataFrame, provider: str, model: str) -> dict[str, str | None]:
    out = resolve(pl.DataFrame({"provider": [provider], "model": [model]}), known, package_aliases(), provider_fallbacks())
    return out.row(0, named=True)


@pytest.mark.parametrize("provider, model, want_provider, want_model, kind", [
    ("openai", "o3-mini", "openai", "o3-mini", "exact"),
    ("openai", "o1-mini", "openai", "o1-mini", "exact"),
    ("openai", "gpt-4.1-mini-2025-04-14", "openai", "gpt-4.1-mini", "alias"),
    ("anthropic", "claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4", "alias"),
    ("anthropic", "Claude Sonnet 4", "anthropic", "claude-sonnet-4", "alias"),
    ("anthropic", "Claude 3.5 Haiku", "anthropic", "claude-3-5-haiku", "alias"),
    ("anthropic", "Claude Opus 4.1", "anthropic", "claude-opus-4-1", "alias"),
    ("openai", "openai/gpt-4o", "openai", "gpt-4o", "alias"),
    ("azure", "azure/gpt-4o-mini", "openai", "gpt-4o-mini", "alias"),
    ("litellm", "vertex_ai/gemini-2.5-pro", "google", "gemini-2.5-pro", "alias"),
    ("openai", "ft:gpt-4o-mini:acme::abc123", "openai", "ft:gpt-4o-mini", "alias"),
    ("openai", "ft:gpt-4.1:acme::abc123", "openai", "gpt-4.1", "fallback"),
    ("mistral", "mistral-large-latest", "mistral", "mistral-large", "alias"),
    ("openai", "gpt-4o-2024-11-20-experimental", "openai", "gpt-4o", "fallback"),
])
def test_names_resolve_with_their_kind(known: pl.DataFrame, provider: str, model: str, want_provider: str,
                                       want_model: str, kind: str) -> None:
    row = _one(known, provider, model)
    assert (row["resolved_provider"], row["resolved_model"], row["match"]) == (want_provider, want_model, kind)


def test_bedrock_ids_resolve_to_the_bedrock_price_row(known: pl.DataFrame) -> None:
    for name in ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", "bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0"):
        row = _one(known, "litellm", name)
        assert row["resolved_provider"] == "aws" and row["match"] == "alias", row
        assert "claude" in str(row["resolved_model"])


def test_a_variant_is_never_its_family(known: pl.DataFrame) -> None:
    """o3-mini is not o3, o1-mini not o1 (energy 25x off), even when only the family is known."""
    only_family = pl.DataFrame({"provider": ["openai", "openai"], "model": ["o3", "o1"]})
    out = resolve(pl.DataFrame({"provider": ["openai"] * 4, "model": ["o3-mini", "o1-mini", "o3-mini-2025-01-31", "o3-2025-04-16"]}),
                  only_family, package_aliases(), provider_fallbacks()).sort("model")
    got = dict(zip(out["model"], out["resolved_model"]))
    assert got == {"o1-mini": None, "o3-2025-04-16": "o3", "o3-mini": None, "o3-mini-2025-01-31": None}


def test_exact_beats_a_longer_alias_and_unknown_stays_null(known: pl.DataFrame) -> None:
    assert _one(known, "openai", "gpt-4o")["match"] == "exact"
    row = _one(known, "openai", "no-such-model-xyz")
    assert row["resolved_model"] is None and row["match"] is None


def test_pricing_and_energy_use_the_same_identity() -> None:
    pairs = pl.DataFrame({"provider": ["openai", "openai", "anthropic"], "model": ["o3-mini", "gpt-4.1-2025-04-14", "Claude Sonnet 4"]})
    priced = resolve_models(pairs["model"], pairs["provider"], load_catalog())
    assert priced["catalog_model"].to_list() == ["o3-mini", "gpt-4.1", "claude-sonnet-4"]
    energy = resolve_param_models(pairs, energy_data.model_params())
    row = dict(zip(energy["model"], energy["param_model"]))
    assert row["gpt-4.1-2025-04-14"] == "gpt-4.1" and row["Claude Sonnet 4"] == "claude-sonnet-4"
    assert row["o3-mini"] != "o3"


def test_link_pairs_usage_with_cost_report_names(known: pl.DataFrame) -> None:
    usage = pl.DataFrame({"provider": ["anthropic", "anthropic", "openai"],
                          "model": ["claude-sonnet-4-20250514", "claude-sonnet-4-5-20250929", "gpt-4.1"]})
    report = pl.DataFrame({"provider": ["anthropic", "openai"], "model": ["Claude Sonnet 4", "gpt-4.1-2025-04-14"]})
    out = link(usage, report, known).sort("model")
    assert dict(zip(out["model"], out["right_model"])) == {
        "claude-sonnet-4-20250514": "Claude Sonnet 4", "claude-sonnet-4-5-20250929": None, "gpt-4.1": "gpt-4.1-2025-04-14"}


def test_resolving_is_per_distinct_pair_not_per_row(known: pl.DataFrame) -> None:
    many = pl.DataFrame({"provider": ["openai"] * 100_000, "model": ["gpt-4.1-2025-04-14", "o3-mini"] * 50_000})
    out = resolve(many, known, package_aliases(), provider_fallbacks())
    assert out.height == 2


def test_energy_params_cover_hosted_open_models_and_variants() -> None:
    pairs = pl.DataFrame({
        "provider": ["openai", "openai", "together", "aws", "groq", "google", "mistral", "deepseek"],
        "model": ["o3-mini", "o1-mini", "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo", "meta.llama3-1-70b-instruct-v1:0",
                  "llama-3.3-70b-versatile", "gemini-2.0-flash", "mistral-large-latest", "deepseek-chat"],
    })
    got = {r["model"]: (r["param_provider"], r["param_model"], r["param_match"])
           for r in resolve_param_models(pairs, energy_data.model_params()).iter_rows(named=True)}
    assert got["o3-mini"] == ("openai", "o3-mini", "exact") and got["o1-mini"][1] == "o1-mini"
    for hosted in ("meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo", "meta.llama3-1-70b-instruct-v1:0"):
        assert got[hosted][0] == "meta" and got[hosted][1].startswith(("llama-3.1-70b", "meta-llama-3.1-70b")), got[hosted]
    assert got["llama-3.3-70b-versatile"][:2] == ("meta", "llama-3.3-70b")
    assert all(v[1] is not None for v in got.values()), got


def test_billing_sku_words_name_the_same_model_as_its_id(known: pl.DataFrame) -> None:
    # A Bedrock FOCUS export without SkuPriceDetails names the model as its SKU does
    # (USE1-Claude4.5Sonnet-input-tokens): the same words and numbers as the id, in another order.
    regional = _one(known, "aws.bedrock", "claude4.5sonnet")
    assert regional["resolved_model"] == _one(known, "aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")["resolved_model"]
    assert regional["resolved_model"].startswith("regional.") and regional["match"] == "alias"
    # the cross-region profile is priced apart: "global" is one of the words
    assert _one(known, "aws.bedrock", "global.claude4.5sonnet")["resolved_model"].startswith("global.")
    assert _one(known, "aws.bedrock", "claude3.5haiku")["resolved_model"].startswith("regional.anthropic.claude-3-5-haiku")
    # the numbers keep their order: 5.4 is not 4.5, and a model the words do not name stays unknown
    assert _one(known, "aws.bedrock", "claude5.4sonnet")["resolved_model"] is None


def test_a_word_key_two_models_share_names_neither() -> None:
    ids = pl.DataFrame({"provider": ["acme", "acme"], "model": ["fast-model-2", "model-fast-2"]})
    assert resolve(pl.DataFrame({"provider": ["acme"], "model": ["model2fast"]}), ids).row(0, named=True)["resolved_model"] is None
