"""Allocate every cost line to (feature, project) targets, to the cent, in two currencies.

Rules, first match wins (docs/cogs.md):
1. `direct`: the line carries a feature (x_Feature).
2. `mapped`: its sub-account (SubAccountId) is mapped to a feature in `[cogs.features]`.
3. `fixed`: its driver is `fixed`: split by `[cogs.fixed_shares.<cost source>]`.
4. a driver: split by what each target used of the driver over the line's charge
   period (falling back to the line's month when nobody used it in the period, and from
   `token_cost` to `tokens` when a model is unpriced). Request drivers are measured in the
   line's project when the project appears in the requests table. Inference and
   embedding lines of a project the requests table never saw cannot be placed.
5. anything else is `unallocated`, with its reason.
Each line's amount becomes integer cents so its month adds up to the cent
(rounding.bill_cents) and is split by largest remainder (rounding.split_cents), in the
billing currency and again in the reporting currency.
"""

from __future__ import annotations

import polars as pl

from finops.errors import CurrencyError
from finops.schema import AllocationDriver, CostSource, Provenance
from finops.models.cogs.rules import DEFAULT_DRIVERS, DRIVERS, REQUEST_DRIVERS, UNALLOCATED, CogsRules
from finops.models.cogs.fx import Rates, rate_date_expr
from finops.models.cogs.rounding import bill_cents, split_cents
from finops.models.cogs.weights import window_weights

PROJECT_SCOPED = (CostSource.INFERENCE, CostSource.EMBEDDINGS)  # usage of one project's keys
# Cents are rounded along a running total per month and currency, lines ordered bill by
# bill, so a month's lines add up to its rounded total exactly and each bill (source,
# invoice) stays within a cent of its own sum.
ROUNDING_GROUP = ["BillingCurrency", "month"]
LINE_ORDER = ["x_Source", "InvoiceId", "ChargePeriodStart", "x_LineId"]
TARGET = ["feature", "project_id"]
PART_SCHEMA = pl.Schema(
    {
        "__line": pl.Int64, "feature": pl.String, "project_id": pl.String, "weight": pl.Float64,
        "method": pl.String, "driver": pl.String, "window": pl.String, "reason": pl.String,
    }
)
KEEP = [
    "__line", "month", "x_Source", "x_LineId", "InvoiceId", "ServiceProviderName", "x_CostSource", "SubAccountId",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeDescription", "x_Model", "x_TokenClass", "x_Provenance",
    "BillingCurrency", "amount", "cents", "fx_rate", "reporting_cents",
]


def cost_amount(cost_column: str) -> pl.Expr:
    """The amount COGS allocates: EffectiveCost (BilledCost where a line has none), or BilledCost."""
    if cost_column == "EffectiveCost":
        return pl.coalesce(pl.col("EffectiveCost"), pl.col("BilledCost"))
    return pl.col(cost_column)


def prepare_lines(lines: pl.DataFrame, rules: CogsRules, rates: Rates, currency: str) -> pl.DataFrame:
    """Cost lines with month, bill, integer cents and reporting-currency cents (dated rates)."""
    df = lines.with_columns(
        cost_amount(rules.cost_column).alias("amount"),
        pl.col("BillingCurrency").str.strip_chars().str.to_uppercase(),
        pl.col("ChargePeriodStart").dt.strftime("%Y-%m").alias("month"),
        pl.col("InvoiceId").fill_null(""),
        pl.col("x_Source").fill_null(""),
        pl.col("SubAccountId").fill_null(""),
        pl.col("x_Feature").fill_null(""),
        rate_date_expr().alias("rate_date"),
    )
    no_currency = df.filter(pl.col("BillingCurrency").fill_null("") == "")
    if no_currency.height:
        row = no_currency.row(0, named=True)
        raise CurrencyError(f"cost line {row['x_Source']}/{row['x_LineId']}: no BillingCurrency; cannot convert")
    needs = df.select(pl.col("BillingCurrency").alias("currency"), "rate_date").unique()
    fx = rates.rates_for(needs, currency)
    df = df.join(fx, left_on=["BillingCurrency", "rate_date"], right_on=["currency", "rate_date"], how="left")
    df = df.with_columns((pl.col("amount") * pl.col("fx_rate")).alias("reporting_amount"))
    df = bill_cents(df, "amount", ROUNDING_GROUP, LINE_ORDER, "cents")
    # Same grouping in the reporting currency: a line billed in it keeps its exact cents,
    # and each currency's month converts to the cent.
    df = bill_cents(df, "reporting_amount", ROUNDING_GROUP, LINE_ORDER, "reporting_cents")
    return df.with_row_index("__line").with_columns(pl.col("__line").cast(pl.Int64))


def _driver_expr(rules: CogsRules) -> pl.Expr:
    configured = pl.col("x_CostSource").replace_strict(rules.drivers, default=None, return_dtype=pl.String)
    on_line = pl.when(pl.col("x_AllocationDriver").is_in(list(DRIVERS))).then(pl.col("x_AllocationDriver"))
    default = pl.col("x_CostSource").replace_strict(DEFAULT_DRIVERS, default=None, return_dtype=pl.String)
    return pl.coalesce(configured, on_line, default)


def _resolve(df: pl.DataFrame, rules: CogsRules, logged: set[str]) -> pl.DataFrame:
    """Add method, driver, scope (project or null = all) and reason to each line."""
    account = pl.col("SubAccountId")
    mapped = account.replace_strict(rules.features, default=None, return_dtype=pl.String)
    driver = pl.col("driver")
    is_logged = account.is_in(list(logged))
    df = df.with_columns(_driver_expr(rules).alias("driver"), mapped.alias("__mapped"))
    method = (
        pl.when(pl.col("amount").is_null()).then(pl.lit(UNALLOCATED))
        .when(pl.col("x_Feature") != "").then(pl.lit("direct"))
        .when(pl.col("__mapped").is_not_null()).then(pl.lit("mapped"))
        .when(pl.col("x_CostSource").is_null()).then(pl.lit(UNALLOCATED))
        .when(driver.is_null()).then(pl.lit(UNALLOCATED))
        .when(driver == AllocationDriver.FIXED).then(pl.lit("fixed"))
        .when(pl.col("x_CostSource").is_in(PROJECT_SCOPED) & (account != "") & ~is_logged).then(pl.lit(UNALLOCATED))
        .otherwise(pl.lit("driver"))
    )
    reason = (
        pl.when(pl.col("amount").is_null()).then(pl.lit("line has no amount in the cost column"))
        .when(pl.col("x_CostSource").is_null()).then(pl.lit("line has no x_CostSource"))
        .when(driver.is_null()).then(pl.format("no driver for cost source '{}'; set [cogs.drivers]", "x_CostSource"))
        .otherwise(pl.format(
            "no logged requests for project {}; map it in [cogs.features] or log its traffic", "SubAccountId"
        ))
    )
    scope = pl.when(driver.is_in(list(REQUEST_DRIVERS)) & is_logged).then(account)
    return df.with_columns(method.alias("method")).with_columns(
        pl.when(pl.col("method") == UNALLOCATED).then(reason).alias("reason"),
        pl.when(pl.col("method") == "driver").then(scope).alias("scope"),
    )


def _single_parts(df: pl.DataFrame) -> pl.DataFrame:
    """Parts for lines that go whole to one target: direct, mapped and unallocated lines."""
    single = df.filter(pl.col("method").is_in(["direct", "mapped", UNALLOCATED]))
    feature = (
        pl.when(pl.col("method") == "direct").then(pl.col("x_Feature"))
        .when(pl.col("method") == "mapped").then(pl.col("__mapped"))
        .otherwise(pl.lit(UNALLOCATED))
    )
    return single.select(
        "__line", feature.alias("feature"), pl.col("SubAccountId").alias("project_id"), pl.lit(1.0).alias("weight"),
        "method", pl.when(pl.col("method") == UNALLOCATED).then(pl.col("driver")).otherwise(pl.lit("direct")).alias("driver"),
        pl.lit(None, pl.String).alias("window"), "reason",
    )


def _fixed_parts(df: pl.DataFrame, rules: CogsRules) -> pl.DataFrame:
    lines = df.filter(pl.col("method") == "fixed")
    rows = [(s, f, w) for s, shares in rules.fixed_shares.items() for f, w in shares.items()]
    shares = pl.DataFrame(rows, schema={"x_CostSource": pl.String, "feature": pl.String, "weight": pl.Float64}, orient="row")
    parts = lines.join(shares, on="x_CostSource", how="left")
    missing = parts.filter(pl.col("feature").is_null()).select(
        "__line", pl.lit(UNALLOCATED).alias("feature"), pl.col("SubAccountId").alias("project_id"),
        pl.lit(1.0).alias("weight"), pl.lit(UNALLOCATED).alias("method"), pl.lit("fixed").alias("driver"),
        pl.lit(None, pl.String).alias("window"),
        pl.format("driver is fixed but [cogs.fixed_shares.{}] is missing", "x_CostSource").alias("reason"),
    )
    found = parts.filter(pl.col("feature").is_not_null()).select(
        "__line", "feature", pl.lit("").alias("project_id"), "weight", pl.lit("fixed").alias("method"),
        pl.lit("fixed").alias("driver"), pl.lit(None, pl.String).alias("window"), pl.lit(None, pl.String).alias("reason"),
    )
    return pl.concat([found, missing])


def _driver_parts(df: pl.DataFrame, drivers: pl.DataFrame) -> pl.DataFrame:
    lines = df.filter(pl.col("method") == "driver").select("__line", "driver", "scope", "ChargePeriodStart", "ChargePeriodEnd", "month")
    weights = window_weights(lines, drivers)
    parts = lines.select("__line").join(weights, on="__line", how="left")
    placed = parts.filter(pl.col("feature").is_not_null())
    untagged = pl.col("feature") == ""
    placed = placed.select(
        "__line", pl.when(untagged).then(pl.lit(UNALLOCATED)).otherwise(pl.col("feature")).alias("feature"),
        "project_id", "weight",
        pl.when(untagged).then(pl.lit(UNALLOCATED)).otherwise(pl.lit("driver")).alias("method"),
        pl.col("driver_used").alias("driver"), "window",
        pl.when(untagged).then(pl.lit("requests without a feature tag")).alias("reason"),
    )
    unplaced = parts.filter(pl.col("feature").is_null()).join(lines, on="__line").select(
        "__line", pl.lit(UNALLOCATED).alias("feature"), pl.coalesce("scope", pl.lit("")).alias("project_id"),
        pl.lit(1.0).alias("weight"), pl.lit(UNALLOCATED).alias("method"), "driver", pl.lit(None, pl.String).alias("window"),
        pl.format("no {} recorded for {} in {}", "driver",
                  pl.when(pl.col("scope").is_null()).then(pl.lit("any feature")).otherwise(pl.format("project {}", "scope")),
                  "month").alias("reason"),
    )
    return pl.concat([placed, unplaced])


def allocate(lines: pl.DataFrame, drivers: pl.DataFrame, rules: CogsRules, rates: Rates, currency: str) -> pl.DataFrame:
    """One row per (cost line, target) with integer cents in both currencies; nothing dropped.

    `drivers` is the long driver table (models.cogs.drivers) covering the lines' months.
    """
    df = prepare_lines(lines, rules, rates, currency)
    from_requests = pl.col("driver").is_in(list(REQUEST_DRIVERS)) & (pl.col("project_id") != "")
    logged = set(drivers.filter(from_requests)["project_id"].unique().to_list())
    df = _resolve(df, rules, logged)
    parts = pl.concat([
        p.cast({k: v for k, v in PART_SCHEMA.items()}) for p in (_single_parts(df), _fixed_parts(df, rules), _driver_parts(df, drivers))
    ])
    out = parts.join(df.select(KEEP), on="__line", how="left")
    out = split_cents(out, ["__line"], "cents", "weight", TARGET, "cents")
    out = split_cents(out, ["__line"], "reporting_cents", "weight", TARGET, "reporting_cents")
    split = pl.col("weight").count().over("__line") > 1
    return out.with_columns(
        pl.when(split).then(pl.lit(Provenance.ESTIMATED)).otherwise(pl.col("x_Provenance")).alias("provenance"),
        (pl.col("weight") / pl.col("weight").sum().over("__line")).alias("share"),
        pl.lit(currency.upper()).alias("reporting_currency"),
    ).drop("weight").sort("__line", "feature", "project_id")
