"""Helpers for the reconcile tests: score findings against a ground truth (no tests here)."""

from __future__ import annotations

from typing import Any

import polars as pl


def found(causes: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {"cause": r["cause"], "provider": r["provider"], "projects": set(r["projects"].split(",")),
         "start": r["start"].isoformat(), "end": r["end"].isoformat(), "dollars": r["dollar_impact"]}
        for r in causes.iter_rows(named=True)
    ]


def matches(f: dict[str, Any], truth: dict[str, Any]) -> bool:
    """Same cause, provider, projects and day range (start and end, UTC, inclusive)."""
    return (f["cause"] == truth["cause"] and f["provider"] == truth["provider"]
            and f["projects"] == set(truth["project_ids"]) and f["start"] == truth["start"] and f["end"] == truth["end"])


def score(findings: list[dict[str, Any]], truth: list[dict[str, Any]]) -> tuple[float, float]:
    """(recall, precision); every finding counts, "unexplained" ones too."""
    recall = sum(any(matches(f, t) for f in findings) for t in truth) / len(truth)
    precision = sum(any(matches(f, t) for t in truth) for f in findings) / len(findings) if findings else 1.0
    return recall, precision


def reconcile(store, since=None, until=None, provider=None, project=None, *, catalog=None, thresholds=None):  # type: ignore[no-untyped-def]
    """The engine at the default catalog and thresholds: these tests are the entry point that chooses them."""
    from finops.models.pricing.catalog import load_catalog
    from finops.reconcile import Thresholds
    from finops.reconcile import reconcile as engine

    return engine(store, since, until, provider, project, catalog=catalog if catalog is not None else load_catalog(),
                  thresholds=thresholds or Thresholds())
