"""The two sides of reconciliation at one grain: local and billed tokens per UTC day.

Grain: (day, provider, model, project_id, api_key_id, token_class). The request log is
read once (one streaming group-by); everything after works on its daily aggregate.

Local token classes follow the rule of finops/rollup.py and the provider parsers:
uncached input = input - cache reads - cache writes (OpenAI logs carry no cache writes
unless the provider reported them, which its usage API then bills as cache writes too);
an embedding model's input is `embedding`; output includes reasoning, which is billed as
output. API keys are compared where both sides know them; on a (day, provider, model,
project) where either side has no key, both sides are compared at project level.
"""

from __future__ import annotations

import polars as pl

from finops.models.pricing.lookup import STANDARD_TIERS
from finops.models.money import money_sum
from finops.rollup import RETRY_SUMS, TOKEN_SUMS, request_days, token_classes
from finops.schema import CostSource, is_provider_bill

GROUP = ["day", "provider", "model", "project_id", "api_key_id"]
GRAIN = [*GROUP, "token_class"]
LOCAL_CLASSES = ["input_uncached", "input_cache_read", "input_cache_write_5m", "input_cache_write_1h", "output", "embedding"]
INPUT_CLASSES = ["input_uncached", "input_cache_read", "input_cache_write_5m", "input_cache_write_1h", "embedding"]
RETRY_CLASSES = LOCAL_CLASSES
WRITE_UNKNOWN = "cache_write_unknown"  # cache writes whose log cannot tell 5m from 1h (counted in 5m until apportioned)
LOCAL_FROM = "local_from"  # which table a fine row came from: requests or request_days


def _utc_day(ts: str, schema: pl.Schema) -> pl.Expr:
    dtype = schema[ts]
    col = pl.col(ts)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone not in (None, "UTC"):
        col = col.dt.convert_time_zone("UTC")
    return col.dt.date()


def local_fine(requests: pl.LazyFrame, days: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Per UTC day, group, feature and language: local tokens by class, retry tokens, evidence counts.

    `requests` are raw request rows, rolled up here in one streaming group-by; `days` are
    rows already at that grain (the request_days table: the same rollup run in a warehouse,
    finops/sql/request_days.sql), used for the (day, provider) pairs the raw rows do not
    cover, so a day is never counted from both. Token classes come from the sums.
    """
    fine = request_days(requests)
    names = fine.collect_schema().names()
    fine = fine.with_columns(pl.lit("requests").alias(LOCAL_FROM))
    if days is not None:
        covered = fine.select("day", "provider").unique()
        present = days.collect_schema().names()
        # A rollup from before the 1-hour split was loaded: all its writes are of unknown TTL.
        if "cache_write_1h_unknown_tokens" not in present or "cache_write_1h_tokens" not in present:
            days = days.with_columns(pl.lit(None, pl.Int64).alias("cache_write_1h_tokens"),
                                     pl.col("cache_write_tokens").alias("cache_write_1h_unknown_tokens"))
        days = days.with_columns(pl.col(c).fill_null(0) for c in ("retry_cache_write_1h_tokens",) if c in present)
        if "retry_cache_write_1h_tokens" not in present:
            days = days.with_columns(pl.lit(0, pl.Int64).alias("retry_cache_write_1h_tokens"))
        rolled = days.select(names).join(covered, on=["day", "provider"], how="anti")
        fine = pl.concat([fine, rolled.with_columns(pl.lit("request_days").alias(LOCAL_FROM))])
    return fine.with_columns(*token_classes(), *token_classes("retry_")).drop(*TOKEN_SUMS, *RETRY_SUMS)


def local_coverage(fine: pl.DataFrame) -> dict[str, int]:
    """How many (day, provider) pairs the local side took from raw rows and from request_days."""
    counts = dict(fine.group_by(LOCAL_FROM).agg(pl.struct("day", "provider").n_unique().alias("n")).iter_rows())
    return {"local_provider_days_raw": int(counts.get("requests", 0)),
            "local_provider_days_rollup": int(counts.get("request_days", 0))}


def billed_rows(billed_usage: pl.LazyFrame) -> pl.LazyFrame:
    """Metered tokens per UTC day, group, class, service tier and context window."""
    return (
        billed_usage.filter(pl.col("unit") == "tokens")
        .with_columns(
            _utc_day("charge_period_start", billed_usage.collect_schema()).alias("day"),
            *[pl.col(c).fill_null("") for c in ("api_key_id", "project_id", "service_tier", "context_window")],
        )
        .group_by(*GRAIN, "service_tier", "context_window")
        .agg(pl.col("quantity").sum().alias("billed"))
    )


def billed_requests(billed_usage: pl.LazyFrame) -> pl.LazyFrame:
    """Metered request counts (OpenAI's num_model_requests) per group, for evidence."""
    return (
        billed_usage.filter(pl.col("token_class") == "requests")
        .with_columns(_utc_day("charge_period_start", billed_usage.collect_schema()).alias("day"),
                      pl.col("api_key_id").fill_null(""), pl.col("project_id").fill_null(""))
        .group_by(GROUP).agg(pl.col("quantity").sum().alias("billed_requests"))
    )


def unmapped_names(fine: pl.DataFrame, brows: pl.DataFrame, identity: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Logged project and key names that neither the identity map nor the bill knows.

    After the identity map a logged project or key should be a provider id; one that is
    neither an id the bill names in the period nor an id of the map is a join failure
    ("unmapped"), not a project or key of its own. Returns (provider, project_id) and
    (provider, api_key_id) frames of such names.
    """
    ids = identity.select("provider", "kind", "provider_id")
    out = []
    for kind, col in (("project", "project_id"), ("api_key", "api_key_id")):
        known = pl.concat([
            brows.select("provider", col),
            ids.filter(pl.col("kind") == kind).select("provider", pl.col("provider_id").alias(col)),
        ]).unique()
        logged = fine.select("provider", col).unique().filter(pl.col(col) != "")
        out.append(logged.join(known, on=["provider", col], how="anti").sort("provider", col))
    return out[0], out[1]


def key_scope(local: pl.DataFrame, billed: pl.DataFrame, unmapped_keys: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per (day, provider, model, project): whether the comparison can be made per API key.

    Per key when both sides name keys: usage the bill reports without a key (Anthropic
    Console) is then its own group, compared with logged rows that have no key. At project
    level when one side names no key at all (a log without keys, a bill not split by key)
    or when the log names a key that maps to no provider id (it cannot join any key).
    """
    group = ["day", "provider", "model", "project_id"]
    local = local.with_columns(pl.lit(False).alias("unmapped_key"))
    if unmapped_keys is not None and unmapped_keys.height:
        local = local.drop("unmapped_key").join(
            unmapped_keys.with_columns(pl.lit(True).alias("unmapped_key")), on=["provider", "api_key_id"], how="left"
        ).with_columns(pl.col("unmapped_key").fill_null(False))
    sides = [
        local.group_by(group).agg((pl.col("api_key_id") != "").any().alias("local_keys"), pl.col("unmapped_key").any().alias("bad")),
        billed.group_by(group).agg((pl.col("api_key_id") != "").any().alias("billed_keys")),
    ]
    both = sides[0].join(sides[1], on=group, how="full", coalesce=True)
    lk, bk = pl.col("local_keys"), pl.col("billed_keys")
    keyed = ~pl.col("bad").fill_null(False) & ~(lk.is_not_null() & bk.is_not_null() & (lk != bk))
    return both.select(*group, keyed.alias("keyed"))


def scope_keys(frame: pl.DataFrame, scope: pl.DataFrame) -> pl.DataFrame:
    """Blank the API key where the comparison happens at project level."""
    group = ["day", "provider", "model", "project_id"]
    return frame.join(scope, on=group, how="left").with_columns(
        pl.when(pl.col("keyed").fill_null(True)).then(pl.col("api_key_id")).otherwise(pl.lit("")).alias("api_key_id")
    ).drop("keyed")


def apportion_writes(local: pl.DataFrame, brows: pl.DataFrame) -> pl.DataFrame:
    """Where the log cannot tell 5-minute from 1-hour cache writes, split the group's writes
    as the bill split them, so the two classes are compared as one sum (5m + 1h)."""
    if local.filter(pl.col(WRITE_UNKNOWN) > 0).height == 0:
        return local
    billed = brows.filter(pl.col("token_class").is_in(["input_cache_write_5m", "input_cache_write_1h"])).group_by(GROUP).agg(
        pl.col("billed").filter(pl.col("token_class") == "input_cache_write_5m").sum().alias("_b5"),
        pl.col("billed").filter(pl.col("token_class") == "input_cache_write_1h").sum().alias("_b1"),
    )
    writes = pl.col("input_cache_write_5m") + pl.col("input_cache_write_1h")
    share = pl.col("_b5") / (pl.col("_b5") + pl.col("_b1"))
    split = (pl.col(WRITE_UNKNOWN) > 0) & ((pl.col("_b5") + pl.col("_b1")).fill_null(0) > 0)
    five = pl.when(split).then((writes * share).round(0).cast(pl.Int64)).otherwise(pl.col("input_cache_write_5m"))
    return local.join(billed, on=GROUP, how="left").with_columns(
        five.alias("_5m"), writes.alias("_w")
    ).with_columns(
        pl.col("_5m").alias("input_cache_write_5m"), (pl.col("_w") - pl.col("_5m")).alias("input_cache_write_1h"),
    ).drop("_b5", "_b1", "_5m", "_w")


def local_long(local_group: pl.DataFrame) -> pl.DataFrame:
    """Local tokens per grain row from the per-group aggregate."""
    return local_group.unpivot(index=GROUP, on=LOCAL_CLASSES, variable_name="token_class", value_name="local")


def retry_long(local_group: pl.DataFrame) -> pl.DataFrame:
    """Tokens of retried attempts per grain row (the best local evidence of what a broken attempt sent)."""
    cols = [f"retry_{c}" for c in RETRY_CLASSES]
    return local_group.unpivot(index=GROUP, on=cols, variable_name="token_class", value_name="retry_tokens").with_columns(
        pl.col("token_class").str.strip_prefix("retry_")
    ).filter(pl.col("retry_tokens") != 0)


def joined(local: pl.DataFrame, billed: pl.DataFrame) -> pl.DataFrame:
    """Local against billed per grain row; a side with no row counts as zero."""
    return (
        local.join(billed, on=GRAIN, how="full", coalesce=True)
        .with_columns(pl.col("local").fill_null(0), pl.col("billed").fill_null(0))
        .filter((pl.col("local") != 0) | (pl.col("billed") != 0))
        .with_columns((pl.col("billed") - pl.col("local")).alias("delta"))
    )


def tier_key(tier: pl.Expr) -> pl.Expr:
    """A service tier as cells and usage rows compare it: lower case, the standard names as "standard"."""
    t = tier.fill_null("").str.to_lowercase().str.strip_chars()
    return pl.when(t.is_in(STANDARD_TIERS)).then(pl.lit("standard")).otherwise(t)


# The tier a cost line states: Anthropic's cost report has `service_tier` (standard, batch),
# an OpenAI line item may name it ("priority | <model>, <kind>"); the parsers keep it in Tags.
LINE_TIER = r'"(?:anthropic|openai)/service_tier":\s*"([^"]*)"'


def cost_cells(cost_lines: pl.LazyFrame) -> pl.LazyFrame:
    """Billed USD per (day, provider, project, model as billed, token class, tier) from the cost lines.

    OpenAI bills per project and line item ("model, kind"), Anthropic per workspace and
    description/token type with the base model; the parsers put both in x_Model/x_TokenClass.
    `cell_tier` is the tier the line states (standard, batch, priority, flex, ...) or "" when
    it states none: such a cell covers the usage of every tier without a cell of its own.
    """
    stated = pl.col("Tags").str.extract(LINE_TIER, 1)
    return (
        cost_lines.filter(
            is_provider_bill() & pl.col("x_Model").is_not_null() & pl.col("x_TokenClass").is_not_null()
        )
        .with_columns(
            _utc_day("ChargePeriodStart", cost_lines.collect_schema()).alias("day"),
            pl.col("ServiceProviderName").str.to_lowercase().alias("provider"),
            pl.col("SubAccountId").fill_null("").alias("project_id"),
            pl.when(stated.is_null()).then(pl.lit("")).otherwise(tier_key(stated)).alias("cell_tier"),
        )
        .group_by("day", "provider", "project_id", pl.col("x_Model").alias("cost_model"), pl.col("x_TokenClass").alias("token_class"),
                  "cell_tier")
        .agg(money_sum(pl.col("BilledCost")).alias("cell_billed_usd"))
    )


def billed_total(cost_lines: pl.LazyFrame) -> pl.LazyFrame:
    """All billed AI dollars (inference and embeddings) per currency, with or without a model."""
    return (
        cost_lines.filter(pl.col("x_CostSource").fill_null(CostSource.INFERENCE).is_in(CostSource.PROVIDER_BILLS))
        .group_by(pl.col("BillingCurrency").str.to_uppercase().alias("currency"))
        .agg(money_sum(pl.col("BilledCost")).alias("billed"), pl.len().alias("lines"))
    )
