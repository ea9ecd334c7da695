"""Energy, carbon and cost for every row of the requests table, as low/mid/high columns.

Per request: the model's parameter range (model_params.csv; the reported model is mapped
to a listed one by the one model resolver, finops.models.pricing.resolve, as prices are:
gpt-4.1-mini-2025-04-14 -> gpt-4.1-mini, azure/gpt-4o -> openai gpt-4o; `param_match`
says exact / alias / fallback) gives per-model coefficients for each scenario of models/energy/method.py;
Wh = PUE x (decode + prefill + cache hits), linear in the request's tokens, so the whole
table is a handful of polars expressions over one small join. gCO2e = Wh x the grid
intensity of the row's region (grid_intensity.csv; unknown or empty regions use the
world-average `default` row). Unknown models get null, never zero.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TypeVar

import numpy as np
import polars as pl

from finops.models.energy import data, method
from finops.models.energy.cost import with_cost

F = TypeVar("F", pl.DataFrame, pl.LazyFrame)
COEFFS = ("decode_wh_per_token", "decode_s_per_token", "server_w", "prefill_wh_per_token", "cached_wh_per_token")
TOKENS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens")


def gpu_spec(name: str = data.DEFAULT_GPU) -> method.Gpu:
    """A GPU of hardware.csv by name (case-insensitive)."""
    from finops.errors import InputError

    rows = data.hardware().filter(pl.col("gpu").str.to_lowercase() == name.lower())
    if rows.height == 0:
        raise InputError(f"hardware: {name!r} is not in models/energy/hardware.csv ({', '.join(data.hardware()['gpu'])})")
    r = rows.row(0, named=True)
    return method.Gpu(r["gpu"], r["memory_gb"], r["tdp_w"], r["bf16_dense_tflops"], r["hbm_tb_s"])


def model_coefficients(params: pl.DataFrame, gpu: method.Gpu) -> pl.DataFrame:
    """Per listed model: `<coefficient>_<level>` columns and the GPU count per level."""
    emb = (params["kind"] == "embedding").to_numpy()
    cols: dict[str, object] = {"param_provider": params["provider"], "param_model": params["model"]}
    for level in method.LEVELS:
        active = method.bound(params["active_b_low"].to_numpy(), params["active_b_high"].to_numpy(), level)
        total = method.bound(params["total_b_low"].to_numpy(), params["total_b_high"].to_numpy(), level)
        c = method.coefficients(active, total, method.SCENARIOS[level], gpu, emb)
        cols[f"gpus_{level}"] = np.asarray(c.gpus, dtype=float)
        for name in COEFFS:
            cols[f"{name}_{level}"] = np.asarray(getattr(c, name), dtype=float)
    return pl.DataFrame(cols)


def resolve_param_models(pairs: pl.DataFrame, params: pl.DataFrame) -> pl.DataFrame:
    """(provider, model) -> param_provider, param_model, param_match with the one model resolver
    (finops.models.pricing.resolve): exact, alias (snapshots, gateways, resellers), then a labelled
    family fallback that never maps a variant (o3-mini is not o3). A hosted open model (Llama on
    Bedrock, Together, Groq; Mistral, Gemma, DeepSeek, gpt-oss elsewhere) that is still unmapped
    is looked up under its maker by its open-model id, dropping serving words (instruct, turbo):
    the weights, hence the energy, are the maker's whoever serves them (labelled fallback)."""
    from finops.models.pricing.lookup import resolve_models
    from finops.models.pricing.resolve import FALLBACK, SERVING_WORDS, VARIANT_WORDS, open_model_key, open_model_maker, resolve

    out = resolve_models(pairs["model"], pairs["provider"], params, family=True).rename(
        {"catalog_provider": "param_provider", "catalog_model": "param_model", "match": "param_match"})
    left = out.filter(pl.col("param_model").is_null()).select("provider", "model")
    if left.height == 0:
        return out
    keyed = left.with_columns(open_model_key(pl.col("model")).alias("__key")).with_columns(
        open_model_maker(pl.col("__key")).alias("__maker")).drop_nulls("__maker")
    if keyed.height == 0:
        return out
    hosted = resolve(keyed.select(pl.col("__maker").alias("provider"), pl.col("__key").alias("model")),
                     params.select("provider", "model"), variants=VARIANT_WORDS - SERVING_WORDS)
    found = keyed.join(hosted.rename({"provider": "__maker", "model": "__key"}), on=["__maker", "__key"], how="left").select(
        "provider", "model", pl.col("resolved_provider").alias("__pp"), pl.col("resolved_model").alias("__pm"),
        pl.when(pl.col("resolved_model").is_not_null()).then(pl.lit(FALLBACK)).alias("__match"))
    return out.join(found, on=["provider", "model"], how="left", nulls_equal=True).with_columns(
        pl.coalesce("param_provider", "__pp").alias("param_provider"), pl.coalesce("param_model", "__pm").alias("param_model"),
        pl.coalesce("param_match", "__match").alias("param_match")).drop("__pp", "__pm", "__match")


def _pue(lf: pl.LazyFrame, pue: pl.DataFrame) -> pl.LazyFrame:
    default = pue.filter(pl.col("provider") == data.DEFAULT_PROVIDER).row(0, named=True)
    table = pue.select(pl.col("provider").alias("__p"), pl.col("pue_low").alias("pue_low"), pl.col("pue_high").alias("pue_high"))
    lf = lf.with_columns(pl.col("provider").str.to_lowercase().alias("__p"))
    return lf.join(table.lazy(), on="__p", how="left", maintain_order="left").with_columns(
        pl.col("pue_low").fill_null(default["pue_low"]), pl.col("pue_high").fill_null(default["pue_high"]),
    ).with_columns(((pl.col("pue_low") + pl.col("pue_high")) / 2).alias("pue_mid")).drop("__p")


def _grid(lf: pl.LazyFrame, grid: pl.DataFrame) -> pl.LazyFrame:
    default = grid.filter(pl.col("region") == data.DEFAULT_REGION)["gco2e_per_kwh"][0]
    table = grid.select(pl.col("region").alias("grid_region"), "gco2e_per_kwh")
    return lf.with_columns(pl.col("region").fill_null("").str.to_lowercase().str.strip_chars().alias("grid_region")).join(
        table.lazy(), on="grid_region", how="left", maintain_order="left"
    ).with_columns(
        pl.when(pl.col("gco2e_per_kwh").is_null()).then(pl.lit(data.DEFAULT_REGION)).otherwise("grid_region").alias("grid_region"),
        pl.col("gco2e_per_kwh").fill_null(default),
    )


def per_request(
    requests: F, *, catalog: pl.DataFrame, gpu: str = data.DEFAULT_GPU,
    params: pl.DataFrame | None = None, grid: pl.DataFrame | None = None, pue: pl.DataFrame | None = None,
) -> F:
    """The requests rows plus wh_*, gco2e_* (low/mid/high), gco2e_per_kwh, grid_region, param_model, cost_usd.

    Token counts a call never reported (a dropped stream) count as 0, as the daily rollup does.
    """
    eager = isinstance(requests, pl.DataFrame)
    params = params if params is not None else data.model_params()
    lf = requests.lazy().with_columns(
        *[pl.col(c).fill_null(0) for c in TOKENS],
        pl.col("input_tokens").is_null().alias("no_token_counts"),
        (pl.col("latency_ms").cast(pl.Float64) / 1000).alias("__latency_s"),
    )
    pairs = lf.select("provider", "model").unique().collect()
    mapping = resolve_param_models(pairs, params)
    coeffs = model_coefficients(params, gpu_spec(gpu))
    lf = lf.join(mapping.join(coeffs, on=["param_provider", "param_model"], how="left").drop("param_provider").lazy(),
                 on=["provider", "model"], how="left", maintain_order="left")
    lf = _grid(_pue(lf, pue if pue is not None else data.pue()), grid if grid is not None else data.grid())
    uncached = (pl.col("input_tokens") - pl.col("cached_input_tokens")).clip(lower_bound=0)
    wh = []
    for level in method.LEVELS:
        c = SimpleNamespace(**{name: pl.col(f"{name}_{level}") for name in COEFFS})
        e = method.energy_wh(c, pl.col(f"pue_{level}"), uncached, pl.col("cached_input_tokens"), pl.col("output_tokens"),
                             pl.col("__latency_s"))
        wh.append(e.alias(f"wh_{level}"))
    lf = lf.with_columns(wh).with_columns(
        *[(pl.col(f"wh_{lv}") / 1000 * pl.col("gco2e_per_kwh")).alias(f"gco2e_{lv}") for lv in method.LEVELS],
        pl.lit("estimated").alias("energy_provenance"),
    )
    drop = ["__latency_s", *[f"{n}_{lv}" for n in (*COEFFS, "gpus") for lv in method.LEVELS]]
    out = with_cost(lf.drop(drop), catalog)
    return out.collect() if eager else out  # type: ignore[return-value]  # F is the caller's frame kind, and so is out
