"""Import AI and machine-learning rows of cloud billing exports in FOCUS format (CSV or Parquet).

AWS Data Exports, Azure cost exports and Google Cloud's FOCUS export share the FOCUS column
names. FOCUS 1.0-1.2 (ProviderName, PublisherName) and 1.3 (ServiceProviderName,
HostProviderName) are both read. The file is scanned lazily and only AI rows (focus_skus.is_ai)
are kept and checked, so a year of a large account's bill needs little memory. Rows become
cost lines billed by the cloud (`x_Source` focus:aws, focus:azure, focus:gcp), with token
classes and models where the SKU names them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from finops.connectors import focus_skus
from finops.connectors.cogs_lines import merge_duplicate_lines
from finops.connectors.request_logs.files import scan
from finops.connectors.request_logs.problems import Problems, collect
from finops.connectors.request_logs.values import BAD, FLOAT, REC, ROW, TEXT, TS, Field, check
from finops.errors import InputError
from finops.schema import COST_LINES_TABLE, Provenance, line_id

RENAMED_IN_1_3 = {"ProviderName": "ServiceProviderName", "PublisherName": "HostProviderName"}
REQUIRED = ("BilledCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd", "ServiceName")
FIELDS = [
    Field("BilledCost", FLOAT, required=True, minimum=None),
    Field("BillingCurrency", TEXT, required=True),
    Field("ChargePeriodStart", TS, required=True),
    Field("ChargePeriodEnd", TS, required=True),
    *(Field(c, TS) for c in ("BillingPeriodStart", "BillingPeriodEnd")),
    *(Field(c, FLOAT, minimum=None) for c in ("EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity",
                                               "PricingQuantity", "ListUnitPrice", "ContractedUnitPrice")),
]
# The columns that tell one line from another; cost is not one of them, so a restated line
# replaces the stored one instead of adding a second.
LINE_KEY = ("ChargePeriodStart", "ChargePeriodEnd", "BillingAccountId", "SubAccountId", "ResourceId", "RegionId",
            "SkuId", "SkuPriceId", "SkuMeter", "x_UsageType", "ChargeCategory", "ChargeClass", "ChargeDescription",
            "CommitmentDiscountId", "PricingCategory", "Tags")


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Struct):
        return pl.col(name).struct.json_encode()
    if dtype == pl.String:
        return pl.col(name)
    if isinstance(dtype, pl.List):  # a Parquet map: list of {key, value}
        pairs = pl.col(name).list.eval(pl.format('"{}":"{}"', pl.element().struct.field("key"), pl.element().struct.field("value")))
        return pl.concat_str(pl.lit("{"), pairs.list.join(","), pl.lit("}"))
    return pl.col(name).cast(pl.String)


def _open(path: Path, mapping: dict[str, str] | None) -> tuple[pl.LazyFrame, str]:
    lf, layout = scan(path)
    names = lf.collect_schema().names()
    renames = {a: b for a, b in (mapping or {}).items() if a in names}
    renames |= {old: new for old, new in RENAMED_IN_1_3.items() if old in names and new not in names and old not in renames}
    lf = lf.rename(renames)
    missing = [c for c in REQUIRED if c not in lf.collect_schema().names()]
    if missing:
        raise InputError(f"{path}: not a FOCUS export: missing column(s) {', '.join(missing)}")
    return lf, layout


def read_focus_file(path: Path, source: str | None = None, mapping: dict[str, str] | None = None) -> tuple[pl.DataFrame, Problems]:
    """Cost lines from the AI rows of one FOCUS export, and its bad rows (not in the frame)."""
    path = Path(path)
    lf, layout = _open(path, mapping)
    schema = lf.collect_schema()
    names = schema.names()
    ai = lf.filter(focus_skus.is_ai(names)).with_columns(pl.col(REC).alias(ROW))
    for c in ("Tags", "SkuPriceDetails"):
        if c in names:
            ai = ai.with_columns(_as_text(c, schema[c]).alias(c))
    raw = ai.collect(engine="streaming").lazy()  # AI rows are a small share of a bill
    checked = check(raw, FIELDS)
    problems = collect(checked, raw, FIELDS, path, layout)
    flags = [c for c in checked.collect_schema().names() if c.startswith(BAD)]
    good = checked.filter(~pl.any_horizontal(flags)) if flags else checked
    text = focus_skus.sku_text(names)
    provider = pl.col("ServiceProviderName") if "ServiceProviderName" in names else pl.col("ServiceName")
    x_source = pl.lit(source) if source else pl.lit("focus:") + focus_skus.cloud(provider)
    lines = good.with_columns(
        focus_skus.token_class(text).alias("x_TokenClass"),
        focus_skus.model(names, text).alias("x_Model"),
        focus_skus.cost_source(text).alias("x_CostSource"),
        pl.lit("tokens").alias("x_AllocationDriver"),
        x_source.alias("x_Source"),
        pl.lit(Provenance.BILLED).alias("x_Provenance"),
        pl.lit(datetime.now(timezone.utc)).alias("x_IngestedAt"),
        pl.col("BillingCurrency").str.to_uppercase(),
    )
    key = [c for c in LINE_KEY if c in names] + ["x_TokenClass"]
    keyed = lines.with_columns(line_id(*key)).collect()
    return merge_duplicate_lines(COST_LINES_TABLE.conform(keyed).collect()), problems


def read_focus(path: Path, source: str | None = None, mapping: dict[str, str] | None = None) -> pl.DataFrame:
    """Cost lines from one FOCUS export; a bad row is an InputError naming file, line and field."""
    lines, problems = read_focus_file(path, source, mapping)
    if problems:
        raise InputError(problems.message())
    return lines
