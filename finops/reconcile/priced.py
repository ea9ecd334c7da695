"""Grain rows with their prices: catalog dollars, billed dollars from the cost lines, noise.

- Billed usage is priced row by row at the catalog (tier-aware: batch, long context)
  before it is summed to the grain, so `billed_usd_at_catalog` is what the catalog says
  the metered tokens cost; `usd_per_million` is that blended rate (the standard rate in
  force for rows with nothing billed) and values the delta.
- Billed dollars come from the cost lines, a cell per (day, provider, project, billed
  model, class); a cell's dollars are shared among its grain rows by their catalog
  dollars (a batch token weighs half a standard one where the catalog says so), so a cell
  mixing batch and standard traffic does not price standard tokens at a blended rate. Causes are priced at that rate
  where there is one (the dollars really paid), else at the catalog.
"""

from __future__ import annotations

import polars as pl

from finops.reconcile.frames import GRAIN, joined
from finops.reconcile.thresholds import MAD_TO_SD
from finops.models.pricing.lookup import BATCH_TIERS, price, resolve_models
from finops.models.pricing.package import package_identities
from finops.models.pricing.resolve import link

SERIES = ["provider", "project_id", "api_key_id", "model", "token_class"]
CELL = ["day", "provider", "project_id", "cost_model", "token_class"]


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
    alias = link(missing, billed, known, on=("day", "project_id")).drop_nulls("right_model")
    if alias.height == 0:
        return fine
    return fine.join(alias.rename({"right_model": "billed_model"}), on=[*at, "model"], how="left").with_columns(
        pl.coalesce("billed_model", "model").alias("model")).drop("billed_model")


def _money_sum(tokens: str, rate: str) -> pl.Expr:
    return pl.when(pl.col(rate).is_null().any()).then(None).otherwise((pl.col(tokens) * pl.col(rate) / 1e6).sum())


def price_groups(brows: pl.DataFrame, local: pl.DataFrame, cells: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Join both sides per grain row and add catalog and billed prices and dollars."""
    billed = price(brows, catalog).group_by(GRAIN).agg(
        pl.col("billed").sum(),
        pl.col("billed").filter(~pl.col("service_tier").is_in(list(BATCH_TIERS))).sum().alias("standard_billed"),
        _money_sum("billed", "usd_per_million").alias("billed_usd_at_catalog"),
        pl.col("price_row_id").drop_nulls().unique().sort().str.join(",").alias("billed_rows"),
        pl.col("usd_per_million").is_null().any().alias("billed_unpriced"),
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
    # Cost lines name models their own way (a snapshot, a display name such as "Claude Sonnet 4"):
    # a line takes a usage model's tokens only when both resolve to the same catalog model
    # (claude-sonnet-4 lines never take claude-sonnet-4-5 usage), by the one model resolver.
    billed_models = cells.select("provider", pl.col("cost_model").alias("model")).unique()
    to_cost = link(g.select("provider", "model"), billed_models, catalog.select("provider", "model")).select(
        "provider", "model", pl.col("right_model").alias("cost_model"))
    g = g.join(to_catalog, on=["provider", "model"], how="left").join(to_cost, on=["provider", "model"], how="left")
    # A cost cell's dollars go to its grain rows in proportion to their catalog dollars
    # (tier-aware: a batch token weighs its batch price), so the billed/catalog ratio of the
    # cell prices each row; a difference (unlogged, retried, evicted tokens) is standard
    # traffic at the standard rate times that ratio unless the row was billed only in batch.
    # Cells with an unpriced row fall back to dollars per metered token.
    cell_tokens = g.filter(pl.col("cost_model").is_not_null()).group_by(CELL).agg(
        pl.col("billed").sum().alias("cell_tokens"),
        pl.when(pl.col("billed_usd_at_catalog").is_null().any() | pl.col("std_rate").is_null().any()).then(None)
        .otherwise(pl.col("billed_usd_at_catalog").sum()).alias("cell_catalog_usd"),
    )
    catalog_rate = pl.when((pl.col("standard_billed").fill_null(0) > 0) | (pl.col("billed") == 0)).then(pl.col("std_rate")) \
        .otherwise(pl.col("usd_per_million"))
    g = g.join(cell_tokens, on=CELL, how="left").join(cells, on=CELL, how="left").with_columns(
        pl.when(pl.col("cell_catalog_usd") > 0).then(pl.col("cell_billed_usd") / pl.col("cell_catalog_usd")).alias("ratio"),
        pl.when(pl.col("cell_tokens") > 0).then(pl.col("cell_billed_usd") / pl.col("cell_tokens") * 1e6).alias("per_token"),
    ).with_columns(
        pl.when(pl.col("ratio").is_not_null()).then(pl.col("ratio") * pl.col("billed_usd_at_catalog"))
        .otherwise(pl.col("billed") * pl.col("per_token") / 1e6).alias("billed_usd"),
        pl.when(pl.col("ratio").is_not_null()).then(pl.col("ratio") * catalog_rate)
        .otherwise(pl.col("per_token")).alias("billed_rate"),
    ).with_columns(
        pl.coalesce("billed_rate", "usd_per_million").alias("rate"),
    ).drop("ratio", "per_token", "cell_catalog_usd", "std_rate", "standard_billed")
    return g.with_columns(
        (pl.col("delta") * pl.col("usd_per_million") / 1e6).alias("delta_usd"),
        pl.when(pl.col("local") != 0).then(pl.col("delta") / pl.col("local") * 100).alias("delta_pct"),
        (pl.col("billed_usd") - pl.col("billed_usd_at_catalog")).alias("price_diff_usd"),
    ).drop("cell_tokens", "cell_billed_usd")


def noise_by_series(groups: pl.DataFrame) -> pl.DataFrame:
    """Robust spread (1.4826 x MAD) of each series' daily relative difference, where both sides have tokens."""
    both = groups.filter((pl.col("local") > 0) & (pl.col("billed") > 0)).with_columns(
        (pl.col("delta") / pl.max_horizontal("local", "billed")).alias("rel"))
    centered = both.with_columns((pl.col("rel") - pl.col("rel").median().over(SERIES)).abs().alias("dev"))
    return centered.group_by(SERIES).agg((pl.col("dev").median() * MAD_TO_SD).alias("noise"))
