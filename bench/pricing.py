"""Bench step `pricing`: N usage rows priced with the catalog built from genai-prices and the one
model resolver, against the catalog join as it was before (bench/_pricing_baseline.py on
bench/data/catalog_16ca19d.csv). Issue 18's target: at most 1.2x the old join's time.

The N rows are the bench request rows (bench/_data.py), one priced row per request: its
provider, model, UTC day, service tier, a token class (cycled over input, cache read and
output) and its tokens. Both sides price the same frame in their own interpreter; setup
(reading the rows, building the catalog) is untimed: the catalog is built once per process
and cached, as in the product.
"""

from __future__ import annotations

from bench._measure import Measurement, Outcome, attempt, run_step
from bench._steps_prepare import Workspace

SETUP = """
import polars as pl
CLASSES = ["input_uncached", "input_cache_read", "output"]
frame = (
    pl.scan_parquet({parquet!r})
    .select("provider", "model", pl.col("ts").dt.date().alias("day"), pl.col("service_tier").fill_null(""),
            pl.int_range(pl.len()).mod(3).alias("__c"), "input_tokens", "cached_input_tokens", "output_tokens")
    .with_columns(pl.col("__c").replace_strict({{0: CLASSES[0], 1: CLASSES[1], 2: CLASSES[2]}}).alias("token_class"),
                  pl.when(pl.col("__c") == 0).then(pl.col("input_tokens")).when(pl.col("__c") == 1)
                  .then(pl.col("cached_input_tokens")).otherwise(pl.col("output_tokens")).fill_null(0).alias("quantity"))
    .drop("__c", "input_tokens", "cached_input_tokens", "output_tokens")
    .collect()
)
{catalog}
"""
NEW_CATALOG = """
from finops.models.pricing.catalog import load_catalog
from finops.models.pricing.lookup import cost
catalog = load_catalog()
cost(frame.head(1000), catalog)  # warm: the resolver's alias table is built once per process, as in the product
"""
OLD_CATALOG = """
from bench._pricing_baseline import cost
catalog = pl.read_csv("bench/data/catalog_16ca19d.csv", try_parse_dates=True, schema_overrides={"effective_to": pl.Date})
catalog = catalog.with_columns(pl.format("catalog.csv:{}", pl.int_range(2, pl.len() + 2)).alias("price_row_id"))
"""
BODY = """
out = cost(frame, catalog)
RESULT["priced_share"] = round(float(out["usd_per_million"].is_not_null().mean()), 4)
RESULT["usd"] = round(float(out["cost_usd"].sum()), 2)
"""


def pricing(ws: Workspace) -> list[Outcome]:
    """The product's pricing, then the old catalog join; the ratio only when both ran."""
    parquet = str(ws.parquet / "*.parquet")
    ours_name, old_name = "pricing (genai-prices + resolver)", "catalog join (before)"

    def measure(name: str, catalog: str) -> Measurement:
        return run_step(name, SETUP.format(parquet=parquet, catalog=catalog), BODY, ws.rows)

    ours = attempt(ws.label, ours_name, ws.rows, lambda: measure(ours_name, NEW_CATALOG))
    old = attempt(ws.label, old_name, ws.rows, lambda: measure(old_name, OLD_CATALOG))
    if ours.measurement is not None and old.measurement is not None:
        ours.notes["x_before"] = f"{ours.measurement.seconds / old.measurement.seconds:.2f}"
    return [ours, old]
