"""Import AI and machine-learning rows of cloud billing exports in FOCUS format (CSV or Parquet).

AWS Data Exports, Azure cost exports and Google Cloud's FOCUS export share the FOCUS column
names. We keep rows whose ServiceCategory is "AI and Machine Learning" or whose service is a
hosted-model service (Bedrock, Azure OpenAI, Vertex AI, Gemini), map FOCUS 1.0-1.2
(ProviderName, PublisherName) and 1.3 (ServiceProviderName, HostProviderName) names, and read
token classes from the SKU meter or usage type where the export names them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from finops.errors import InputError
from finops.schema import COST_LINES_TABLE, CostSource, Provenance, line_id

AI_SERVICES = r"(?i)bedrock|openai|vertex|gemini|generative|cognitive services|ai foundry"
TOKEN_PATTERNS = (  # first match wins: cache reads and writes before plain input
    (r"(?i)cache[- _]?read", "input_cache_read"),
    (r"(?i)cache[- _]?write", "input_cache_write_5m"),
    (r"(?i)output|completion|generated", "output"),
    (r"(?i)input|prompt", "input_uncached"),
)
DATETIMES = ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd")
MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity", "PricingQuantity", "ListUnitPrice", "ContractedUnitPrice")


def _read(path: Path) -> pl.DataFrame:
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path)
    if path.suffix.lower() == ".csv":
        return pl.read_csv(path, infer_schema=False)
    raise InputError(f"{path}: unknown file type {path.suffix!r} (FOCUS exports are .csv or .parquet)")


def _token_class() -> pl.Expr:
    text = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in ("SkuMeter", "SkuId", "ChargeDescription")], separator=" ")
    expr = pl.lit(None, pl.String)
    for pattern, cls in reversed(TOKEN_PATTERNS):
        expr = pl.when(text.str.contains(pattern) & text.str.contains(r"(?i)token")).then(pl.lit(cls)).otherwise(expr)
    return expr


def _model() -> pl.Expr:
    if_details = pl.col("SkuPriceDetails").cast(pl.String).str.json_path_match("$.ModelId")
    return if_details


def read_focus(path: Path, source: str = "focus") -> pl.DataFrame:
    """Cost lines from one FOCUS export file: AI rows only, FOCUS 1.0-1.3 names accepted."""
    df = _read(Path(path))
    if "ServiceProviderName" not in df.columns and "ProviderName" in df.columns:
        df = df.with_columns(pl.col("ProviderName").alias("ServiceProviderName"))
    if "HostProviderName" not in df.columns and "PublisherName" in df.columns:
        df = df.with_columns(pl.col("PublisherName").alias("HostProviderName"))
    for required in ("BilledCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "ServiceName"):
        if required not in df.columns:
            raise InputError(f"{path}: not a FOCUS export: missing column {required!r}")
    for c in ("SkuMeter", "SkuId", "ChargeDescription", "ServiceCategory", "SkuPriceDetails", "SubAccountId", "ResourceId"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(c))
    df = df.with_row_index("__line", offset=2 if Path(path).suffix.lower() == ".csv" else 1)
    for c in DATETIMES:
        if c in df.columns and df.schema[c] == pl.String:
            parsed = pl.col(c).str.replace(r"Z$", "+00:00").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us", time_zone="UTC")
            df = df.with_columns(parsed.alias(f"__{c}"))
            bad = df.filter(pl.col(c).is_not_null() & pl.col(f"__{c}").is_null())
            if bad.height:
                raise InputError(f"{path}:{bad['__line'][0]}: field {c!r}: {bad[c][0]!r} is not an ISO 8601 UTC datetime")
            df = df.with_columns(pl.col(f"__{c}").alias(c)).drop(f"__{c}")
    for c in MONEY:
        if c in df.columns and df.schema[c] == pl.String:
            cast = pl.col(c).str.strip_chars().cast(pl.Float64, strict=False)
            bad = df.filter(pl.col(c).is_not_null() & (pl.col(c) != "") & cast.is_null())
            if bad.height:
                raise InputError(f"{path}:{bad['__line'][0]}: field {c!r}: {bad[c][0]!r} is not a number")
            df = df.with_columns(cast.alias(c))
    ai = df.filter(
        (pl.col("ServiceCategory") == "AI and Machine Learning") | pl.col("ServiceName").cast(pl.String).str.contains(AI_SERVICES)
    )
    now = datetime.now(timezone.utc)
    ai = ai.with_columns(
        _token_class().alias("x_TokenClass"), _model().alias("x_Model"),
        pl.lit(CostSource.INFERENCE).alias("x_CostSource"), pl.lit("tokens").alias("x_AllocationDriver"),
        pl.lit(source).alias("x_Source"), pl.lit(Provenance.BILLED).alias("x_Provenance"), pl.lit(now).alias("x_IngestedAt"),
        pl.lit("").alias("x_LineId"),
        (pl.col("Tags").cast(pl.String) if "Tags" in df.columns else pl.lit(None, pl.String)).alias("Tags"),
    )
    frame = COST_LINES_TABLE.conform(ai.drop("__line")).collect()
    return frame.with_columns(line_id("ChargePeriodStart", "SubAccountId", "ResourceId", "SkuId", "SkuMeter", "ChargeDescription", "BilledCost"))


