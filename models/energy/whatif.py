"""What if a month's traffic ran on another model or in another region: cost and carbon side by side.

The same requests, with the same token counts and cache hits, are re-estimated after
the move. A model move only moves traffic of the same kind (chat requests to a chat
model, embedding requests to an embedding model); the rest stays where it is. A move to
a provider without cache-write pricing (OpenAI) bills cache-write tokens as plain input,
which is how that provider counts them. A region move changes the grid intensity only:
the energy is the same, and so is the catalog cost (regional price uplifts are ignored).
Pure over the requests frame; finops/services/energy.py reads the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from finops.errors import InputError
from finops.models.energy import data
from finops.models.energy.carbon import GROUPINGS, in_month, summarise
from finops.models.energy.requests import per_request, resolve_param_models

COMPARED = ("wh_low", "wh_mid", "wh_high", "gco2e_low", "gco2e_mid", "gco2e_high", "cost_usd")


@dataclass(frozen=True)
class Target:
    provider: str
    model: str
    kind: str  # chat | embedding
    param_model: str  # its row in model_params.csv


def resolve_target(spec: str, params: pl.DataFrame | None = None) -> Target:
    """`provider:model` or a bare model name listed once in model_params.csv."""
    params = params if params is not None else data.model_params()
    provider, _, model = spec.partition(":") if ":" in spec else ("", "", spec)
    provider, model = provider.strip().lower(), model.strip()
    rows = params if not provider else params.filter(pl.col("provider") == provider)
    providers = rows["provider"].unique().to_list() if model else []
    hits = []
    for p in providers:
        mapped = resolve_param_models(pl.DataFrame({"provider": [p], "model": [model]}), params)["param_model"][0]
        if mapped is not None:
            hits.append((p, mapped))
    if not hits:
        raise InputError(f"--what-if-model: {spec!r} is not in models/energy/model_params.csv (give provider:model)")
    if len(hits) > 1:
        raise InputError(f"--what-if-model: {spec!r} is listed for several providers; give provider:model")
    p, mapped = hits[0]
    kind = params.filter((pl.col("provider") == p) & (pl.col("model") == mapped))["kind"][0]
    return Target(p, model, kind, mapped)


def resolve_region(region: str, grid: pl.DataFrame | None = None) -> str:
    grid = grid if grid is not None else data.grid()
    name = region.strip().lower()
    if name not in grid["region"].to_list():
        raise InputError(f"--what-if-region: {region!r} is not in models/energy/grid_intensity.csv ({', '.join(grid['region'])})")
    return name


def _writes_priced(target: Target, catalog: pl.DataFrame) -> bool:
    from finops.models.pricing.lookup import resolve_models

    hit = resolve_models(pl.Series([target.model]), pl.Series([target.provider]), catalog).row(0, named=True)
    rows = catalog.filter((pl.col("provider") == hit["catalog_provider"]) & (pl.col("model") == hit["catalog_model"]))
    return rows.filter(pl.col("token_class").str.starts_with("input_cache_write")).height > 0


def move(lf: pl.LazyFrame, target: Target | None, region: str | None, catalog: pl.DataFrame) -> pl.LazyFrame:
    """The requests as they would be after the move, with a `moved` flag per row.

    Rows already on the target (any snapshot of it) do not move.
    """
    lf = lf.with_columns(pl.lit(False).alias("moved"))
    if target:
        pairs = lf.select("provider", "model").unique().collect()
        mapping = resolve_param_models(pairs, data.model_params()).select("provider", "model", pl.col("param_model").alias("__pm"))
        same_kind = pl.col("model").str.contains("embedding") == (target.kind == "embedding")
        elsewhere = (pl.col("provider") != target.provider) | (pl.col("__pm") != target.param_model) | pl.col("__pm").is_null()
        lf = lf.join(mapping.lazy(), on=["provider", "model"], how="left", maintain_order="left").with_columns(
            (same_kind & elsewhere).alias("moved")
        ).drop("__pm")
        writes = _writes_priced(target, catalog)
        lf = lf.with_columns(
            pl.when("moved").then(pl.lit(target.provider)).otherwise("provider").alias("provider"),
            pl.when("moved").then(pl.lit(target.model)).otherwise("model").alias("model"),
            pl.when(pl.col("moved") & pl.lit(not writes)).then(0).otherwise("cache_write_tokens").alias("cache_write_tokens"),
        )
    if region:
        lf = lf.with_columns(pl.lit(region).alias("region"), pl.lit(True).alias("moved"))
    return lf


def what_if(requests: pl.LazyFrame, month: str, *, model: str | None = None, region: str | None = None, by: str = "month",
            gpu: str = data.DEFAULT_GPU, catalog: pl.DataFrame) -> pl.DataFrame:
    """Per group of `by`: requests, moved requests, and each of COMPARED `_now` and `_what_if`, plus changes in %."""
    if by not in GROUPINGS:
        raise InputError(f"--by: {by!r} is not one of {', '.join(GROUPINGS)}")
    if not model and not region:
        raise InputError("what-if: give a model (--what-if-model) or a region (--what-if-region)")
    target = resolve_target(model) if model else None
    where = resolve_region(region) if region else None
    keys = GROUPINGS[by]
    # Group on the traffic's own keys, so "by model" shows where each model's traffic went.
    base = in_month(requests, month).with_columns(pl.col("ts").dt.strftime("%Y-%m").alias("month"))
    labelled = base.with_columns([pl.col(k).alias(f"__k_{k}") for k in keys])
    now = summarise(per_request(labelled, gpu=gpu, catalog=catalog), [f"__k_{k}" for k in keys])
    after = per_request(move(labelled, target, where, catalog), gpu=gpu, catalog=catalog)
    moved_n = after.group_by([f"__k_{k}" for k in keys]).agg(pl.col("moved").sum().alias("moved_requests"))
    after_sum = summarise(after, [f"__k_{k}" for k in keys])
    cols = [f"__k_{k}" for k in keys]
    out = (
        now.select(*cols, "requests", *[pl.col(c).alias(f"{c}_now") for c in COMPARED])
        .join(after_sum.select(*cols, *[pl.col(c).alias(f"{c}_what_if") for c in COMPARED]), on=cols, how="left", nulls_equal=True)
        .join(moved_n, on=cols, how="left", nulls_equal=True)
        .with_columns(
            *[((pl.col(f"{c}_what_if") / pl.col(f"{c}_now") - 1) * 100).round(6).alias(f"{c}_change_pct") for c in ("gco2e_mid", "cost_usd")],
            pl.lit("estimated").alias("provenance"),
        )
        .rename({f"__k_{k}": k for k in keys})
        .sort(keys, nulls_last=True)
        .collect()
    )
    return out.select(*keys, "requests", "moved_requests", *[c for c in out.columns if c not in (*keys, "requests", "moved_requests")])
