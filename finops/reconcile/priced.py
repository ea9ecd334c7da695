"""Grain rows with their prices: catalog dollars, billed dollars from the cost lines, noise.

- Billed usage is priced row by row at the catalog (tier-aware: batch, long context)
  before it is summed to the grain, so `billed_usd_at_catalog` is what the catalog says
  the metered tokens cost; `usd_per_million` is that blended rate (the standard rate in
  force for rows with nothing billed) and values the delta.
- Billed dollars come from the cost lines, a cell per (day, provider, project, billed
  model, class, tier the line states); a cell's dollars are shared among its usage rows
  (per grain row and tier) by their catalog dollars (a batch token weighs half a standard
  one where the catalog says so), so a cell mixing batch and standard traffic does not
  price standard tokens at a blended rate. A line that states its tier (Anthropic's
  standard/batch, OpenAI's "priority | ...") takes only that tier's usage; usage of a tier
  with no line (Anthropic Priority Tier, billed as a commitment) takes no cell's dollars.
  Causes are priced at the rate really paid for the row's interactive (non-batch) tokens
  where there is one, else at the catalog.
"""

from __future__ import annotations

import polars as pl

from finops.reconcile.frames import GRAIN, joined, tier_key
from finops.reconcile.thresholds import MAD_TO_SD
from finops.models.pricing.lookup import BATCH_TIERS, price, resolve_models
from finops.models.pricing.package import package_aliases, package_identities, provider_fallbacks
from finops.models.pricing.resolve import link
from finops.models.money import money_sum

SERIES = ["provider", "project_id", "api_key_id", "model", "token_class"]
CELL = ["day", "provider", "project_id", "cost_model", "token_class"]
TIER_CELL = [*CELL, "cell_tier"]


def align_models(fine: pl.DataFrame, brows: pl.DataFrame, catalog: pl.DataFrame | None = None) -> pl.DataFrame:
    """Rename a logged alias (gpt-4.1) to the snapshot billed that day (gpt-4.1-2025-04-14): the billed
    name of the same model (one model resolver) on that day and project; names billed as logged stay."""
    at = ["day", "provider", "project_id"]
    billed = brows.select(*at, "model").unique()
    logged = fine.select(*at, "model").unique()
    missing = logged.join(billed, on=[*at, "model"], how="anti")
    if missing.height == 0:
        return fine
    known = (catalog if catalog is not None else package_identities()).select("provider", "model")
    alias = link(missing, billed, known, package_aliases(), provider_fallbacks(), on=("day", "project_id")).drop_nulls("right_model")
    if alias.height == 0:
        return fine
    return fine.join(alias.rename({"right_model": "billed_model"}), on=[*at, "model"], how="left").with_columns(
        pl.coalesce("billed_model", "model").alias("model")).drop("billed_model")


def _money_sum(tokens: str, rate: str) -> pl.Expr:
    return pl.when(pl.col(rate).is_null().any()).then(None).otherwise(money_sum(pl.col(tokens) * pl.col(rate) / 1e6))


def _sum_or_null(col: str) -> pl.Expr:
    """A sum over the rows that have a value; null when none has."""
    return pl.when(pl.col(col).is_not_null().any()).then(money_sum(pl.col(col)))


def _cell_of_tier(rows: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """Each usage row's cost cell: the cell of its own tier where the bill has one, else the
    cell that names no tier, else none (Anthropic Priority Tier usage has no cost-report line)."""
    tiers = cells.select(*CELL, "cell_tier").unique()
    own = tiers.filter(pl.col("cell_tier") != "").select(*CELL, pl.col("cell_tier").alias("tier"), pl.lit(True).alias("_own"))
    anyt = tiers.filter(pl.col("cell_tier") == "").select(*CELL, pl.lit(True).alias("_any"))
    return rows.join(own, on=[*CELL, "tier"], how="left").join(anyt, on=CELL, how="left").with_columns(
        pl.when(pl.col("_own").fill_null(False)).then(pl.col("tier"))
        .when(pl.col("_any").fill_null(False)).then(pl.lit("")).alias("cell_tier")
    ).drop("_own", "_any")


def price_cells(brows: pl.DataFrame, cells: pl.DataFrame, catalog: pl.DataFrame, models: pl.DataFrame) -> pl.DataFrame:
    """Billed usage per grain row and tier with its catalog dollars and the dollars its cost cell bills.

    A cell's dollars go to its usage rows in proportion to their catalog dollars (tier-aware:
    a batch or flex token weighs its own price), so the billed/catalog ratio of the cell
    prices each row; a cell with an unpriced row falls back to dollars per metered token.
    `models` maps (provider, model) to the cost lines' name (`cost_model`).
    """
    rows = price(brows, catalog).with_columns(
        tier_key(pl.col("service_tier")).alias("tier"),
        (pl.col("billed") * pl.col("usd_per_million") / 1e6).alias("catalog_usd"),
    ).join(models, on=["provider", "model"], how="left")
    rows = _cell_of_tier(rows, cells)
    in_cell = rows.filter(pl.col("cell_tier").is_not_null())
    agg = in_cell.group_by(TIER_CELL).agg(
        pl.col("billed").sum().alias("cell_tokens"),
        pl.when(pl.col("catalog_usd").is_null().any()).then(None).otherwise(money_sum(pl.col("catalog_usd"))).alias("cell_catalog_usd"),
    ).join(cells, on=TIER_CELL, how="left").with_columns(
        pl.when(pl.col("cell_catalog_usd") > 0).then(pl.col("cell_billed_usd") / pl.col("cell_catalog_usd")).alias("ratio"),
        pl.when(pl.col("cell_tokens") > 0).then(pl.col("cell_billed_usd") / pl.col("cell_tokens") * 1e6).alias("per_token"),
    )
    return rows.join(agg.select(*TIER_CELL, "ratio", "per_token"), on=TIER_CELL, how="left").with_columns(
        pl.when(pl.col("ratio").is_not_null()).then(pl.col("ratio") * pl.col("catalog_usd"))
        .otherwise(pl.col("billed") * pl.col("per_token") / 1e6).alias("billed_usd"),
    )


def default_cells(cells: pl.DataFrame, tier_rows: pl.DataFrame) -> pl.DataFrame:
    """Per cell key, the billed/catalog ratio (or dollars per token) of its standard-tier cell
    ("standard", else the cell naming no tier): what a token the bill does not have would cost."""
    agg = tier_rows.filter(pl.col("cell_tier").is_in(["standard", ""])).group_by(TIER_CELL).agg(
        pl.col("billed").sum().alias("t"),
        pl.when(pl.col("catalog_usd").is_null().any()).then(None).otherwise(money_sum(pl.col("catalog_usd"))).alias("c"))
    return (cells.filter(pl.col("cell_tier").is_in(["standard", ""])).join(agg, on=TIER_CELL, how="left")
            .with_columns(pl.when(pl.col("c") > 0).then(pl.col("cell_billed_usd") / pl.col("c")).alias("cell_ratio"),
                          pl.when(pl.col("t") > 0).then(pl.col("cell_billed_usd") / pl.col("t") * 1e6).alias("cell_per_token"))
            .sort(pl.col("cell_tier") != "standard").unique(subset=CELL, keep="first", maintain_order=True)
            .select(*CELL, "cell_ratio", "cell_per_token"))


def price_groups(brows: pl.DataFrame, local: pl.DataFrame, cells: pl.DataFrame, catalog: pl.DataFrame
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Join both sides per grain row and add catalog and billed prices and dollars.

    Returns the grain rows and the billed usage per grain row and tier (`price_cells`), which
    the price comparison and join coverage read per cost cell.
    """
    billed_models = cells.select("provider", pl.col("cost_model").alias("model")).unique()
    pairs = pl.concat([brows.select("provider", "model"), local.select("provider", "model")]).unique()
    # Cost lines name models their own way (a snapshot, a display name such as "Claude Sonnet 4"):
    # a line takes a usage model's tokens only when both resolve to the same catalog model
    # (claude-sonnet-4 lines never take claude-sonnet-4-5 usage), by the one model resolver.
    to_cost = link(pairs, billed_models, catalog.select("provider", "model"), package_aliases(), provider_fallbacks()).select(
        "provider", "model", pl.col("right_model").alias("cost_model"))
    tier_rows = price_cells(brows, cells, catalog, to_cost)
    interactive = ~pl.col("tier").is_in(list(BATCH_TIERS))
    dollared = pl.col("billed_usd").is_not_null()
    billed = tier_rows.group_by(GRAIN).agg(
        pl.col("billed").sum(),
        _money_sum("billed", "usd_per_million").alias("billed_usd_at_catalog"),
        pl.col("price_row_id").drop_nulls().unique().sort().str.join(",").alias("billed_rows"),
        pl.col("usd_per_million").is_null().any().alias("billed_unpriced"),
        _sum_or_null("billed_usd").alias("billed_usd"),
        # the catalog dollars of the rows a cost cell bills, so billed - catalog compares like with like
        pl.when(pl.col("catalog_usd").filter(dollared).is_null().any()).then(None)
        .otherwise(money_sum(pl.col("catalog_usd").filter(dollared))).alias("_dollared_catalog"),
        # the rate a token of this row really cost: the interactive tiers' (a retried or unlogged
        # token is not a batch token), else whatever the row was billed at
        money_sum(pl.col("billed_usd").filter(dollared & interactive)).alias("_iu"),
        pl.col("billed").filter(dollared & interactive).sum().alias("_it"),
        money_sum(pl.col("billed_usd").filter(dollared)).alias("_au"),
        pl.col("billed").filter(dollared).sum().alias("_at"),
    )
    g = joined(local, billed)
    std = price(g.select(GRAIN), catalog).select(*GRAIN, pl.col("usd_per_million").alias("std_rate"), pl.col("price_row_id").alias("std_row"))
    has_billed = pl.col("billed") > 0
    g = g.join(std, on=GRAIN, how="left").with_columns(
        pl.when(has_billed).then(pl.col("billed_usd_at_catalog")).otherwise(0.0).alias("billed_usd_at_catalog"),
        pl.when(has_billed & ~pl.col("billed_unpriced").fill_null(False)).then(pl.col("billed_usd_at_catalog") / pl.col("billed") * 1e6)
        .when(has_billed).then(None).otherwise(pl.col("std_rate")).alias("usd_per_million"),
        pl.when(has_billed & ~pl.col("billed_unpriced").fill_null(False)).then(pl.col("billed_rows"))
        .when(has_billed).then(None).otherwise(pl.col("std_row")).alias("price_row_id"),
    ).drop("std_row", "billed_rows", "billed_unpriced")

    to_catalog = resolve_models(g["model"], g["provider"], catalog).select("provider", "model", "catalog_model")
    g = g.join(to_catalog, on=["provider", "model"], how="left").join(to_cost, on=["provider", "model"], how="left")
    # A row with no billed dollars (nothing billed, or only usage no cost line bills) is priced
    # at the standard rate times its cell's billed/catalog ratio.
    g = g.join(default_cells(cells, tier_rows), on=CELL, how="left").with_columns(
        pl.when(pl.col("_it").fill_null(0) > 0).then(pl.col("_iu") / pl.col("_it") * 1e6)
        .when(pl.col("_at").fill_null(0) > 0).then(pl.col("_au") / pl.col("_at") * 1e6)
        .when(pl.col("cell_ratio").is_not_null()).then(pl.col("cell_ratio") * pl.col("std_rate"))
        .otherwise(pl.col("cell_per_token")).alias("billed_rate"),
    ).with_columns(
        pl.coalesce("billed_rate", "usd_per_million").alias("rate"),
    )
    g = g.with_columns(
        pl.when(has_billed).then(pl.col("billed_usd")).otherwise(0.0).alias("billed_usd"),
        pl.when(has_billed).then(pl.col("_dollared_catalog")).otherwise(0.0).alias("_dollared_catalog"),
    ).with_columns(
        (pl.col("delta") * pl.col("usd_per_million") / 1e6).alias("delta_usd"),
        pl.when(pl.col("local") != 0).then(pl.col("delta") / pl.col("local") * 100).alias("delta_pct"),
        (pl.col("billed_usd") - pl.col("_dollared_catalog")).alias("price_diff_usd"),
    ).drop("std_rate", "cell_ratio", "cell_per_token", "_dollared_catalog", "_iu", "_it", "_au", "_at")
    return g, tier_rows


def noise_by_series(groups: pl.DataFrame) -> pl.DataFrame:
    """Robust spread (1.4826 x MAD) of each series' daily relative difference, where both sides have tokens."""
    both = groups.filter((pl.col("local") > 0) & (pl.col("billed") > 0)).with_columns(
        (pl.col("delta") / pl.max_horizontal("local", "billed")).alias("rel"))
    centered = both.with_columns((pl.col("rel") - pl.col("rel").median().over(SERIES)).abs().alias("dev"))
    return centered.group_by(SERIES).agg((pl.col("dev").median() * MAD_TO_SD).alias("noise"))
