"""Energy, carbon and cost per request, task, feature, project, model and month, with ranges.

Per request: Wh (low/mid/high) from models/energy/method.py, gCO2e = Wh x the grid
intensity of the serving region (models/energy/grid_intensity.csv; unknown regions use the
world average row `default`), and cost = the request's local tokens x the catalog price in
force that day. All of it is estimated; the cost is too (catalog, not invoice).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from finops.store import Store
from models.energy import method
from models.pricing.catalog import load_catalog, price, resolve_models

GROUPINGS = {
    "feature": ["feature"], "model": ["provider", "model"], "month": ["month"], "project": ["provider", "project_id"],
    "task": ["feature", "task_id"], "region": ["region"],
}
LEVELS = ("low", "mid", "high")


def _data(name: str) -> pl.DataFrame:
    return pl.read_csv(Path(str(resources.files("models.energy").joinpath(name))))


def model_params() -> pl.DataFrame:
    return _data("model_params.csv")


def grid() -> pl.DataFrame:
    return _data("grid_intensity.csv")


def _with_params(req: pl.DataFrame, params: pl.DataFrame) -> pl.DataFrame:
    mapping = resolve_models(req["model"], req["provider"], params).rename({"catalog_model": "param_model"})
    p = params.rename({"model": "param_model"}).select("provider", "param_model", "total_b_low", "total_b_high", "active_b_low", "active_b_high")
    return req.join(mapping, on=["provider", "model"], how="left").join(p, on=["provider", "param_model"], how="left")


def per_request(requests: pl.DataFrame, model_override: str | None = None, region_override: str | None = None,
                provider_override: str | None = None) -> pl.DataFrame:
    """Rows of the requests table with wh_*, gco2e_* and cost_usd columns (what-if overrides optional)."""
    req = requests.with_columns(
        pl.col("input_tokens").fill_null(0), pl.col("cached_input_tokens").fill_null(0),
        pl.col("cache_write_tokens").fill_null(0), pl.col("output_tokens").fill_null(0),
    )
    if model_override:
        req = req.with_columns(pl.lit(model_override).alias("model"), pl.lit(provider_override).alias("provider") if provider_override else pl.col("provider"))
        if provider_override == "openai":  # OpenAI bills no cache writes: those tokens are plain input there
            req = req.with_columns(pl.lit(0, pl.Int64).alias("cache_write_tokens"))
    if region_override:
        req = req.with_columns(pl.lit(region_override).alias("region"))
    req = _with_params(req, model_params())
    g = grid()
    default = float(g.filter(pl.col("region") == "default")["gco2e_per_kwh"][0])
    req = req.join(g.select("region", "gco2e_per_kwh"), on="region", how="left").with_columns(pl.col("gco2e_per_kwh").fill_null(default))
    pue = {p: v for p, v in method.PUE.items()}
    pue_low = req["provider"].replace_strict({k: v[0] for k, v in pue.items()}, default=pue["default"][0], return_dtype=pl.Float64).to_numpy()
    pue_high = req["provider"].replace_strict({k: v[1] for k, v in pue.items()}, default=pue["default"][1], return_dtype=pl.Float64).to_numpy()
    embed = req["model"].str.contains("embedding").to_numpy()
    cached = req["cached_input_tokens"].to_numpy().astype(float)
    uncached = np.maximum(req["input_tokens"].to_numpy().astype(float) - cached, 0)
    out_tokens = np.where(embed, 0.0, req["output_tokens"].to_numpy().astype(float))
    col = lambda c: req[c].fill_null(float("nan")).to_numpy().astype(float)  # noqa: E731
    wh = method.request_wh(uncached, cached, out_tokens, col("active_b_low"), col("active_b_high"),
                           col("total_b_low"), col("total_b_high"), pue_low, pue_high)
    req = req.with_columns(*[pl.Series(f"wh_{k}", wh[k]).fill_nan(None) for k in LEVELS])
    req = req.with_columns(*[(pl.col(f"wh_{k}") / 1000 * pl.col("gco2e_per_kwh")).alias(f"gco2e_{k}") for k in LEVELS])
    return _with_cost(req)


def _with_cost(req: pl.DataFrame) -> pl.DataFrame:
    embed = pl.col("model").str.contains("embedding")
    classes = req.with_row_index("__r").select(
        "__r", "provider", "model", pl.col("ts").dt.date().alias("day"),
        pl.when(embed).then(0).otherwise(pl.col("input_tokens") - pl.col("cached_input_tokens") - pl.col("cache_write_tokens")).alias("input_uncached"),
        pl.when(embed).then(0).otherwise(pl.col("cached_input_tokens")).alias("input_cache_read"),
        pl.when(embed).then(0).otherwise(pl.col("cache_write_tokens")).alias("input_cache_write_5m"),
        pl.col("output_tokens").alias("output"),
        pl.when(embed).then(pl.col("input_tokens")).otherwise(0).alias("embedding"),
    ).unpivot(index=["__r", "provider", "model", "day"], variable_name="token_class", value_name="tokens").filter(pl.col("tokens") > 0)
    keys = classes.select("provider", "model", "token_class", "day").unique()
    priced = price(keys, load_catalog())
    cost = classes.join(priced, on=["provider", "model", "token_class", "day"], how="left").group_by("__r").agg(
        pl.when(pl.col("usd_per_million").is_null().any()).then(None).otherwise((pl.col("tokens") * pl.col("usd_per_million") / 1e6).sum()).alias("cost_usd")
    )
    return req.with_row_index("__r").join(cost, on="__r", how="left").drop("__r")


def carbon_by(store: Store, by: str = "feature", month: str | None = None, **overrides: str | None) -> pl.DataFrame:
    """Wh, gCO2e, tokens per Wh (ranges), cost and cost per kg CO2e, grouped as asked."""
    lf = store.scan("requests")
    if month:
        lf = lf.filter(pl.col("ts").dt.strftime("%Y-%m") == month)
    req = per_request(lf.collect(), **overrides).with_columns(pl.col("ts").dt.strftime("%Y-%m").alias("month"))
    return summarise(req, GROUPINGS[by])


def summarise(req: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    tokens = pl.col("input_tokens") + pl.col("output_tokens")
    out = req.group_by(keys).agg(
        pl.len().alias("requests"), pl.col("task_id").n_unique().alias("tasks"), tokens.sum().alias("tokens"),
        *[pl.col(f"wh_{k}").sum().alias(f"wh_{k}") for k in LEVELS],
        *[pl.col(f"gco2e_{k}").sum().alias(f"gco2e_{k}") for k in LEVELS],
        pl.col("wh_mid").is_null().sum().alias("unknown_model_requests"),
        pl.when(pl.col("cost_usd").is_null().any()).then(None).otherwise(pl.col("cost_usd").sum()).alias("cost_usd"),
    ).with_columns(
        (pl.col("tokens") / pl.col("wh_high")).alias("tokens_per_wh_low"),
        (pl.col("tokens") / pl.col("wh_low")).alias("tokens_per_wh_high"),
        (pl.col("wh_mid") / pl.col("tasks")).alias("wh_per_task_mid"),
        (pl.col("gco2e_mid") / pl.col("tasks")).alias("gco2e_per_task_mid"),
        (pl.col("cost_usd") / (pl.col("gco2e_high") / 1000)).alias("usd_per_kgco2e_low"),
        (pl.col("cost_usd") / (pl.col("gco2e_low") / 1000)).alias("usd_per_kgco2e_high"),
        pl.lit("estimated").alias("provenance"),
    )
    return out.sort(keys)
