"""One model resolver: a reported (provider, model) -> the identity a table knows it by.

Every place that matches model names (price lookup, energy parameters, COGS base models,
reconcile's cost-line <-> usage link) calls `resolve` with the identities it has data for
(`known`: provider, model). The work is done once per distinct (provider, model) pair with
polars expressions and joins, then joined back: no Python runs per row.

The ladder, first hit wins (`match` says which kind of hit it was):

1. exact: the reported name lower-cased is a known model of the reported provider.
2. alias: the same name, or a normalised form of it, is a known model or a listed alias
   of one (`aliases`: dated snapshots, the package's match names, display names):
   gateway prefixes (`openai/`, `azure/`, `bedrock/`, `vertex_ai/`, ...) name the provider;
   display names from cost reports ("Claude Sonnet 4") become ids; Bedrock region, vendor
   and version parts (`us.anthropic.claude-...-v1:0`) and Vertex `@date` are dropped; a
   date or `-latest` suffix is dropped; a fine-tune `ft:gpt-4o-mini:org::id` tries the
   fine-tune price id `ft:gpt-4o-mini`. A host that resells another provider's models
   (`fallbacks`: azure -> openai, bedrock's `anthropic.` vendor -> anthropic) is tried after
   the reported provider, still as an alias: it is the same model. Last, a billing SKU's
   spelling: the same words in any order and the same numbers in order (`claude4.5sonnet` =
   `claude-sonnet-4-5`), where that key names one model of the provider.
3. fallback: a fine-tune's base model, or the longest known name the normalised name
   extends by a suffix that is not a variant word: `gpt-4o-2024-11-20-preview` ->
   `gpt-4o`, but never `o3-mini` -> `o3` or `o1-mini` -> `o1` (mini, nano, pro, flash, ...
   change the model). A fallback is labelled; callers decide whether to use it.

Unknown stays null (unpriced, no energy), never a guess.
"""

from __future__ import annotations

import polars as pl

EXACT, ALIAS, FALLBACK = "exact", "alias", "fallback"
MATCH_KINDS = (EXACT, ALIAS, FALLBACK)

# Provider spellings seen in logs, gateways and bills -> the provider id used in catalogs.
PROVIDER_ALIASES: dict[str, str] = {
    "openai": "openai", "anthropic": "anthropic", "azure": "azure", "azure_ai": "azure", "azure_openai": "azure",
    "azure-openai": "azure", "azureopenai": "azure", "bedrock": "aws", "bedrock_converse": "aws", "aws": "aws",
    "aws-bedrock": "aws", "amazon-bedrock": "aws", "aws_bedrock": "aws", "vertex_ai": "google", "vertex_ai_beta": "google",
    "vertex": "google", "vertexai": "google", "gemini": "google", "google": "google", "google-vertex": "google",
    "gcp.vertex_ai": "google", "gcp.gemini": "google", "google_genai": "google", "mistral": "mistral",
    "mistralai": "mistral", "mistral_ai": "mistral", "deepseek": "deepseek", "groq": "groq", "together_ai": "together",
    "together": "together", "togetherai": "together", "fireworks_ai": "fireworks", "fireworks": "fireworks",
    "xai": "x-ai", "x-ai": "x-ai", "x_ai": "x-ai", "cohere": "cohere", "cohere_chat": "cohere", "perplexity": "perplexity",
    "cerebras": "cerebras", "openrouter": "openrouter", "aws.bedrock": "aws", "az.ai.inference": "azure",
    "azure.ai.openai": "azure", "azure.ai.inference": "azure", "meta": "meta", "moonshot": "moonshotai",
    "moonshotai": "moonshotai", "huggingface": "huggingface", "meta-llama": "meta", "deepseek-ai": "deepseek",
}
# A Bedrock model id's vendor part -> the provider whose models it is.
VENDORS: dict[str, str] = {
    "anthropic": "anthropic", "meta": "meta", "mistral": "mistral", "amazon": "aws", "cohere": "cohere",
    "deepseek": "deepseek", "openai": "openai", "google": "google", "moonshotai": "moonshotai", "qwen": "qwen",
    "ai21": "ai21", "writer": "writer", "nvidia": "nvidia", "zai": "zai",
}
# Words that make a different model when they follow a known name: never a family fallback.
VARIANT_WORDS = frozenset({
    "mini", "nano", "micro", "pro", "max", "plus", "flash", "lite", "turbo", "large", "medium", "small", "tiny",
    "haiku", "sonnet", "opus", "instruct", "chat", "vision", "audio", "realtime", "search", "codex", "image",
    "tts", "transcribe", "embed", "embedding", "reasoner", "reasoning", "deep", "research", "high", "low", "32k",
    "16k", "8k", "instant", "versatile", "exp", "thinking", "coder", "code", "guard", "live", "omni", "ultra",
})
_REGION = r"^(?:us|eu|apac|ap|au|ca|jp|sa|us-gov|global|regional)\."
_VENDOR = r"^(" + "|".join(sorted(VENDORS)) + r")\."
_VERSION = r"(?:-v\d+(?::\d+)?|:\d+)$"
_DATE = r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$"
_SHORT_DATE = r"-\d{3,4}$"

RESOLVED_SCHEMA = pl.Schema({
    "provider": pl.String, "model": pl.String, "resolved_provider": pl.String, "resolved_model": pl.String,
    "match": pl.String,
})


def normalise_provider(expr: pl.Expr) -> pl.Expr:
    p = expr.str.to_lowercase().str.strip_chars()
    return p.replace(PROVIDER_ALIASES)


def _slug(expr: pl.Expr, dots: bool) -> pl.Expr:
    """A display name ('Claude Sonnet 4', 'Claude 3.5 Haiku') as an id; only names with spaces."""
    s = expr.str.strip_chars().str.replace_all(r"[\s_]+", "-")
    if not dots:
        s = s.str.replace_all(r"(\d)\.(\d)", "${1}-${2}")
    return pl.when(expr.str.contains(r"\s")).then(s).otherwise(None)


def _word_key(name: pl.Expr, is_global: pl.Expr) -> pl.Expr:
    """A name's words in any order and its numbers in order, so a billing SKU's spelling
    (`claude4.5sonnet`, `Claude3.5Haiku`) and the id (`claude-sonnet-4-5`) share one key.
    A cross-region `global.` profile is priced apart from the regional one: it is a word."""
    parts = pl.when(is_global).then(pl.lit("global ") + name).otherwise(name).str.extract_all(r"[a-z]+|[0-9]+")
    words = parts.list.eval(pl.element().filter(pl.element().str.contains(r"^[a-z]"))).list.sort()
    numbers = parts.list.eval(pl.element().filter(pl.element().str.contains(r"^[0-9]")))
    return pl.lit("words:") + words.list.join(" ") + pl.lit("#") + numbers.list.join(".")


def _normalised(pairs: pl.DataFrame) -> pl.DataFrame:
    """`pairs` plus each normalising step's name (`__m0`..`__m6`, `__ft`, `__words`) and provider (`__p0`, `__p1`, `__vendor`)."""
    m0 = pl.col("model").str.to_lowercase().str.strip_chars()
    p0 = normalise_provider(pl.col("provider").fill_null(""))
    base = pairs.with_columns(m0.alias("__m0"), p0.alias("__p0"))
    gw = pl.col("__m0").str.extract(r"^([a-z0-9_.-]+)/(.+)$", 1)
    is_gw = gw.is_in(list(PROVIDER_ALIASES))
    base = base.with_columns(
        pl.when(is_gw).then(gw.replace_strict(PROVIDER_ALIASES, default=None)).otherwise(pl.col("__p0")).alias("__p1"),
        pl.when(is_gw).then(pl.col("__m0").str.extract(r"^[a-z0-9_.-]+/(.+)$", 1)).otherwise(pl.col("__m0")).alias("__m1"),
    ).with_columns(
        _slug(pl.col("__m1"), dots=False).alias("__slug"),
        _slug(pl.col("__m1"), dots=True).alias("__slug_dots"),
    ).with_columns(
        pl.coalesce("__slug", "__m1").str.replace(_REGION, "").alias("__m2"),
    ).with_columns(
        pl.col("__m2").str.replace(r"@", "-").str.replace(_VERSION, "").alias("__m3"),
    ).with_columns(
        pl.col("__m3").str.extract(_VENDOR, 1).replace_strict(VENDORS, default=None).alias("__vendor"),
        pl.col("__m3").str.replace(_VENDOR, "").alias("__m4"),
    ).with_columns(
        pl.col("__m4").str.replace(_DATE, "").alias("__m5"),
    ).with_columns(
        pl.col("__m5").str.replace(_SHORT_DATE, "").alias("__m6"),
        pl.col("__m0").str.extract(r"^ft:([^:]+)", 1).alias("__ft"),
    ).with_columns(
        pl.col("__ft").str.replace(_DATE, "").alias("__ft_base"),
        _word_key(pl.col("__m6"), pl.col("__m1").str.starts_with("global.")).alias("__words"),
    )
    return base


def _candidates(pairs: pl.DataFrame) -> pl.DataFrame:
    """Per distinct pair, the (provider, name, label) tries in rank order."""
    base = _normalised(pairs)
    tries: list[tuple[pl.Expr, pl.Expr, str]] = [
        (pl.col("__p0"), pl.col("__m0"), EXACT),
        (pl.col("__p1"), pl.col("__m1"), ALIAS),
        (pl.col("__p1"), pl.col("__slug_dots"), ALIAS),
        (pl.col("__p1"), pl.col("__m2"), ALIAS),
        (pl.col("__p1"), pl.col("__m3"), ALIAS),
        (pl.col("__p1"), pl.col("__m4"), ALIAS),
        (pl.col("__vendor"), pl.col("__m4"), ALIAS),
        (pl.col("__p1"), pl.col("__m5"), ALIAS),
        (pl.col("__vendor"), pl.col("__m5"), ALIAS),
        (pl.col("__p1"), pl.col("__m6"), ALIAS),
        (pl.col("__vendor"), pl.col("__m6"), ALIAS),
        (pl.col("__p1"), pl.lit("ft:") + pl.col("__ft"), ALIAS),
        (pl.col("__p1"), pl.lit("ft:") + pl.col("__ft_base"), ALIAS),
        (pl.col("__p1"), pl.col("__ft"), FALLBACK),
        (pl.col("__p1"), pl.col("__ft_base"), FALLBACK),
        (pl.col("__p1"), pl.col("__words"), ALIAS),
        (pl.col("__vendor"), pl.col("__words"), ALIAS),
    ]
    parts = [
        base.select("provider", "model", pl.lit(rank, pl.Int32).alias("rank"), p.alias("cand_provider"),
                    m.alias("cand_model"), pl.lit(label).alias("label"))
        for rank, (p, m, label) in enumerate(tries)
    ]
    return pl.concat(parts).drop_nulls(["cand_provider", "cand_model"])


def _lookup(known: pl.DataFrame, aliases: pl.DataFrame | None, fallbacks: pl.DataFrame | None) -> pl.DataFrame:
    """(cand_provider, cand_model) -> (resolved_provider, resolved_model, is_id, hop): ids, aliases, host fallbacks."""
    ids = known.select(pl.col("provider").str.to_lowercase().alias("resolved_provider"),
                       pl.col("model").alias("resolved_model")).unique()
    ids = ids.with_columns(pl.col("resolved_model").str.to_lowercase().alias("__key"))
    direct = ids.select(pl.col("resolved_provider").alias("cand_provider"), pl.col("__key").alias("cand_model"),
                        "resolved_provider", "resolved_model", pl.lit(True).alias("is_id"))
    frames = [direct]
    if aliases is not None and aliases.height:
        al = aliases.select(pl.col("provider").str.to_lowercase().alias("resolved_provider"),
                            pl.col("model").str.to_lowercase().alias("__key"),
                            pl.col("alias").str.to_lowercase().alias("cand_model"))
        al = al.join(ids, on=["resolved_provider", "__key"], how="inner").select(
            pl.col("resolved_provider").alias("cand_provider"), "cand_model", "resolved_provider", "resolved_model",
            pl.lit(False).alias("is_id"))
        frames.append(al)
    return _with_hosts(pl.concat(frames), fallbacks)


def _with_hosts(table: pl.DataFrame, fallbacks: pl.DataFrame | None) -> pl.DataFrame:
    """`table` at hop 0, plus each of its rows under the hosts that resell its provider (hop = rank)."""
    table = table.with_columns(pl.lit(0, pl.Int32).alias("hop"))
    table = table.sort("is_id", descending=True).unique(subset=["cand_provider", "cand_model"], keep="first",
                                                        maintain_order=True)
    if fallbacks is not None and fallbacks.height:
        # A reseller (azure) asked for a model it has no row for takes the maker's (openai).
        fb = fallbacks.select(pl.col("provider").alias("host"), pl.col("fallback").alias("cand_provider"),
                              pl.col("rank").cast(pl.Int32).alias("hop"))
        via = table.drop("hop").join(fb, on="cand_provider", how="inner").drop("cand_provider").rename(
            {"host": "cand_provider"}).with_columns(pl.lit(False).alias("is_id"))
        table = pl.concat([table, via.select(table.columns)])
    return table


def _word_keys(known: pl.DataFrame) -> pl.DataFrame:
    """Each known id under its word key (`_word_key`), where that key names one model of the provider."""
    ids = known.select("provider", "model").unique()
    keyed = _normalised(ids).select(
        pl.col("provider").str.to_lowercase().alias("cand_provider"), pl.col("__words").alias("cand_model"),
        pl.col("provider").str.to_lowercase().alias("resolved_provider"), pl.col("model").alias("resolved_model"),
    ).drop_nulls("cand_model").unique()
    # a key two models of one provider share names neither: unknown stays unknown, never a guess
    one = keyed.group_by("cand_provider", "cand_model").agg(pl.col("resolved_model").n_unique().alias("n")).filter(pl.col("n") == 1)
    return keyed.join(one.drop("n"), on=["cand_provider", "cand_model"], how="semi").with_columns(pl.lit(False).alias("is_id"))


def _family(unresolved: pl.DataFrame, known: pl.DataFrame, fallbacks: pl.DataFrame | None,
            variants: frozenset[str] = VARIANT_WORDS) -> pl.DataFrame:
    """Longest known name that the normalised name extends by non-variant words (labelled fallback)."""
    names = unresolved.filter(pl.col("rank").is_in([9, 10]))  # the fully normalised name, host and vendor
    ids = known.select(pl.col("provider").str.to_lowercase().alias("cand_provider"),
                       pl.col("model").alias("resolved_model"), pl.col("provider").str.to_lowercase().alias("resolved_provider"))
    if fallbacks is not None and fallbacks.height:
        via = ids.join(fallbacks.select(pl.col("provider").alias("host"), pl.col("fallback").alias("cand_provider")),
                       on="cand_provider", how="inner").drop("cand_provider").rename({"host": "cand_provider"})
        ids = pl.concat([ids, via.select(ids.columns)])
    key = pl.col("resolved_model").str.to_lowercase()
    rest = pl.col("cand_model").str.slice(key.str.len_chars() + 1)
    first_word = rest.str.extract(r"^([a-z]+[0-9]*k?)", 1)
    hits = (
        names.join(ids, on="cand_provider", how="inner")
        .filter(pl.col("cand_model").str.starts_with(key + "-") & ~first_word.fill_null("").is_in(list(variants)))
        .sort(key.str.len_chars(), "rank", descending=[True, False])
        .unique(subset=["provider", "model"], keep="first", maintain_order=True)
    )
    return hits.select("provider", "model", "resolved_provider", "resolved_model", pl.lit(FALLBACK).alias("match"))


def resolve(pairs: pl.DataFrame, known: pl.DataFrame, aliases: pl.DataFrame | None = None,
            fallbacks: pl.DataFrame | None = None, family: bool = True,
            variants: frozenset[str] = VARIANT_WORDS) -> pl.DataFrame:
    """One row per distinct (provider, model) of `pairs`: resolved_provider, resolved_model, match.

    `known`: the identities the caller has data for (provider, model), e.g. a catalog's rows.
    `aliases`: (provider, alias, model) names that mean a known model (dated snapshots, display
    names). `fallbacks`: (provider, fallback, rank) hosts that resell another provider's models.
    `family=False` leaves names that only a family fallback would map unresolved; `variants` are
    the words a family fallback never drops (energy drops serving words such as instruct, turbo).
    Unresolved pairs have null resolved_* and match.
    """
    distinct = pairs.select(pl.col("provider").cast(pl.String), pl.col("model").cast(pl.String)).unique(maintain_order=True)
    if distinct.height == 0 or known.height == 0:
        return distinct.with_columns(pl.lit(None, pl.String).alias("resolved_provider"),
                                     pl.lit(None, pl.String).alias("resolved_model"),
                                     pl.lit(None, pl.String).alias("match")).select(RESOLVED_SCHEMA.names())
    cands = _candidates(distinct.drop_nulls())
    hits = _first_hits(cands, _lookup(known, aliases, fallbacks))
    if not family:  # a caller that wants no guess gets no labelled fallback either (a fine-tune's base)
        hits = hits.filter(pl.col("match") != FALLBACK)
    # SKU spellings last, and the known ids' word keys only built when a name is still unknown
    spelled = cands.filter(pl.col("cand_model").str.starts_with("words:")).join(
        hits.select("provider", "model"), on=["provider", "model"], how="anti")
    if spelled.height:
        hits = pl.concat([hits, _first_hits(spelled, _with_hosts(_word_keys(known), fallbacks))])
    if family:
        left = cands.join(hits.select("provider", "model"), on=["provider", "model"], how="anti")
        if left.height:
            hits = pl.concat([hits, _family(left, known, fallbacks, variants)])
    return distinct.join(hits, on=["provider", "model"], how="left", nulls_equal=True).select(RESOLVED_SCHEMA.names())


def _first_hits(cands: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """The best-ranked hit of each pair's tries in `table`, labelled exact / alias / fallback."""
    return (
        cands.join(table, on=["cand_provider", "cand_model"], how="inner")
        .sort("rank", "hop")
        .unique(subset=["provider", "model"], keep="first", maintain_order=True)
        .with_columns(
            pl.when((pl.col("label") == EXACT) & pl.col("is_id") & (pl.col("hop") == 0)).then(pl.lit(EXACT))
            .when(pl.col("label") == FALLBACK).then(pl.lit(FALLBACK))
            .otherwise(pl.lit(ALIAS)).alias("match"))
        .select("provider", "model", "resolved_provider", "resolved_model", "match")
    )


def with_resolved(frame: pl.DataFrame, known: pl.DataFrame, provider: str = "provider", model: str = "model",
                  out: str = "resolved_model", match: str | None = None, aliases: pl.DataFrame | None = None,
                  fallbacks: pl.DataFrame | None = None, family: bool = True,
                  out_provider: str | None = None) -> pl.DataFrame:
    """`frame` plus the resolved model (and optionally its match kind and provider), joined on the distinct pairs."""
    pairs = frame.select(pl.col(provider).alias("provider"), pl.col(model).alias("model"))
    res = resolve(pairs, known, aliases, fallbacks, family)
    keep = [pl.col("provider").alias(provider), pl.col("model").alias(model), pl.col("resolved_model").alias(out)]
    if match:
        keep.append(pl.col("match").alias(match))
    if out_provider:
        keep.append(pl.col("resolved_provider").alias(out_provider))
    drop = [c for c in (out, match, out_provider) if c and c in frame.columns]
    base = frame.drop(drop) if drop else frame
    return base.join(res.select(keep), on=[provider, model], how="left", nulls_equal=True, maintain_order="left")


def identity(pairs: pl.DataFrame, known: pl.DataFrame, aliases: pl.DataFrame | None = None,
             fallbacks: pl.DataFrame | None = None) -> pl.DataFrame:
    """provider, model -> `identity` ("provider/model" of the resolved id; the name itself, lower
    case, when unresolved), so two spellings of one model compare equal."""
    res = resolve(pairs, known, aliases, fallbacks, family=False)
    own = pl.col("provider").fill_null("").str.to_lowercase() + "/" + pl.col("model").str.to_lowercase().str.strip_chars()
    return res.select("provider", "model", pl.coalesce(pl.col("resolved_provider") + "/" + pl.col("resolved_model"), own)
                      .alias("identity"))


def link(left: pl.DataFrame, right: pl.DataFrame, known: pl.DataFrame, aliases: pl.DataFrame | None = None,
         fallbacks: pl.DataFrame | None = None, on: tuple[str, ...] = ()) -> pl.DataFrame:
    """Each distinct left (provider, model, *on) -> `right_model`: the right name that is the same
    model (same resolved identity, e.g. usage `claude-sonnet-4-20250514` <-> cost report
    `Claude Sonnet 4`), the identical name first; null when the right side has none.

    `on`: extra key columns both sides share (day, project): a name links only within them.
    """
    keys = ["provider", *on]
    lpairs = left.select(*keys, "model").unique()
    rpairs = right.select(*keys, "model").unique()
    ids = identity(pl.concat([lpairs.select("provider", "model"), rpairs.select("provider", "model")]).unique(),
                   known, aliases, fallbacks)
    lid = lpairs.join(ids, on=["provider", "model"], how="left", nulls_equal=True)
    rid = rpairs.join(ids, on=["provider", "model"], how="left", nulls_equal=True).rename({"model": "right_model"})
    hits = (
        lid.join(rid, on=[*keys, "identity"], how="inner", nulls_equal=True)
        .sort((pl.col("right_model") != pl.col("model")), pl.col("right_model").str.len_chars(), "right_model")
        .unique(subset=[*keys, "model"], keep="first", maintain_order=True)
        .select(*keys, "model", "right_model")
    )
    return lpairs.join(hits, on=[*keys, "model"], how="left", nulls_equal=True)


# Serving words that do not change an open model's weights (energy only: prices differ per host).
SERVING_WORDS = frozenset({"instruct", "chat", "turbo", "versatile", "instant", "hf", "it", "fp8", "lite", "reference"})


def open_model_key(model: pl.Expr) -> pl.Expr:
    """A hosted open model's name as its maker's id: `meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo`,
    `meta.llama3-1-70b-instruct-v1:0`, `llama-3.1-70b-versatile` -> `llama-3.1-70b-...`."""
    s = model.str.to_lowercase().str.strip_chars().str.replace(r"^.*/", "").str.replace(_REGION, "")
    s = s.str.replace(_VENDOR, "").str.replace(_VERSION, "").str.replace(r"^meta-llama-", "llama-")
    s = s.str.replace(r"^llama(\d)", "llama-${1}").str.replace(r"^(llama-\d)-(\d)-", "${1}.${2}-")
    return s.str.replace(r"^(llama-\d(?:\.\d)?)-(\d+b)", "${1}-${2}")


def open_model_maker(key: pl.Expr) -> pl.Expr:
    """The maker of an open model from its id (null when not a known open family)."""
    return (pl.when(key.str.starts_with("llama") | key.str.starts_with("codellama")).then(pl.lit("meta"))
            .when(key.str.contains(r"^(mistral|mixtral|codestral|ministral|pixtral|magistral|devstral)")).then(pl.lit("mistral"))
            .when(key.str.starts_with("deepseek")).then(pl.lit("deepseek"))
            .when(key.str.starts_with("gemma") | key.str.starts_with("codegemma")).then(pl.lit("google"))
            .when(key.str.starts_with("gpt-oss")).then(pl.lit("openai"))
            .when(key.str.starts_with("phi-")).then(pl.lit("microsoft"))
            .otherwise(None))
