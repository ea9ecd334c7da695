"""Import AI and machine-learning rows of cloud billing exports in FOCUS format (CSV or Parquet).

AWS Data Exports, Azure cost exports and Google Cloud's FOCUS export share the FOCUS column
names. FOCUS 1.0-1.2 (ProviderName, PublisherName) and 1.3 (ServiceProviderName,
HostProviderName) are both read. The file is scanned lazily and only AI rows (focus_skus.is_ai)
are kept and checked, so a year of a large account's bill needs little memory. Rows become
cost lines billed by the cloud (`x_Source` focus:aws, focus:azure, focus:gcp), with token
classes and models where the SKU names them.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from finops.connectors import focus_skus
from finops.connectors._rows import combine_usage
from finops.connectors.cogs_lines import merge_duplicate_lines
from finops.connectors.request_logs.files import collect_scanned, scan
from finops.connectors.request_logs.problems import Problems, collect
from finops.connectors.request_logs.values import BAD, FLOAT, REC, ROW, TEXT, TS, Field, check
from finops.errors import InputError
from finops.schema import BILLED_USAGE_TABLE, COST_LINES_TABLE, Provenance, line_id

RENAMED_IN_1_3 = {"ProviderName": "ServiceProviderName", "PublisherName": "HostProviderName"}
# Names of the 1.0 previews and 0.5, read as today's (only when the new name is absent).
OLDER_NAMES = {"ChargeType": "ChargeCategory", "UsageQuantity": "ConsumedQuantity", "UsageUnit": "ConsumedUnit",
               "AmortizedCost": "EffectiveCost", "Region": "RegionId", "InvoiceIssuer": "InvoiceIssuerName",
               "Provider": "ServiceProviderName", "Publisher": "HostProviderName"}
# Exporters write an empty cell as nothing, NULL (the FOCUS 1.0 sample) or null.
NULL_TEXTS = ("", "null", "none")  # NaN stays a bad number, not a blank
DATA_SUFFIXES = (".csv", ".parquet")
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
    for old, new in (RENAMED_IN_1_3 | OLDER_NAMES).items():
        if old in names and new not in names and old not in renames and new not in renames.values():
            renames[old] = new
    lf = lf.rename(renames)
    schema = lf.collect_schema()
    text = [c for c, t in schema.items() if t == pl.String]
    lf = lf.with_columns(pl.when(pl.col(c).str.strip_chars().str.to_lowercase().is_in(NULL_TEXTS)).then(None)
                         .otherwise(pl.col(c)).alias(c) for c in text)
    missing = [c for c in REQUIRED if c not in lf.collect_schema().names()]
    if missing:
        raise InputError(f"{path}: not a FOCUS export: missing column(s) {', '.join(missing)}")
    return lf, layout


@contextmanager
def unpacked(path: Path) -> Iterator[Path]:
    """The CSV or Parquet file inside a .gz or .zip export (AWS Data Exports gzip by default),
    unpacked to a temporary folder for the scan; other files as they are."""
    suffix = path.suffix.lower()
    if suffix not in (".gz", ".zip"):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="finops-focus-") as tmp:
        try:
            if suffix == ".gz":
                inner = Path(path.stem)
                if inner.suffix.lower() not in DATA_SUFFIXES:
                    raise InputError(f"{path}: a gzip of {inner.suffix or 'an unnamed file'!r}; expected .csv.gz or .parquet.gz")
                out = Path(tmp) / inner.name
                with gzip.open(path, "rb") as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            else:
                with zipfile.ZipFile(path) as zf:
                    members = [m for m in zf.infolist() if not m.is_dir() and Path(m.filename).suffix.lower() in DATA_SUFFIXES]
                    if len(members) != 1:
                        raise InputError(f"{path}: expected one .csv or .parquet file in the zip, found {len(members)}")
                    out = Path(tmp) / Path(members[0].filename).name
                    with zf.open(members[0]) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise InputError(f"{path}: cannot unpack ({exc})") from None
        yield out


def read_focus_file(path: Path, source: str | None = None, mapping: dict[str, str] | None = None) -> tuple[pl.DataFrame, Problems]:
    """Cost lines from the AI rows of one FOCUS export (.csv, .parquet, or either gzipped or zipped),
    and its bad rows (not in the frame)."""
    path = Path(path)
    with unpacked(path) as data:
        try:
            lines, problems = _read(data, source, mapping)
        except InputError as exc:
            if data == path:
                raise
            raise InputError(str(exc).replace(str(data), str(path))) from None  # the file the user gave
    if data != path:  # name the file the user gave, not the temporary copy
        problems = Problems([replace(r, file=str(path)) for r in problems.rows], problems.count)
    return lines, problems


def _read(path: Path, source: str | None, mapping: dict[str, str] | None) -> tuple[pl.DataFrame, Problems]:
    lf, layout = _open(path, mapping)
    schema = lf.collect_schema()
    names = schema.names()
    ai = lf.filter(focus_skus.is_ai(names)).with_columns(pl.col(REC).alias(ROW))
    for c in ("Tags", "SkuPriceDetails"):
        if c in names:
            ai = ai.with_columns(_as_text(c, schema[c]).alias(c))
    raw = collect_scanned(ai, path, layout, streaming=True).lazy()  # AI rows are a small share of a bill
    checked = check(raw, FIELDS).collect().lazy()  # evaluated once: the problems and the good rows read it
    # A bad optional value (an unreadable ListCost, a text in ConsumedQuantity) is stored as
    # null: the row's cost stays. Only the fields a cost line cannot do without reject a row.
    optional = [BAD + f.name for f in FIELDS if not f.required]
    checked = checked.drop([c for c in optional if c in checked.collect_schema().names()])
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


# The OTel GenAI provider names of the clouds' model services, so a Bedrock span
# (gen_ai.system "aws.bedrock") meets the Bedrock bill in reconcile.
CLOUD_PROVIDERS = {"focus:aws": "aws.bedrock", "focus:azure": "azure.ai.openai", "focus:gcp": "gcp.vertex_ai"}
_BLOCK = r"(?i)^\s*(\d+(?:\.\d+)?)\s*([km])?\s+tokens?\s*$"


def token_usage(lines: pl.DataFrame) -> pl.DataFrame:
    """Metered token usage (billed_usage rows) from the FOCUS lines that count tokens: a token
    class and a ConsumedQuantity whose ConsumedUnit is tokens (`Tokens`, `1K Tokens`,
    `1000000 Tokens`, Google's `count`). Quantities are scaled to single tokens; lines in other units add nothing."""
    unit = pl.col("ConsumedUnit").fill_null("").str.strip_chars()
    block = unit.str.extract_groups(_BLOCK)
    # Google's FOCUS export counts token SKUs in "count"; the SKU words already said tokens.
    scale = (pl.when(unit.str.contains(r"(?i)^(tokens?|count)$")).then(pl.lit(1.0))
             .when(block.struct.field("1").is_not_null())
             .then(block.struct.field("1").cast(pl.Float64)
                   * pl.col("ConsumedUnit").str.extract(_BLOCK, 2).str.to_lowercase()
                   .replace_strict({"k": 1e3, "m": 1e6}, default=1.0, return_dtype=pl.Float64)))
    usage = lines.filter(pl.col("x_TokenClass").is_not_null() & pl.col("ConsumedQuantity").is_not_null()).with_columns(
        scale.alias("__scale"))
    usage = usage.filter(pl.col("__scale").is_not_null())
    names = usage.columns

    def text(col: str | None, alias: str) -> pl.Expr:  # a key column: "" when the export does not say
        return (pl.col(col) if col and col in names else pl.lit(None, pl.String)).fill_null("").alias(alias)

    out = usage.select(
        pl.col("ChargePeriodStart").alias("charge_period_start"),
        pl.col("ChargePeriodEnd").alias("charge_period_end"),
        pl.col("x_Source").replace_strict(CLOUD_PROVIDERS, default=pl.col("x_Source")).alias("provider"),
        text("x_Model", "model"), text("SubAccountId", "project_id"), text(None, "api_key_id"),
        text(None, "service_tier"), text(None, "context_window"), text("RegionId", "region"),
        pl.col("x_TokenClass").alias("token_class"),
        pl.lit("tokens").alias("unit"),
        (pl.col("ConsumedQuantity") * pl.col("__scale")).round(0).cast(pl.Int64).alias("quantity"),
        pl.col("x_Source").alias("source"),
        pl.lit(Provenance.METERED).alias("provenance"),
        pl.col("x_IngestedAt").alias("ingested_at"),
    )
    return combine_usage([BILLED_USAGE_TABLE.conform(out).collect()])
