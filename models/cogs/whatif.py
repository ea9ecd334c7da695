"""What-if against real history: reprice a month's allocated inference under a changed assumption.

Three scenarios, each on the inference lines allocated to a feature in one month:
- `MoveModel`: the feature's chat tokens go to another model (same token counts, each
  class priced at the target's catalog price on the day; a class the target does not
  sell becomes uncached input, reasoning becomes output).
- `CacheHitRate`: a share h of the feature's non-write input tokens is read from cache.
- `PriceChange`: one (model, token class) costs a different USD price per million.
Token quantities are the metered ones (billed_usage) times the feature's share of the
line; where no metered row matches a line, the quantity is estimated from the billed
amount at the catalog price. Lines a scenario touches are replaced by their repriced
cost; everything else stays at its billed, allocated amount, so the actual column is
exactly what the store holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from finops.errors import InputError
from finops.schema import CostSource
from finops.models.cogs import prices
from finops.models.cogs.fx import Rates
from finops.models.money import money_sum

CHAT_CLASSES = ("input_uncached", "input_cache_read", "input_cache_write_5m", "input_cache_write_1h", "output", "reasoning")
KEYS = ["day", "provider", "project_id", "base_model", "token_class"]


@dataclass(frozen=True)
class MoveModel:
    feature: str
    to_model: str
    from_model: str | None = None  # only move this (base) model's tokens

    def describe(self) -> str:
        src = f" from {self.from_model}" if self.from_model else ""
        return f"move {self.feature}{src} to {self.to_model}"


@dataclass(frozen=True)
class CacheHitRate:
    feature: str
    rate: float  # share of (uncached + cache-read) input tokens read from cache
    model: str | None = None

    def describe(self) -> str:
        return f"{self.feature}: cache hit rate {self.rate:.0%}"


@dataclass(frozen=True)
class PriceChange:
    model: str  # catalog base model
    token_class: str
    usd_per_million: float
    feature: str | None = None  # None: every feature using the model

    def describe(self) -> str:
        return f"{self.model} {self.token_class} at ${self.usd_per_million:g}/M"


Scenario = MoveModel | CacheHitRate | PriceChange


def inference_parts(alloc: pl.DataFrame, usage: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """The allocated inference parts with base model, class and the feature's token quantity."""
    parts = alloc.filter(pl.col("x_CostSource").is_in([CostSource.INFERENCE, CostSource.EMBEDDINGS])).with_columns(
        pl.col("ChargePeriodStart").dt.date().alias("day"),
        pl.col("ServiceProviderName").fill_null("").str.to_lowercase().alias("provider"),
        pl.col("x_TokenClass").alias("token_class"),
        pl.col("SubAccountId").alias("line_project"),
    )
    parts = prices.with_base_model(parts, catalog, "provider", "x_Model", "base_model")
    metered = prices.with_base_model(usage, catalog, "provider", "model", "base_model").group_by(
        pl.col("charge_period_start").dt.date().alias("day"), "provider", pl.col("project_id").alias("line_project"),
        "base_model", "token_class",
    ).agg(pl.col("quantity").sum().cast(pl.Float64).alias("metered"))
    parts = parts.join(metered, on=["day", "provider", "line_project", "base_model", "token_class"], how="left")
    parts = prices.with_price(parts, catalog, "provider", "base_model", "token_class", "day", "catalog_usd_per_million")
    estimated = pl.col("amount") * pl.col("share") / pl.col("catalog_usd_per_million") * 1e6
    usd = pl.col("BillingCurrency") == "USD"
    return parts.with_columns(
        pl.coalesce(pl.col("metered") * pl.col("share"), pl.when(usd).then(estimated)).alias("tokens"),
        pl.when(pl.col("metered").is_not_null()).then(pl.lit("metered")).otherwise(pl.lit("estimated")).alias("tokens_from"),
    )


def _move(parts: pl.DataFrame, s: MoveModel, catalog: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    target = catalog.filter(pl.col("model") == s.to_model)
    if target.height == 0:
        raise InputError(f"what-if: model {s.to_model!r} is not in the price catalog (models/pricing/catalog.csv)")
    provider = target["provider"][0]
    sells = prices.classes_of(provider, s.to_model, catalog)
    hit = (pl.col("feature") == s.feature) & pl.col("token_class").is_in(CHAT_CLASSES)
    if s.from_model:
        hit &= pl.col("base_model") == s.from_model
    hit &= ~((pl.col("base_model") == s.to_model) & (pl.col("provider") == provider))
    affected = parts.filter(hit)

    def mapped(cls: str) -> str:
        cls = "output" if cls == "reasoning" else cls
        return cls if cls in sells else "input_uncached"

    new = affected.with_columns(
        pl.lit(provider).alias("provider"), pl.lit(s.to_model).alias("base_model"),
        pl.col("token_class").replace_strict({c: mapped(c) for c in CHAT_CLASSES}, return_dtype=pl.String),
    )
    return affected, new


def _cache(parts: pl.DataFrame, s: CacheHitRate, catalog: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    if not 0.0 <= s.rate <= 1.0:
        raise InputError(f"what-if: cache hit rate must be between 0 and 1, got {s.rate}")
    hit = (pl.col("feature") == s.feature) & pl.col("token_class").is_in(["input_uncached", "input_cache_read"])
    if s.model:
        hit &= pl.col("base_model") == s.model
    affected = parts.filter(hit)
    group = ["day", "provider", "project_id", "base_model", "feature"]
    pooled = affected.group_by(group).agg(pl.col("tokens").sum())
    new = pl.concat([
        pooled.with_columns(pl.lit("input_cache_read").alias("token_class"), pl.col("tokens") * s.rate),
        pooled.with_columns(pl.lit("input_uncached").alias("token_class"), pl.col("tokens") * (1 - s.rate)),
    ])
    return affected, new


def _price(parts: pl.DataFrame, s: PriceChange, catalog: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    hit = (pl.col("base_model") == s.model) & (pl.col("token_class") == s.token_class)
    if s.feature:
        hit &= pl.col("feature") == s.feature
    affected = parts.filter(hit)
    return affected, affected.with_columns(pl.lit(s.usd_per_million).alias("usd_per_million"))


def _reprice(new: pl.DataFrame, rates: Rates, currency: str, catalog: pl.DataFrame) -> pl.DataFrame:
    """Add `scenario_cost` in the reporting currency (null when a needed price is missing)."""
    if "usd_per_million" not in new.columns:
        new = prices.with_price(new, catalog, "provider", "base_model", "token_class", "day", "usd_per_million")
    if new.height == 0:
        return new.with_columns(pl.lit(None, pl.Float64).alias("scenario_cost"))
    fx = rates.rates_for(new.select(pl.lit("USD").alias("currency"), pl.col("day").alias("rate_date")), currency)
    new = new.join(fx.select(pl.col("rate_date").alias("day"), "fx_rate"), on="day", how="left")
    return new.with_columns((pl.col("tokens") * pl.col("usd_per_million") / 1e6 * pl.col("fx_rate")).alias("scenario_cost"))


def what_if(
    alloc: pl.DataFrame, usage: pl.DataFrame, tasks: pl.DataFrame, scenario: Scenario, rates: Rates, currency: str,
    catalog: pl.DataFrame,
) -> pl.DataFrame:
    """Per affected feature of the month: actual vs scenario cost and cost per task, at `catalog` prices."""
    parts = inference_parts(alloc, usage, catalog)
    affected, new = {MoveModel: _move, CacheHitRate: _cache, PriceChange: _price}[type(scenario)](parts, scenario, catalog)  # type: ignore[operator]
    if affected.height == 0:
        raise InputError(f"what-if: no allocated inference matches '{scenario.describe()}' in this month")
    new = _reprice(new, rates, currency, catalog)
    missing = new.filter(pl.col("scenario_cost").is_null() & (pl.col("tokens").fill_null(0) != 0))
    unpriced = missing.select(pl.format("{} {} {}", "base_model", "token_class", "day")).to_series().head(1).to_list()
    features = affected["feature"].unique().sort().to_list()
    actual = alloc.filter(pl.col("feature").is_in(features)).group_by("month", "feature").agg(
        (pl.col("reporting_cents").sum() / 100).alias("actual_cost")
    )
    touched = affected.group_by("feature").agg(
        (pl.col("reporting_cents").sum() / 100).alias("affected_actual"),
        pl.col("tokens_from").unique().sort().str.join(",").alias("tokens_from"),
    )
    repriced = new.group_by("feature").agg(
        pl.when(pl.col("scenario_cost").is_null().any() & (pl.col("tokens").fill_null(0) != 0).any())
        .then(None).otherwise(money_sum(pl.col("scenario_cost"))).alias("affected_scenario")
    )
    out = (
        actual.join(touched, on="feature", how="left").join(repriced, on="feature", how="left")
        .join(tasks, on=["month", "feature"], how="left").with_columns(pl.col("tasks").fill_null(0))
        .with_columns((pl.col("actual_cost") - pl.col("affected_actual") + pl.col("affected_scenario")).alias("scenario_cost"))
    )
    per_task = pl.when(pl.col("tasks") > 0)
    return out.with_columns(
        (pl.col("scenario_cost") - pl.col("actual_cost")).alias("delta"),
        per_task.then(pl.col("actual_cost") / pl.col("tasks")).alias("actual_cost_per_task"),
        per_task.then(pl.col("scenario_cost") / pl.col("tasks")).alias("scenario_cost_per_task"),
        pl.lit(scenario.describe()).alias("scenario"),
        pl.lit(f"unpriced: {unpriced[0]}" if unpriced else None, pl.String).alias("note"),
        pl.lit(currency).alias("currency"),
    ).select(
        "month", "feature", "scenario", "tasks", "actual_cost", "scenario_cost", "delta", "actual_cost_per_task",
        "scenario_cost_per_task", "affected_actual", "affected_scenario", "tokens_from", "currency", "note",
    ).sort("feature")
