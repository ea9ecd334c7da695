"""Price mismatches: billed dollars against billed tokens at the catalog price in force.

A cost line is a cell (day, provider, project, model as billed, token class, and the tier
the line states: a tier's price difference is never a mismatch): OpenAI bills
per project and line item "model, kind" with the dated snapshot, Anthropic per workspace
and token type with the base model. Each cell's dollars are compared with the metered
tokens of the usage rows it covers, priced by the catalog (batch and long-context tiers
included). Cells off by more than `price_rel_tol` of the expected dollars plus
`price_abs_tol` are mismatches; they are grouped per provider, catalog model and token
class into day ranges, and a finding's dollars are the billed minus catalog dollars of
every cell of its projects in its range (small days inside a change count too).
"""

from __future__ import annotations

import polars as pl

from finops.models.money import money_sum, money_total
from finops.models.pricing.lookup import resolve_models
from finops.reconcile.findings import PROVENANCE_PRICES, Finding, fmt_int, fmt_list, with_ranges
from finops.reconcile.thresholds import Thresholds

CELL = ["day", "provider", "project_id", "cost_model", "token_class", "cell_tier"]


def compare_cells(tier_rows: pl.DataFrame, cells: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Per cost cell (its tier included): billed USD, metered tokens, the same tokens at catalog
    prices, the difference. `tier_rows`: the billed usage rows each cell bills (priced.price_cells)."""
    rows = tier_rows.filter(pl.col("cell_tier").is_not_null())
    names = resolve_models(rows["model"], rows["provider"], catalog).select("provider", "model", "catalog_model")
    expected = rows.join(names, on=["provider", "model"], how="left").group_by(CELL).agg(
        pl.col("billed").sum().alias("tokens"),
        pl.when(pl.col("catalog_usd").is_null().any()).then(None).otherwise(money_sum(pl.col("catalog_usd"))).alias("expected_usd"),
        pl.col("catalog_model").drop_nulls().first(),
        pl.col("price_row_id").drop_nulls().unique().sort().str.join(",").alias("price_rows"),
    )
    return cells.join(expected, on=CELL, how="inner").with_columns(
        (pl.col("cell_billed_usd") - pl.col("expected_usd")).alias("diff_usd"),
        pl.coalesce("catalog_model", "cost_model").alias("price_model"),
    )


def mismatches(compared: pl.DataFrame, th: Thresholds) -> list[Finding]:
    flagged = compared.filter(
        pl.col("expected_usd").is_not_null()
        & (pl.col("diff_usd").abs() > th.price_rel_tol * pl.col("expected_usd").abs() + th.price_abs_tol)
    )
    if flagged.height == 0:
        return []
    key = ["provider", "price_model", "token_class"]
    ranged = with_ranges(flagged, key, th.range_gap_days)
    findings = []
    for (provider, model, token_class, _), part in ranged.group_by([*key, "range_id"], maintain_order=True):
        start, end = part["day"].min(), part["day"].max()
        projects = sorted(part["project_id"].unique().to_list())
        cover = compared.filter(
            (pl.col("provider") == provider) & (pl.col("price_model") == model) & (pl.col("token_class") == token_class)
            & pl.col("project_id").is_in(projects) & pl.col("day").is_between(start, end) & pl.col("expected_usd").is_not_null()
        )
        tokens = int(cover["tokens"].sum())
        billed, expected = money_total(cover["cell_billed_usd"]), money_total(cover["expected_usd"])
        billed_rate = billed / tokens * 1e6 if tokens else None
        catalog_rate = expected / tokens * 1e6 if tokens else None
        rows = sorted({r for rs in cover["price_rows"].drop_nulls().to_list() for r in rs.split(",") if r})
        rates = (f"billed ${billed_rate:,.4g}/M vs catalog ${catalog_rate:,.4g}/M" if tokens else "billed dollars without metered tokens")
        findings.append(Finding(
            cause="price_mismatch", provider=str(provider), projects=projects, models=[str(model)], start=start, end=end,  # type: ignore[arg-type]
            days=part["day"].n_unique(), tokens={str(token_class): tokens}, dollar_impact=billed - expected,
            provenance=PROVENANCE_PRICES,
            evidence=(f"{rates} for {token_class} ({fmt_list(rows)}) on {part['day'].n_unique()} day(s) in "
                      f"{len(projects)} project(s), {fmt_int(tokens)} tokens: update the catalog or add a negotiated override"),
            details={"token_class": token_class, "billed_usd": billed, "catalog_usd": expected, "billed_usd_per_million": billed_rate,
                     "catalog_usd_per_million": catalog_rate, "price_rows": rows, "cells_flagged": part.height},
        ))
    return findings
