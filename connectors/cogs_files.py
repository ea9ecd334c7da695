"""Read the non-inference COGS bills (vector DB, observability, human review) into cost lines.

Each kind accepts the files docs/sources.md lists (a Pinecone usage CSV; a Datadog
estimated-cost CSV or API JSON, or Langfuse/LangSmith plan lines; a human-review CSV of
reviewer hours or of reviewed items) and returns rows in the cost_lines schema with
x_CostSource and x_AllocationDriver set. Costs stay in the bill's currency. Every value is
checked in one vectorised pass; bad rows come back as Problems naming file, line and field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from finops.connectors import cogs_review, cogs_vendors
from finops.connectors.request_logs.problems import Problems
from finops.errors import InputError

KINDS = ("vector-db", "observability", "review")

Reader = Callable[[Path, str | None, dict[str, str] | None, str | None], tuple[pl.DataFrame, Problems]]

READERS: dict[str, Reader] = {"vector-db": cogs_vendors.read_vector_db, "observability": cogs_vendors.read_observability,
                               "review": cogs_review.read_review}


def read_cogs(path: Path, kind: str, source: str | None = None, mapping: dict[str, str] | None = None,
              currency: str | None = None) -> tuple[pl.DataFrame, Problems]:
    """Cost lines from one COGS file of the given kind, and its bad rows (left out of the lines)."""
    if kind not in READERS:
        raise InputError(f"{path}: unknown COGS kind {kind!r}; known: {', '.join(KINDS)}")
    return READERS[kind](Path(path), source, mapping, currency)


def read_cogs_file(path: Path, kind: str, source: str | None = None) -> pl.DataFrame:
    """Cost lines from one COGS file; a bad row is an InputError naming file, line and field."""
    lines, problems = read_cogs(path, kind, source)
    if problems:
        raise InputError(problems.message())
    return lines
