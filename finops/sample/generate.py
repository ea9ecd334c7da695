"""The sample data generator: deterministic files in the providers' shapes plus ground truth.

`generate(config)` builds everything in memory; `write(sample, out_dir)` writes
sample_data/: provider API pages (gzip JSON Lines), the team's request log (Parquet),
COGS bills, exchange rates, ground_truth.json and a manifest with each file's SHA-256.
Same seed and arguments, same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from finops.sample import billing_gen, provider_shapes
from finops.sample.cogs_files import write_cogs_files
from finops.sample.requests_gen import Windows, day_list, generate_requests, plan_windows
from finops.sample.spec import FEATURES, AnomalyPlan
from finops.schema import REQUESTS_TABLE, Provenance
from finops.store import atomic

GENERATOR_VERSION = 1
DEFAULT_END = date(2026, 11, 24)


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int = 7
    days: int = 549  # about 18 months
    requests: int = 240_000  # expected provider calls over the period
    end: date = DEFAULT_END  # last full UTC day; fixed so the sample is reproducible


@dataclass
class Sample:
    config: GeneratorConfig
    days: list[date]
    windows: Windows
    rows: pl.DataFrame  # every provider call, local and billed views
    priced: pl.DataFrame  # billed usage per day/group/token class with prices and cost
    ground_truth: dict[str, Any] = field(default_factory=dict)

    def local_log(self) -> pl.DataFrame:
        return (
            self.rows.filter(pl.col("logged"))
            .with_columns(
                pl.lit("sample").alias("source"),
                pl.lit(Provenance.LOGGED).alias("provenance"),
                pl.lit("default").alias("service_tier"),
            )
            .pipe(lambda f: REQUESTS_TABLE.conform(f).collect())
            .sort("ts", "request_id")
        )


def generate(cfg: GeneratorConfig) -> Sample:
    rng = np.random.default_rng(cfg.seed)
    plan = AnomalyPlan()
    days = day_list(cfg.end, cfg.days)
    windows = plan_windows(days, rng)
    rows = generate_requests(days, cfg.requests, cfg.seed, plan, windows, rng)
    usage = billing_gen.usage_long(rows)
    priced = billing_gen.price_usage(usage, plan, windows)
    sample = Sample(cfg, days, windows, rows, priced)
    sample.ground_truth = ground_truth(sample, plan)
    return sample


# -- ground truth -------------------------------------------------------------------

def _price_lookup(priced: pl.DataFrame) -> pl.DataFrame:
    return priced.filter(pl.col("token_class") != "requests").select(
        "day", "provider", "model", "token_class", "billed_usd_per_million"
    ).unique()


def _extra_long(frame: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Per (day, provider, model, token class) sums of the given extra-token columns."""
    agg = billing_gen.with_day(frame).group_by("day", "provider", "model").agg(
        *[pl.col(c).sum().alias(k) for k, c in columns.items()]
    )
    return agg.unpivot(index=["day", "provider", "model"], variable_name="token_class", value_name="tokens")


def _dollars(extra: pl.DataFrame, prices: pl.DataFrame) -> float:
    joined = extra.join(prices, on=["day", "provider", "model", "token_class"], how="left")
    return float((joined["tokens"] * joined["billed_usd_per_million"].fill_null(0.0) / 1e6).sum())


def _tokens_by_class(extra: pl.DataFrame) -> dict[str, int]:
    sums = extra.group_by("token_class").agg(pl.col("tokens").sum()).sort("token_class")
    return {k: int(v) for k, v in sums.iter_rows() if v}


def _days_of(frame: pl.DataFrame) -> tuple[str, str]:
    d = billing_gen.with_day(frame)["day"]
    return d.min().isoformat(), d.max().isoformat()  # type: ignore[union-attr]


def _single(frame: pl.DataFrame, column: str) -> str:
    values = frame[column].unique().sort().to_list()
    return values[0] if len(values) == 1 else ",".join(values)


def _with_projects(anomaly: dict[str, Any], frame: pl.DataFrame) -> dict[str, Any]:
    """Every anomaly lists the projects it touches; single-project ones also name it."""
    projects = sorted(frame["project_id"].unique().to_list())
    anomaly["project_ids"] = projects
    anomaly["project_id"] = projects[0] if len(projects) == 1 else None
    return anomaly


def _catalog_rates(frame: pl.DataFrame, classes: tuple[str, ...]) -> pl.DataFrame:
    """Catalog rates per (day, provider, model) for `classes`, one column each (the standard tier)."""
    from finops.models.pricing.catalog import load_catalog
    from finops.models.pricing.lookup import price

    if frame.height == 0:
        return billing_gen.with_day(frame).select("day", "provider", "model").with_columns(
            *[pl.lit(None, pl.Float64).alias(c) for c in classes])
    keys = billing_gen.with_day(frame).select("day", "provider", "model").unique().join(
        pl.DataFrame({"token_class": list(classes)}), how="cross")
    return price(keys, load_catalog()).pivot(on="token_class", index=["day", "provider", "model"], values="usd_per_million")


def _cache_truth(s: Sample, plan: AnomalyPlan) -> dict[str, Any]:
    """The planted prefix growth and cache-miss episode, with their dollars at the catalog."""
    from finops.sample.requests_gen import growth_start, miss_window

    rows = billing_gen.with_day(s.rows.filter(~pl.col("_dropped")))
    last30 = s.days[max(0, len(s.days) - 30)]
    grown = rows.filter((pl.col("_prefix_extra") > 0) & (pl.col("day") >= last30))
    r = grown.join(_catalog_rates(grown, ("input_cache_read",)), on=["day", "provider", "model"], how="left")
    growth = {
        "id": "prefix-growth", "feature": plan.growth_feature, "provider": plan.growth_provider,
        "models": sorted(grown["model"].unique().to_list()),
        "start": growth_start(s.days, plan).isoformat(), "end": s.days[-1].isoformat(),
        "growth_pct_per_week": plan.growth_pct_per_week,
        "extra_cache_read_tokens_last_30_days": int(grown["_prefix_extra"].sum()),
        # what the growth added to the bill in the last 30 days: the extra prefix tokens, read from the cache
        "dollar_impact": float((r["_prefix_extra"] * r["input_cache_read"] / 1e6).sum() or 0.0),
    }
    missed = rows.filter(pl.col("_missed") > 0)
    r = missed.join(_catalog_rates(missed, ("input_uncached", "input_cache_read")), on=["day", "provider", "model"], how="left")
    lo, hi = miss_window(s.days, plan)
    miss = {
        "id": "cache-miss", "cause": "prefix_change", "feature": plan.miss_feature, "provider": plan.miss_provider,
        "models": sorted(missed["model"].unique().to_list()), "start": lo.isoformat(), "end": hi.isoformat(),
        "missed_reads": int(missed["_missed"].sum()),
        # the reads billed as uncached input instead: missed tokens x (uncached − read rate)
        "dollar_impact": float((r["_missed"] * (r["input_uncached"] - r["input_cache_read"]) / 1e6).sum() or 0.0),
    }
    return {"prefix_growth": growth, "cache_miss": miss}


def ground_truth(s: Sample, plan: AnomalyPlan) -> dict[str, Any]:
    prices = _price_lookup(s.priced)
    rows = s.rows
    anomalies: list[dict[str, Any]] = []

    dropped = rows.filter(pl.col("_dropped"))
    extra = _extra_long(dropped, {k: c for k, c in billing_gen.CLASS_COLUMNS.items()})
    start, end = _days_of(dropped)
    anomalies.append(_with_projects({
        "id": "retry-double-billing", "cause": "retry_double_billing",
        "provider": plan.retry_provider,
        "feature": plan.retry_feature, "models": sorted(dropped["model"].unique().to_list()),
        "start": start, "end": end, "dropped_attempts": dropped.height,
        "extra_tokens": _tokens_by_class(extra), "dollar_impact": _dollars(extra, prices),
    }, dropped))

    evicted = rows.filter(pl.col("_evicted") > 0)
    extra = pl.concat([
        _extra_long(evicted, {"input_uncached": "_evicted"}),
        _extra_long(evicted.with_columns(-pl.col("_evicted")), {"input_cache_read": "_evicted"}),
    ])
    start, end = _days_of(evicted)
    anomalies.append(_with_projects({
        "id": "cache-eviction", "cause": "cache_eviction", "provider": plan.eviction_provider,
        "feature": plan.eviction_feature,
        "models": sorted(evicted["model"].unique().to_list()), "start": start, "end": end,
        "evicted_tokens": int(evicted["_evicted"].sum()),
        "extra_tokens": _tokens_by_class(extra), "dollar_impact": _dollars(extra, prices),
    }, evicted))

    drifting = rows.filter(pl.col("feature").is_in([f.name for f in FEATURES if f.tokenizer_drift]) & pl.col("input_tokens").is_not_null())
    extra = _extra_long(drifting, {"input_uncached": "_drift_extra"})
    ratio = (drifting["input_tokens"] + drifting["_drift_extra"]) / drifting["input_tokens"]
    start, end = _days_of(drifting)
    anomalies.append(_with_projects({
        "id": "tokenizer-drift", "cause": "tokenizer_drift", "provider": _single(drifting, "provider"),
        "feature": _single(drifting, "feature"),
        "language": _single(drifting, "language"), "models": sorted(drifting["model"].unique().to_list()),
        "start": start, "end": end,
        "ratio": round(float((drifting["input_tokens"] + drifting["_drift_extra"]).sum()) / float(drifting["input_tokens"].sum()), 6),
        "ratio_sd": round(float(ratio.std()), 6),  # type: ignore[arg-type]
        "extra_tokens": _tokens_by_class(extra), "dollar_impact": _dollars(extra, prices),
    }, drifting))

    unlogged = rows.filter(~pl.col("logged"))
    extra = _extra_long(unlogged, dict(billing_gen.CLASS_COLUMNS))
    start, end = _days_of(unlogged)
    anomalies.append(_with_projects({
        "id": "unlogged-project", "cause": "unlogged_traffic", "provider": _single(unlogged, "provider"),
        "api_key_id": _single(unlogged, "api_key_id"),
        "models": sorted(unlogged["model"].unique().to_list()), "start": start, "end": end,
        "requests": unlogged.height, "extra_tokens": _tokens_by_class(extra), "dollar_impact": _dollars(extra, prices),
    }, unlogged))

    changed = s.priced.filter(
        (pl.col("billed_usd_per_million") != pl.col("catalog_usd_per_million"))
    )
    anomalies.append(_with_projects({
        "id": "price-change", "cause": "price_mismatch", "provider": _single(changed, "provider"),
        "models": sorted(changed["model"].unique().to_list()),
        "token_class": plan.price_change_token_class,
        "start": changed["day"].min().isoformat(), "end": changed["day"].max().isoformat(),  # type: ignore[union-attr]
        "catalog_usd_per_million": float(changed["catalog_usd_per_million"][0]),
        "billed_usd_per_million": plan.price_change_new_usd_per_million,
        "tokens": int(changed["quantity"].sum()),
        "dollar_impact": float((changed["quantity"] * (changed["billed_usd_per_million"] - changed["catalog_usd_per_million"]) / 1e6).sum()),
    }, changed))
    cache = _cache_truth(s, plan)
    for a in [*anomalies, *cache.values()]:
        # Parallel float sums differ in the last bits between runs; micro-dollars keep bytes stable.
        a["dollar_impact"] = round(a["dollar_impact"], 6)
    totals = s.priced.group_by("provider").agg(pl.col("billed_usd").sum().round(6)).sort("provider")
    return {
        "generator_version": GENERATOR_VERSION,
        "config": {**asdict(s.config), "end": s.config.end.isoformat()},
        "period": {"start": s.days[0].isoformat(), "end": s.days[-1].isoformat()},
        "note": "Dollar impacts are at the prices the provider billed on each day. Dates are UTC, inclusive.",
        "anomalies": anomalies,
        # Prompt-cache plants (issue 21): not reconcile causes (the log and the bill agree on them).
        "cache": cache,
        "billed_usd_by_provider": {p: float(v) for p, v in totals.iter_rows()},
    }


# -- writing --------------------------------------------------------------------------

def _jsonl_gz(pages: Iterable[dict[str, Any]]) -> bytes:
    buf = io.BytesIO()
    # mtime=0 keeps the bytes identical across runs.
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        for page in pages:
            gz.write((json.dumps(page, separators=(",", ":"), sort_keys=True) + "\n").encode())
    return buf.getvalue()


def write(sample: Sample, out_dir: Path) -> dict[str, str]:
    """Write the sample files; returns {relative path: sha256}, also saved as manifest.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    days, usage, priced = sample.days, sample.priced, sample.priced
    blobs = {
        "openai/usage_completions.jsonl.gz": _jsonl_gz(provider_shapes.openai_usage_pages(usage, days, "completions")),
        "openai/usage_embeddings.jsonl.gz": _jsonl_gz(provider_shapes.openai_usage_pages(usage, days, "embeddings")),
        "openai/costs.jsonl.gz": _jsonl_gz(provider_shapes.openai_cost_pages(priced, days)),
        "anthropic/usage_messages.jsonl.gz": _jsonl_gz(provider_shapes.anthropic_usage_pages(usage, days)),
        "anthropic/cost_report.jsonl.gz": _jsonl_gz(provider_shapes.anthropic_cost_pages(priced, days)),
        "ground_truth.json": (json.dumps(sample.ground_truth, indent=2, sort_keys=True) + "\n").encode(),
    }
    for name, data in blobs.items():
        atomic.write_bytes(out_dir / name, data)
    atomic.write_parquet(out_dir / "requests" / "requests.parquet", sample.local_log())
    rng = np.random.default_rng([sample.config.seed, 1])
    write_cogs_files(out_dir, sample.rows, days, rng)
    manifest = {}
    for path in sorted(out_dir.rglob("*")):
        if path.is_file() and path.name not in ("manifest.json", "README.md", "finops.toml"):
            manifest[str(path.relative_to(out_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    atomic.write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
