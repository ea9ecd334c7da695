"""Energy and carbon from the stored request log: per group, per month, and what-if moves.

Reads the `requests` table and calls the pure models in finops.models.energy.
"""

from __future__ import annotations

import polars as pl

from finops.models.energy import carbon, data, whatif
from finops.store import Store


def months(store: Store) -> list[str]:
    """UTC months (YYYY-MM) that have request rows, oldest first."""
    return carbon.months_of(store.scan("requests"))


def carbon_by(store: Store, by: str = "feature", month: str | None = None, *, catalog: pl.DataFrame,
              gpu: str = "H100") -> pl.DataFrame:
    """Wh, gCO2e, tokens per Wh, cost and cost per kg CO2e (low/mid/high) grouped by `by` (carbon.GROUPINGS)."""
    return carbon.carbon_of(store.scan("requests"), by, month, gpu=gpu, catalog=catalog)


def what_if(store: Store, month: str, *, model: str | None = None, region: str | None = None, by: str = "month",
            gpu: str = data.DEFAULT_GPU, catalog: pl.DataFrame) -> pl.DataFrame:
    """A month's traffic moved to another model or region: cost and carbon now and after (models/energy/whatif.py)."""
    return whatif.what_if(store.scan("requests"), month, model=model, region=region, by=by, gpu=gpu, catalog=catalog)
