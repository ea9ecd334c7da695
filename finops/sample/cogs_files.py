"""The sample's non-inference COGS bills and its exchange-rate file.

Written in the shapes the ingesters read (docs/sources.md): a Pinecone usage CSV, a
Datadog estimated-cost CSV billed in EUR, a human-review CSV and daily EUR/USD rates.
Volumes follow the generated traffic, so allocation by driver is meaningful.

Contract with the ingesters: finops/sample/load.py reads these files with
`connectors.cogs_files.read_cogs_file(path, kind, source=...) -> pl.DataFrame` (rows in
the cost_lines schema), kind being "vector-db", "observability" or "review".
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from finops.sample.spec import FEATURES
from finops.store import atomic

PINECONE_PRICES = {"Read Units": 16.0 / 1e6, "Write Units": 4.0 / 1e6, "Storage": 0.33}
PINECONE_MINIMUM = 50.0
REVIEW_RATE_PER_HOUR = {"en": 38.0, "ja": 45.0}


def _month_bounds(month: str) -> tuple[date, date]:
    y, m = map(int, month.split("-"))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def pinecone_usage(rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Monthly read/write/storage lines for two indexes, read units driven by traffic."""
    monthly = (
        rows.filter(pl.col("feature").is_in(["rag-search", "support-chat"]) & (pl.col("attempt") == 1))
        .group_by(pl.col("ts").dt.strftime("%Y-%m").alias("month"), "feature")
        .agg(pl.len().alias("requests"))
        .sort("month", "feature")
    )
    index_for = {"rag-search": ("search", "docs-prod", 6.0), "support-chat": ("support", "support-kb", 2.0)}
    out = []
    for i, (month, feature, requests) in enumerate(monthly.iter_rows()):
        project, index, ru_per_call = index_for[feature]
        start, end = _month_bounds(month)
        read_units = float(round(requests * ru_per_call * rng.uniform(0.95, 1.05)))
        write_units = float(round(1_500_000 * (1.02 ** i) * rng.uniform(0.9, 1.1)))
        storage_gb = round(18.0 * (1.015 ** i), 2)
        for sku, qty, unit in (("Read Units", read_units, "RU"), ("Write Units", write_units, "WU"), ("Storage", storage_gb, "GB-month")):
            out.append((start, end, project, index, "us-east-1", sku, qty, unit, round(qty * PINECONE_PRICES[sku], 6)))
    frame = pl.DataFrame(
        out,
        schema=["start_date", "end_date", "project_name", "index_name", "region", "sku", "quantity", "unit", "cost_usd"],
        orient="row",
    )
    # The plan's monthly minimum shows as its own line when usage falls short of it.
    per_month = frame.group_by("start_date", "end_date").agg(pl.col("cost_usd").sum())
    topups = per_month.filter(pl.col("cost_usd") < PINECONE_MINIMUM).select(
        "start_date", "end_date", pl.lit("").alias("project_name"), pl.lit("").alias("index_name"),
        pl.lit("us-east-1").alias("region"), pl.lit("Minimum Usage").alias("sku"), pl.lit(1.0).alias("quantity"),
        pl.lit("month").alias("unit"), (PINECONE_MINIMUM - pl.col("cost_usd")).round(6).alias("cost_usd"),
    )
    return pl.concat([frame, topups]).sort("start_date", "index_name", "sku")


def datadog_costs(rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Monthly observability charges in EUR: LLM spans scale with requests, the rest is flat."""
    monthly = rows.group_by(pl.col("ts").dt.strftime("%Y-%m").alias("month")).agg(pl.len().alias("requests")).sort("month")
    out = []
    for month, requests in monthly.iter_rows():
        out.append((month, "acme-prod", "LLM Observability", "usage", round(requests / 10_000 * 8.0, 2), "EUR"))
        out.append((month, "acme-prod", "Logs", "usage", round(55.0 * rng.uniform(0.9, 1.1), 2), "EUR"))
        out.append((month, "acme-prod", "Infrastructure Hosts", "committed", 90.0, "EUR"))
    return pl.DataFrame(out, schema=["month", "org_name", "product_name", "charge_type", "cost", "currency"], orient="row")


def human_review(rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Reviewed items per day and feature: a share of each feature's tasks, at a minute rate."""
    rates = {f.name: (f.review_rate, f.language) for f in FEATURES if f.review_rate > 0}
    tasks = (
        rows.filter(pl.col("feature").is_in(list(rates)) & pl.col("logged"))
        .group_by(pl.col("ts").dt.date().alias("date"), "feature", "project_id")
        .agg(pl.col("task_id").n_unique().alias("tasks"))
        .sort("date", "feature", "project_id")
    )
    out = []
    for d, feature, project, n_tasks in tasks.iter_rows():
        share, lang = rates[feature]
        items = int(rng.binomial(n_tasks, share))
        if items == 0:
            continue
        minutes = round(items * rng.uniform(1.5, 3.0), 1)
        out.append((d, feature, project, items, minutes, REVIEW_RATE_PER_HOUR[lang], "USD"))
    return pl.DataFrame(
        out, schema=["date", "feature", "project_id", "items_reviewed", "reviewer_minutes", "hourly_rate", "currency"], orient="row"
    )


def fx_rates(days: list[date], rng: np.random.Generator) -> pl.DataFrame:
    """Daily EUR->USD reference rates as a bounded random walk (1 EUR = rate USD)."""
    steps = rng.normal(0, 0.003, len(days))
    rate = np.clip(1.09 * np.exp(np.cumsum(steps)), 0.95, 1.25)
    return pl.DataFrame({"date": days, "base": "EUR", "quote": "USD", "rate": np.round(rate, 5)})


def write_cogs_files(out_dir: Path, rows: pl.DataFrame, days: list[date], rng: np.random.Generator) -> dict[str, Path]:
    files = {
        "cogs/pinecone_usage.csv": pinecone_usage(rows, rng),
        "cogs/datadog_estimated_cost.csv": datadog_costs(rows, rng),
        "cogs/human_review.csv": human_review(rows, rng),
        "fx_rates.csv": fx_rates(days, rng),
    }
    written = {}
    for name, frame in files.items():
        path = out_dir / name
        atomic.write_with(path, frame.write_csv)
        written[name] = path
    return written
