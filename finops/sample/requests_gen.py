"""Generate request-level traffic for the sample, with the planted anomalies applied.

Each generated row is one provider call. Besides the columns of the local request log
it carries what the provider billed for it (`b_*` columns), which differ from the
local counts exactly where an anomaly was planted. Everything is vectorised with numpy
so the same code makes 250k rows for the committed sample or 10M+ for benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np
import polars as pl

from finops.sample.spec import FEATURES, AnomalyPlan, Feature
from finops.sample.traffic import country_factors, daily_weights
from finops.schema import StreamOutcome

BILLED_COLUMNS = ("b_input_uncached", "b_input_cache_read", "b_input_cache_write_5m", "b_output", "b_embedding")


@dataclass(frozen=True)
class Windows:
    """The seeded day ranges (inclusive) of the planted anomalies."""

    retry: tuple[date, date]
    eviction: tuple[date, date]
    unlogged_from: date
    price_change_from: date


def plan_windows(days: list[date], rng: np.random.Generator) -> Windows:
    n = len(days)

    def window(lo: float, hi: float, length: tuple[int, int]) -> tuple[date, date]:
        start = int(rng.uniform(lo, hi) * n)
        span = int(rng.integers(length[0], length[1] + 1))
        # Start on a weekday so the incident is visible against normal traffic.
        while days[start].weekday() >= 5:
            start += 1
        return days[start], days[min(n - 1, start + span - 1)]

    retry = window(0.30, 0.60, (3, 6))
    eviction = window(0.72, 0.85, (4, 7))
    unlogged_from = days[int(rng.uniform(0.60, 0.75) * n)]
    price_change_from = days[int(rng.uniform(0.88, 0.94) * n)]
    return Windows(retry, eviction, unlogged_from, price_change_from)


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, n: int) -> np.ndarray:
    if mean <= 0:
        return np.zeros(n, dtype=np.int64)
    return np.maximum(1, np.round(rng.lognormal(np.log(mean) - sigma**2 / 2, sigma, n))).astype(np.int64)


def _feature_rows(
    f: Feature,
    fi: int,
    days: list[date],
    counts: np.ndarray,
    rng: np.random.Generator,
    seed: int,
    id_offset: int,
) -> pl.DataFrame:
    n = int(counts.sum())
    day_idx = np.repeat(np.arange(len(days)), counts)
    comp_idx = rng.choice(len(f.components), size=n, p=[c.share for c in f.components])
    micros = rng.integers(0, 86_400_000_000, n)
    cols: dict[str, np.ndarray] = {
        "input": np.zeros(n, np.int64),
        "cached": np.zeros(n, np.int64),
        "cache_write": np.zeros(n, np.int64),
        "output": np.zeros(n, np.int64),
        "reasoning": np.zeros(n, np.int64),
    }
    # Strings are built from small integer codes: object arrays would cost GBs at 10M+ rows.
    names = sorted({m for c in f.components for _, m in c.models})
    model_code = np.zeros(n, dtype=np.int32)
    for ci, comp in enumerate(f.components):
        m = comp_idx == ci
        k = int(m.sum())
        inp = _lognormal(rng, comp.input_mean, comp.input_sigma, k)
        cached = np.floor(inp * comp.cached_frac * rng.uniform(0.8, 1.2, k)).astype(np.int64)
        write = np.floor(inp * comp.cache_write_frac * rng.uniform(0.5, 1.5, k)).astype(np.int64)
        cached = np.minimum(cached, inp)
        write = np.minimum(write, inp - cached)
        reasoning = _lognormal(rng, comp.reasoning_mean, 0.6, k)
        out = _lognormal(rng, comp.output_mean, comp.output_sigma, k) + reasoning
        cols["input"][m], cols["cached"][m], cols["cache_write"][m] = inp, cached, write
        cols["output"][m], cols["reasoning"][m] = out, reasoning
        per_day = np.array([names.index(comp.model_on(d)) for d in days], dtype=np.int32)
        model_code[m] = per_day[day_idx[m]]

    def by_component(attr: str) -> pl.Series:
        mapping = {i: getattr(c, attr) for i, c in enumerate(f.components)}
        return pl.Series(comp_idx).replace_strict(mapping, return_dtype=pl.String)

    day_start = np.array(
        [int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp() * 1_000_000) for d in days]
    )
    frame = pl.DataFrame(
        {
            "ts_us": day_start[day_idx] + micros,
            "day_idx": day_idx.astype(np.int32),
            "provider": by_component("provider"),
            "model": pl.Series(model_code).replace_strict(dict(enumerate(names)), return_dtype=pl.String),
            "project_id": by_component("project_id"),
            "api_key_id": by_component("api_key_id"),
            "region": by_component("region"),
            "input_tokens": cols["input"],
            "cached_input_tokens": cols["cached"],
            "cache_write_tokens": cols["cache_write"],
            "output_tokens": cols["output"],
            "reasoning_tokens": cols["reasoning"],
            "latency_ms": (350 + cols["output"] * rng.uniform(8, 14, n)).astype(np.int64),
        }
    ).with_columns(
        pl.lit(f.name).alias("feature"),
        pl.lit(f.language).alias("language"),
        pl.lit(f.logged).alias("logged"),
        pl.lit(fi).alias("_feature_idx"),
    )
    frame = frame.sort("ts_us", maintain_order=True).with_columns(
        (pl.int_range(pl.len()).over("day_idx") // f.calls_per_task).alias("_task_no"),
        (pl.int_range(pl.len()) + id_offset).alias("_row"),
    )
    return frame.with_columns(
        pl.format(
            "{}-s{}-{}",
            pl.lit(f.name),
            pl.lit(seed),
            (pl.col("day_idx") * 100_000 + pl.col("_task_no")).cast(pl.String).str.zfill(8),
        ).alias("task_id"),
        pl.when(pl.col("provider") == "anthropic")
        .then(pl.format("msg_s{}_{}", pl.lit(seed), pl.col("_row").cast(pl.String).str.zfill(9)))
        .when(pl.col("model").str.starts_with("text-embedding"))
        .then(pl.format("emb-s{}-{}", pl.lit(seed), pl.col("_row").cast(pl.String).str.zfill(9)))
        .otherwise(pl.format("chatcmpl-s{}-{}", pl.lit(seed), pl.col("_row").cast(pl.String).str.zfill(9)))
        .alias("request_id"),
    )


def _billed_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """What the provider bills for each row when nothing goes wrong."""
    is_embed = pl.col("model").str.starts_with("text-embedding")
    is_anthropic = pl.col("provider") == "anthropic"
    uncached = pl.col("input_tokens") - pl.col("cached_input_tokens") - pl.col("cache_write_tokens")
    return frame.with_columns(
        pl.when(is_embed).then(0).otherwise(uncached).alias("b_input_uncached"),
        pl.when(is_embed).then(0).otherwise(pl.col("cached_input_tokens")).alias("b_input_cache_read"),
        pl.when(is_anthropic).then(pl.col("cache_write_tokens")).otherwise(0).alias("b_input_cache_write_5m"),
        pl.col("output_tokens").alias("b_output"),
        pl.when(is_embed).then(pl.col("input_tokens")).otherwise(0).alias("b_embedding"),
        pl.lit(0, pl.Int64).alias("_drift_extra"),
        pl.lit(0, pl.Int64).alias("_evicted"),
    )


def generate_requests(
    days: list[date], total: int, seed: int, plan: AnomalyPlan, windows: Windows, rng: np.random.Generator
) -> pl.DataFrame:
    """All provider calls of the period, local and billed views side by side."""
    factors = country_factors(days)
    frames = []
    offset = 0
    for fi, f in enumerate(FEATURES):
        w = daily_weights(f, days, factors, rng)
        if not f.logged:
            w = np.where(np.array(days) >= windows.unlogged_from, w, 0.0)
        lam = total * f.share * w / w.sum() if w.sum() > 0 else w
        counts = rng.poisson(lam)
        frame = _feature_rows(f, fi, days, counts, rng, seed, offset)
        offset += frame.height
        frames.append(frame)
    rows = _plant_cache_miss(_plant_prefix_growth(pl.concat(frames, how="vertical"), days, plan), days, plan)
    rows = _billed_columns(rows)
    rows = _plant_drift(rows, plan, rng)
    rows = _plant_eviction(rows, days, plan, windows)
    rows = _plant_retries(rows, days, plan, windows, rng)
    return rows.with_columns(
        pl.from_epoch("ts_us", time_unit="us").dt.replace_time_zone("UTC").alias("ts")
    ).sort("ts_us", maintain_order=True)


def _day_mask(days: list[date], window: tuple[date, date]) -> pl.Expr:
    lo = days.index(window[0])
    hi = days.index(window[1])
    return pl.col("day_idx").is_between(lo, hi)


def growth_start(days: list[date], plan: AnomalyPlan) -> date:
    """The Monday the planted prefix growth starts: `growth_weeks` whole weeks before the last complete one."""
    end = days[-1]
    last_monday = end - timedelta(days=end.weekday())
    complete = last_monday if end.weekday() == 6 else last_monday - timedelta(days=7)
    return complete - timedelta(weeks=plan.growth_weeks - 2)


def miss_window(days: list[date], plan: AnomalyPlan) -> tuple[date, date]:
    """The planted miss episode's days (a weekday start; no random draw, so every other anomaly stays put)."""
    start = int(plan.miss_at * len(days))
    while start < len(days) - 1 and days[start].weekday() >= 5:
        start += 1
    return days[start], days[min(len(days) - 1, start + plan.miss_days - 1)]


def _plant_prefix_growth(rows: pl.DataFrame, days: list[date], plan: AnomalyPlan) -> pl.DataFrame:
    """From growth_start on, the feature's cached prefix grows `growth_pct_per_week` a week
    (continuously); the extra tokens are cache reads the provider bills too (`_prefix_extra`)."""
    t0 = datetime.combine(growth_start(days, plan), datetime.min.time(), tzinfo=timezone.utc).timestamp() * 1e6
    weeks = ((pl.col("ts_us") - t0) / (7 * 86_400e6)).clip(lower_bound=0)
    factor = (1 + plan.growth_pct_per_week / 100) ** weeks
    m = (pl.col("feature") == plan.growth_feature) & (pl.col("provider") == plan.growth_provider) & (pl.col("cached_input_tokens") > 0)
    extra = pl.when(m).then((pl.col("cached_input_tokens") * (factor - 1)).floor().cast(pl.Int64)).otherwise(0)
    return rows.with_columns(extra.alias("_prefix_extra")).with_columns(
        (pl.col("cached_input_tokens") + pl.col("_prefix_extra")).alias("cached_input_tokens"),
        (pl.col("input_tokens") + pl.col("_prefix_extra")).alias("input_tokens"),
    )


def _plant_cache_miss(rows: pl.DataFrame, days: list[date], plan: AnomalyPlan) -> pl.DataFrame:
    """In the miss window the feature's cache reads are billed (and logged) as uncached input (`_missed`)."""
    m = (pl.col("feature") == plan.miss_feature) & (pl.col("provider") == plan.miss_provider) & _day_mask(days, miss_window(days, plan))
    return rows.with_columns(pl.when(m).then(pl.col("cached_input_tokens")).otherwise(0).alias("_missed")).with_columns(
        (pl.col("cached_input_tokens") - pl.col("_missed")).alias("cached_input_tokens"))


def _plant_drift(rows: pl.DataFrame, plan: AnomalyPlan, rng: np.random.Generator) -> pl.DataFrame:
    drifting = [f.name for f in FEATURES if f.tokenizer_drift]
    ratio = rng.normal(plan.drift_ratio_mean, plan.drift_ratio_sd, rows.height)
    extra = np.round(rows["input_tokens"].to_numpy() * (ratio - 1.0)).astype(np.int64)
    m = pl.col("feature").is_in(drifting)
    return rows.with_columns(
        pl.when(m).then(pl.Series(extra)).otherwise(0).alias("_drift_extra")
    ).with_columns((pl.col("b_input_uncached") + pl.col("_drift_extra")).alias("b_input_uncached"))


def _plant_eviction(rows: pl.DataFrame, days: list[date], plan: AnomalyPlan, windows: Windows) -> pl.DataFrame:
    m = (
        (pl.col("feature") == plan.eviction_feature)
        & (pl.col("provider") == plan.eviction_provider)
        & pl.col("model").str.starts_with(plan.eviction_model_prefix)
        & _day_mask(days, windows.eviction)
    )
    evicted = (pl.col("cached_input_tokens") * plan.eviction_share).floor().cast(pl.Int64)
    return rows.with_columns(pl.when(m).then(evicted).otherwise(0).alias("_evicted")).with_columns(
        (pl.col("b_input_cache_read") - pl.col("_evicted")).alias("b_input_cache_read"),
        (pl.col("b_input_uncached") + pl.col("_evicted")).alias("b_input_uncached"),
    )


def _plant_retries(
    rows: pl.DataFrame, days: list[date], plan: AnomalyPlan, windows: Windows, rng: np.random.Generator
) -> pl.DataFrame:
    """A proxy dropped streams: the first attempt was billed, our counters saw only the retry."""
    eligible = (
        (pl.col("feature") == plan.retry_feature)
        & (pl.col("provider") == plan.retry_provider)
        & ~pl.col("model").str.starts_with("text-embedding")  # only streamed chat calls drop
        & _day_mask(days, windows.retry)
    )
    draw = pl.Series("u", rng.uniform(0, 1, rows.height))
    rows = rows.with_columns((eligible & (draw < plan.retry_rate)).alias("_retried"))
    retried = rows.filter("_retried")
    partial = rng.uniform(0.1, 0.6, retried.height)
    back = rng.integers(3_000_000, 30_000_000, retried.height)
    dropped = retried.with_columns(
        (pl.col("ts_us") - pl.Series(back)).alias("ts_us"),
        (pl.col("request_id") + "-a1").alias("request_id"),
        pl.lit(1, pl.Int32).alias("attempt"),
        pl.lit(StreamOutcome.DROPPED).alias("stream_outcome"),
        (pl.col("b_output") * pl.Series(partial)).floor().cast(pl.Int64).alias("b_output"),
        pl.lit(True).alias("_dropped"),
        *[pl.lit(None, pl.Int64).alias(c) for c in (
            "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "latency_ms"
        )],
    )
    rows = rows.with_columns(
        pl.when("_retried").then(2).otherwise(1).cast(pl.Int32).alias("attempt"),
        pl.lit(StreamOutcome.COMPLETED).alias("stream_outcome"),
        pl.lit(False).alias("_dropped"),
    )
    return pl.concat([rows, dropped.select(rows.columns)], how="vertical")


def day_list(end: date, n_days: int) -> list[date]:
    return [end - timedelta(days=n_days - 1 - i) for i in range(n_days)]
