"""What a FOCUS row of AI spend measures: its token class, model and which cloud billed it.

Clouds name token SKUs in their own words, in different columns: AWS in the usage type
(`USE1-Claude4.5Sonnet-input-tokens`, `...-cache-read-input-token-count`,
`...-cache-write-input-token-count`), Azure in meter names (`gpt-4o-0806-Inp-glbl 1M Tokens`,
`...-cchd-Inp-...`, `...-Outp-...`), Google in SKU descriptions (`Gemini 2.5 Flash Input Text
Tokens`, `... Cached Input ...`, `... Output ...`). We read all of them, lower-cased, and the
first matching rule wins (cache reads and writes before plain input). Rows that do not name
tokens keep a null token class: their cost counts, only not per token class.
"""

from __future__ import annotations

import polars as pl

from finops.schema import CostSource, TokenClass

TEXT_COLUMNS = ("SkuMeter", "x_UsageType", "x_SkuMeterName", "x_SkuDescription", "SkuId", "ChargeDescription",
                "ConsumedUnit", "PricingUnit")
AI_SERVICES = r"(?i)bedrock|openai|vertex|gemini|generative|cognitive services|ai foundry|ai services|anthropic"
AI_CATEGORY = "AI and Machine Learning"
TOKEN_RULES: tuple[tuple[str, str], ...] = (  # first match wins
    (r"cache[-_ ]?read|cached|cache hit|cchd", TokenClass.INPUT_CACHE_READ),
    (r"cache[-_ ]?(write|creation).*(1h|1-hour|one hour)|(1h|1-hour)[-_ ]?cache[-_ ]?write", TokenClass.INPUT_CACHE_WRITE_1H),
    (r"cache[-_ ]?(write|creation)", TokenClass.INPUT_CACHE_WRITE_5M),
    (r"embed", TokenClass.EMBEDDING),
    (r"audio.*(output|outp\b|completion)|(output|outp\b).*audio", TokenClass.OUTPUT_AUDIO),
    (r"audio", TokenClass.INPUT_AUDIO),
    (r"image.*(output|outp\b|generat)|(output|outp\b).*image", TokenClass.OUTPUT_IMAGE),
    (r"(input|inp\b).*image|image.*(input|inp\b)", TokenClass.INPUT_IMAGE),
    (r"output|outp\b|completion|generated", TokenClass.OUTPUT),
    (r"input|\binp\b|prompt", TokenClass.INPUT_UNCACHED),
)
MODEL = r"\b(claude[\w.\-]*|gpt[-\w.]*|o[134](?:-mini|-pro)?\b|gemini(?:[ -][\d.]+)?(?:[ -](?:pro|flash|lite|ultra|nano))*|gemini[\w.\-]*|llama[\w.\-]*|titan[\w.\-]*|nova[\w.\-]*|mistral[\w.\-]*|command[\w.\-]*|text-embedding[\w.\-]*)"
SKU_WORDS = r"[-_ ](input|output|inp|outp|cache|cached|cchd|tokens?|glbl|global|regnl|regional|dzone|batch|text)\b.*$"
CLOUDS = ((r"(?i)amazon|aws", "aws"), (r"(?i)microsoft|azure", "azure"), (r"(?i)google|gcp", "gcp"))


def sku_text(names: list[str]) -> pl.Expr:
    """The lower-cased words the export uses for a row's SKU, from every column it has."""
    cols = [pl.col(c).cast(pl.String).fill_null("") for c in TEXT_COLUMNS if c in names]
    return pl.concat_str(cols, separator=" ").str.to_lowercase() if cols else pl.lit("")


def token_class(text: pl.Expr) -> pl.Expr:
    is_tokens = text.str.contains(r"token") | text.str.contains(r"\b(input|output) (text|audio|image|video)\b")
    expr = pl.lit(None, pl.String)
    for pattern, cls in reversed(TOKEN_RULES):
        expr = pl.when(text.str.contains(pattern)).then(pl.lit(cls)).otherwise(expr)
    return pl.when(is_tokens).then(expr)


def model(names: list[str], text: pl.Expr) -> pl.Expr:
    """The model the row is for: SkuPriceDetails when it says, else as the SKU words name it."""
    found = text.str.extract(MODEL, 1).str.replace(SKU_WORDS, "").str.replace_all(" ", "-", literal=True)
    if "SkuPriceDetails" not in names:
        return found
    details = pl.col("SkuPriceDetails").cast(pl.String)
    return pl.coalesce(*(details.str.json_path_match(p) for p in ("$.ModelId", "$.Model", "$.model", "$.ModelName")), found)


def cost_source(text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.contains("embed")).then(pl.lit(CostSource.EMBEDDINGS)).otherwise(pl.lit(CostSource.INFERENCE))


def is_ai(names: list[str]) -> pl.Expr:
    """AI and machine-learning rows: the FOCUS category, or a hosted-model service by name."""
    cond = pl.lit(False)
    if "ServiceCategory" in names:
        cond = cond | (pl.col("ServiceCategory").cast(pl.String) == AI_CATEGORY)
    for c in ("ServiceName", "x_ServiceCode", "HostProviderName"):
        if c in names:
            cond = cond | pl.col(c).cast(pl.String).str.contains(AI_SERVICES)
    return cond.fill_null(False)


def cloud(provider: pl.Expr) -> pl.Expr:
    """aws, azure or gcp from the provider's name (else the name, lower-cased), for x_Source."""
    p = provider.cast(pl.String).fill_null("unknown")
    expr = p.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-")
    for pattern, short in reversed(CLOUDS):
        expr = pl.when(p.str.contains(pattern)).then(pl.lit(short)).otherwise(expr)
    return expr
