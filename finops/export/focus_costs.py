"""Turn stored cost lines into FOCUS 1.2 rows: derive what the spec requires from what the sources give.

Pure: `focus_frame(lines, usage, catalog, accounts)` takes cost_lines rows, the billed usage
of the same days (for token quantities) and the price catalog (for list prices) and
returns the FOCUS columns of focus_spec.EXPORTED, typed, followed by our x_ columns.

Derivations (docs/export.md lists each with its FOCUS rule):
- A model API cost line is one (day, source, project, model, token class); its tokens are
  the billed usage with the same key (the usage model is a dated snapshot of the line's
  model: the longest line model that prefixes it). They give ConsumedQuantity in Tokens
  and PricingQuantity in "1000000 Tokens", the block the providers price in.
- ListUnitPrice is the catalog price of those tokens (USD lines only: the catalog is in
  USD and FOCUS prices are in the billing currency); ListCost = ListUnitPrice x
  PricingQuantity. Without a list price, ListCost = BilledCost, as FOCUS prescribes for a
  charge with no unit price. ContractedCost likewise uses the contracted rate when the
  source states one, else BilledCost. `x_ListCostBasis` says which applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

from finops.export import focus_spec as spec
from finops.export.settings import BillingAccount
from finops.models.money import money_sum
from finops.schema import UTC_TS, TokenClass

DECIMAL = pl.Decimal(38, 12)
TOKENS_UNIT, TOKENS_BLOCK, TOKENS_PER_BLOCK = "Tokens", "1000000 Tokens", 1_000_000
STANDARD_TIERS = ("", "default", "standard", "auto")
METER_NAMES = {
    TokenClass.INPUT_UNCACHED: "Input Tokens",
    TokenClass.INPUT_CACHE_READ: "Cached Input Tokens",
    TokenClass.INPUT_CACHE_WRITE_5M: "Cache Write Tokens (5m)",
    TokenClass.INPUT_CACHE_WRITE_1H: "Cache Write Tokens (1h)",
    TokenClass.OUTPUT: "Output Tokens",
    TokenClass.REASONING: "Reasoning Tokens",
    TokenClass.INPUT_AUDIO: "Audio Input Tokens",
    TokenClass.OUTPUT_AUDIO: "Audio Output Tokens",
    TokenClass.INPUT_IMAGE: "Image Input Tokens",
    TokenClass.OUTPUT_IMAGE: "Image Output Tokens",
    TokenClass.EMBEDDING: "Embedding Tokens",
}
# What a SubAccountId is at each seller (FOCUS SubAccountType).
SUB_ACCOUNT_TYPES = {"OpenAI": "Project", "Anthropic": "Workspace", "Pinecone": "Project", "Datadog": "Organization"}
EXTRA_COLUMNS = ("x_HostProviderName", "x_ListCostBasis", "x_ListPriceRowId", "x_InvoiceIdBasis")
# Units as sources spell them -> FOCUS Unit Format (attribute UnitFormat: capitalised nouns,
# plural count units, `<unit>-<plural time unit>`). Keys are lower-cased. Abbreviations a
# FOCUS tool cannot read (Pinecone's RU/WU) are spelled out.
UNIT_NAMES = {
    "ru": "Read Units", "rus": "Read Units", "read units": "Read Units",
    "wu": "Write Units", "wus": "Write Units", "write units": "Write Units",
    "gb-month": "GB-Months", "gb-months": "GB-Months", "gb month": "GB-Months", "gbmonth": "GB-Months",
    "gb-hour": "GB-Hours", "gb-hours": "GB-Hours",
    "month": "Months", "months": "Months", "hour": "Hours", "hours": "Hours", "day": "Days", "days": "Days",
    "minute": "Minutes", "minutes": "Minutes", "second": "Seconds", "seconds": "Seconds",
    "token": "Tokens", "tokens": "Tokens", "request": "Requests", "requests": "Requests",
    "item": "Items", "items": "Items", "unit": "Units", "units": "Units",
}
_LINE_KEY = ["x_Source", "SubAccountId", "x_Model", "x_TokenClass", "ChargePeriodStart", "ChargePeriodEnd"]


def _model_map(usage: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """(source, usage model) -> the line model that is the same model (one model resolver: a
    snapshot maps to the line's alias or display name), never a mere shared prefix."""
    from finops.models.pricing.package import package_identities
    from finops.models.pricing.resolve import link

    pairs = usage.select(pl.col("source").alias("x_Source"), "provider", "model").unique()
    providers = pairs.select("x_Source", "provider").unique()
    line_models = lines.select("x_Source", pl.col("x_Model").alias("model")).drop_nulls().unique().join(
        providers, on="x_Source", how="inner")
    linked = link(pairs, line_models, package_identities().select("provider", "model"), on=("x_Source",))
    return linked.drop_nulls("right_model").select("x_Source", "model", pl.col("right_model").alias("x_Model"))


def line_usage(lines: pl.DataFrame, usage: pl.DataFrame, catalog: pl.DataFrame | None) -> pl.DataFrame:
    """Tokens and catalog list cost per cost-line key; keys shared by two lines are dropped (ambiguous)."""
    tokens = usage.filter(pl.col("token_class").is_in(list(TokenClass.TOKENS)))
    if tokens.height == 0 or lines.height == 0:
        return pl.DataFrame(schema={**{k: lines.schema[k] for k in _LINE_KEY}, "__tokens": pl.Int64,
                                    "__list_cost": pl.Float64, "__rate_min": pl.Float64, "__rate_max": pl.Float64,
                                    "__row_ids": pl.String, "__standard_tier": pl.Boolean})
    if catalog is not None:
        from finops.models.pricing.lookup import cost

        tokens = cost(tokens, catalog, day_column="charge_period_start")
    else:
        tokens = tokens.with_columns(pl.lit(None, pl.Float64).alias("usd_per_million"),
                                     pl.lit(None, pl.Float64).alias("cost_usd"), pl.lit(None, pl.String).alias("price_row_id"))
    mapped = tokens.join(_model_map(tokens, lines), left_on=["source", "model"], right_on=["x_Source", "model"])
    agg = (
        mapped.rename({"source": "x_Source", "project_id": "SubAccountId", "token_class": "x_TokenClass",
                       "charge_period_start": "ChargePeriodStart", "charge_period_end": "ChargePeriodEnd"})
        .group_by(_LINE_KEY)
        .agg(
            pl.col("quantity").sum().alias("__tokens"),
            pl.when(pl.col("cost_usd").is_null().any()).then(None).otherwise(money_sum(pl.col("cost_usd"))).alias("__list_cost"),
            pl.col("usd_per_million").min().alias("__rate_min"),
            pl.col("usd_per_million").max().alias("__rate_max"),
            pl.col("price_row_id").drop_nulls().unique().sort().str.join(";").alias("__row_ids"),
            pl.col("service_tier").fill_null("").str.to_lowercase().is_in(STANDARD_TIERS).all().alias("__standard_tier"),
        )
    )
    unique_keys = lines.group_by(_LINE_KEY).len().filter(pl.col("len") == 1).drop("len")
    return agg.join(unique_keys, on=_LINE_KEY, how="semi")


def focus_unit(expr: pl.Expr) -> pl.Expr:
    """A source's unit in FOCUS Unit Format: known spellings mapped, other all-lower-case words capitalised."""
    words = expr.str.strip_chars().str.replace_all("_", " ")  # OpenAI's "1000_tokens"
    known = words.str.to_lowercase().replace_strict(UNIT_NAMES, default=None, return_dtype=pl.String)
    lower = words.str.contains(r"^(?:[0-9]+ )?[a-z][a-z ]*$")
    return pl.coalesce(known, pl.when(lower).then(words.str.to_titlecase()), expr)


def _dec(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Float64).round(12).cast(DECIMAL)


def _accounts_frame(accounts: dict[str, BillingAccount]) -> pl.DataFrame:
    return pl.DataFrame(
        {"ServiceProviderName": list(accounts), "__acct_id": [a.id for a in accounts.values()],
         "__acct_name": [a.name for a in accounts.values()]},
        schema={"ServiceProviderName": pl.String, "__acct_id": pl.String, "__acct_name": pl.String},
    )


def focus_frame(lines: pl.DataFrame, usage: pl.DataFrame, catalog: pl.DataFrame | None,
                accounts: dict[str, BillingAccount] | None = None) -> pl.DataFrame:
    """FOCUS 1.2 columns (focus_spec.EXPORTED order, FOCUS types) then x_ columns, one row per cost line."""
    kinds: dict[str, PolarsDataType] = {spec.DECIMAL: pl.Float64, spec.DATETIME: UTC_TS, spec.STRING: pl.String, spec.JSON: pl.String}
    lines = lines.with_columns(pl.lit(None, kinds[spec.BY_NAME[n].kind]).alias(n)
                               for n in spec.EXPORTED if n not in lines.columns)
    lu = line_usage(lines, usage, catalog)
    df = (
        lines.join(lu, on=_LINE_KEY, how="left", nulls_equal=True, maintain_order="left")
        .join(_accounts_frame(accounts or {}), on="ServiceProviderName", how="left", maintain_order="left")
    )
    cat, usd = pl.col("ChargeCategory"), pl.col("BillingCurrency") == "USD"
    has_tokens = pl.col("__tokens").is_not_null()
    month_start = pl.col("ChargePeriodStart").dt.truncate("1mo")
    df = df.with_columns(
        pl.coalesce("ConsumedQuantity", pl.col("__tokens").cast(pl.Float64)).alias("ConsumedQuantity"),
        pl.coalesce("ConsumedUnit", pl.when(has_tokens).then(pl.lit(TOKENS_UNIT))).alias("ConsumedUnit"),
        pl.coalesce("PricingQuantity", pl.col("__tokens") / TOKENS_PER_BLOCK, "ConsumedQuantity").alias("PricingQuantity"),
        pl.coalesce("PricingUnit", pl.when(has_tokens).then(pl.lit(TOKENS_BLOCK)), "ConsumedUnit").alias("PricingUnit"),
    )
    df = df.with_columns(focus_unit(pl.col("ConsumedUnit")).alias("ConsumedUnit"),
                         focus_unit(pl.col("PricingUnit")).alias("PricingUnit"))
    # One catalog rate over the line: that rate; several (a tier or price change inside the line): their average.
    pq = pl.col("PricingQuantity")
    catalog_rate = (
        pl.when(~usd | pl.col("__list_cost").is_null()).then(None)
        .when(pl.col("__rate_min") == pl.col("__rate_max")).then(pl.col("__rate_min"))
        .when(pq > 0).then(pl.col("__list_cost") / pq)
    )
    df = df.with_columns(pl.coalesce("ListUnitPrice", catalog_rate).alias("ListUnitPrice"))
    list_product = pl.col("ListUnitPrice") * pq
    df = df.with_columns(
        pl.when(pl.col("ListCost").is_not_null()).then(pl.lit("source"))
        .when(list_product.is_not_null()).then(pl.lit("list_price"))
        .otherwise(pl.lit("billed_cost")).alias("x_ListCostBasis"),
        pl.coalesce("ListCost", list_product, "BilledCost").alias("ListCost"),
        pl.coalesce("ContractedCost", pl.col("ContractedUnitPrice") * pq, "BilledCost").alias("ContractedCost"),
        pl.coalesce("EffectiveCost", "BilledCost").alias("EffectiveCost"),
        pl.when(pl.col("ListUnitPrice").is_not_null() & (pl.col("__row_ids") != "")).then(pl.col("__row_ids"))
        .alias("x_ListPriceRowId"),
        pl.coalesce("BillingPeriodStart", month_start).alias("BillingPeriodStart"),
        pl.coalesce("BillingPeriodEnd", month_start.dt.offset_by("1mo")).alias("BillingPeriodEnd"),
        pl.coalesce("ChargeFrequency", pl.when(cat == "Usage").then(pl.lit("Usage-Based")).otherwise(pl.lit("One-Time")))
        .alias("ChargeFrequency"),
        pl.when(cat.is_in(["Usage", "Purchase"]))
        .then(pl.when(pl.col("__standard_tier").fill_null(True)).then(pl.lit("Standard")).otherwise(pl.lit("Other")))
        .alias("PricingCategory"),
        pl.coalesce("ServiceSubcategory", pl.format("Other ({})", "ServiceCategory")).alias("ServiceSubcategory"),
        pl.col("ServiceProviderName").alias("ProviderName"),
        pl.coalesce("HostProviderName", "ServiceProviderName").alias("PublisherName"),
        pl.coalesce("InvoiceIssuerName", "ServiceProviderName").alias("InvoiceIssuerName"),
        pl.coalesce("BillingAccountId", "__acct_id",
                    pl.col("ServiceProviderName").str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-") + ":unconfigured")
        .alias("BillingAccountId"),
        pl.coalesce("BillingAccountName", "__acct_name").alias("BillingAccountName"),
        pl.when(pl.col("InvoiceId").is_not_null()).then(pl.lit("source")).otherwise(pl.lit("provisional"))
        .alias("x_InvoiceIdBasis"),
        pl.when(pl.col("SubAccountId").is_not_null() & (pl.col("SubAccountId") != ""))
        .then(pl.col("ServiceProviderName").replace_strict(SUB_ACCOUNT_TYPES, default=None, return_dtype=pl.String))
        .alias("SubAccountType"),
        pl.col("SkuId").alias("SkuPriceId"),  # FOCUS 1.1+: SkuId stands in when the provider has no SkuPriceId
        pl.coalesce("SkuMeter", pl.col("x_TokenClass").replace_strict(METER_NAMES, default=None, return_dtype=pl.String))
        .alias("SkuMeter"),
        pl.col("HostProviderName").alias("x_HostProviderName"),
    )
    # Every charge here lands on the seller's monthly invoice, so FOCUS requires an InvoiceId; the
    # cost APIs report before invoicing, so the id is the provisional one FOCUS allows ("MAY be
    # generated prior to an invoice being issued"): one per billing account and billing period.
    df = df.with_columns(pl.coalesce("InvoiceId", pl.format("provisional:{}:{}", "BillingAccountId",
                                                            pl.col("BillingPeriodStart").dt.strftime("%Y-%m")))
                         .alias("InvoiceId"))
    decimals = {c.name for c in spec.COLUMNS if c.kind == spec.DECIMAL}
    focus = [(_dec(pl.col(n)) if n in decimals else pl.col(n)).alias(n) for n in spec.EXPORTED]
    custom = [c for c in lines.columns if c.startswith("x_")] + list(EXTRA_COLUMNS)
    return df.select(*focus, *custom).with_columns(
        pl.col(c).dt.convert_time_zone("UTC").cast(UTC_TS) for c in ("BillingPeriodStart", "BillingPeriodEnd",
                                                                      "ChargePeriodStart", "ChargePeriodEnd")
    )
