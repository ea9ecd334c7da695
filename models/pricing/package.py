"""Model identities, aliases and host fallbacks from the installed `genai-prices` package data.

Read once per process from the package's bundled snapshot (no network: the package's
auto-update is never started), then kept. `pip install -U genai-prices` brings new models.

Identity: a package model's id is what the catalog calls it, except where the package id
is a pointer rather than a name (`claude-sonnet-4-0`, `claude-3-5-haiku-latest`): then the
shortest undated exact-match name the package lists for it (`claude-sonnet-4`), else the id
without `-latest` / `-0`. All ids are lower case (the package matches case-insensitively).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.metadata import version
from typing import Any, Iterator

import polars as pl

PACKAGE = "genai-prices"
_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")
# The package's fallback lists, plus what a Bedrock / Vertex id's vendor part already says.
EXTRA_FALLBACKS: tuple[tuple[str, str], ...] = (("aws", "anthropic"), ("google", "anthropic"), ("azure", "openai"))


def package_version() -> str:
    return version(PACKAGE)


def source_label() -> str:
    """How a price or identity from the package is cited: `genai-prices==0.2.5`."""
    return f"{PACKAGE}=={package_version()}"


def _snapshot() -> Any:
    from genai_prices.data_snapshot import get_snapshot

    return get_snapshot()


def _clauses(match: Any) -> Iterator[tuple[str, str]]:
    """(kind, text) of a package match rule: equals, starts_with, contains (regex is skipped)."""
    for kind in ("equals", "starts_with", "contains"):
        value = getattr(match, kind, None)
        if isinstance(value, str):
            yield kind, value
    for attr in ("or_", "and_"):
        for sub in getattr(match, attr, None) or ():
            yield from _clauses(sub)


def canonical_id(model_id: str, equals: list[str]) -> str:
    mid = model_id.lower()
    names = [e.lower() for e in equals]
    if mid in names or not (mid.endswith("-latest") or re.search(r"-\d$", mid)):
        return mid
    undated = sorted((n for n in names if "/" not in n and not _DATED.search(n)), key=len)
    if undated:
        return undated[0]
    return re.sub(r"-(latest|0)$", "", mid)


@lru_cache(maxsize=1)
def package_identities() -> pl.DataFrame:
    """provider, model (canonical id), package_id, name, aliases: one row per package model."""
    rows: list[dict[str, Any]] = []
    for p in _snapshot().providers:
        for m in p.models:
            clauses = list(_clauses(m.match))
            equals = [t for k, t in clauses if k == "equals"]
            model = canonical_id(m.id, equals)
            names = {m.id.lower(), *(t.lower() for _, t in clauses)}
            if m.name:
                names.add(m.name.lower().strip())
            rows.append({"provider": p.id, "model": model, "package_id": m.id, "name": m.name,
                         "aliases": sorted(n for n in names if n and n != model)})
    return pl.DataFrame(rows, schema={"provider": pl.String, "model": pl.String, "package_id": pl.String,
                                      "name": pl.String, "aliases": pl.List(pl.String)})


def _display_ids(names: pl.Expr) -> list[pl.Expr]:
    """'claude sonnet 4.5' -> claude-sonnet-4-5 and claude-sonnet-4.5 (how cost reports spell a model)."""
    s = names.str.replace_all(r"[\s_]+", "-")
    return [s, s.str.replace_all(r"(\d)\.(\d)", "${1}-${2}")]


@lru_cache(maxsize=1)
def package_aliases() -> pl.DataFrame:
    """provider, alias, model: every name the package says means a model (first model wins a name)."""
    ids = package_identities()
    listed = ids.select("provider", "model", pl.col("aliases").alias("alias")).explode("alias").drop_nulls("alias")
    spaced = listed.filter(pl.col("alias").str.contains(r"\s"))
    display = pl.concat([spaced.select("provider", "model", e.alias("alias")) for e in _display_ids(pl.col("alias"))])
    out = pl.concat([listed, display]).select("provider", "alias", "model")
    return out.unique(subset=["provider", "alias"], keep="first", maintain_order=True)


@lru_cache(maxsize=1)
def provider_fallbacks() -> pl.DataFrame:
    """provider, fallback, rank: a host tries its own models, then each fallback's in order."""
    rows = [(p.id, fb, i + 1) for p in _snapshot().providers for i, fb in enumerate(p.fallback_model_providers or ())]
    have = {(a, b) for a, b, _ in rows}
    rows += [(a, b, 9) for a, b in EXTRA_FALLBACKS if (a, b) not in have]
    return pl.DataFrame(rows, schema={"provider": pl.String, "fallback": pl.String, "rank": pl.Int32}, orient="row")
