"""How a screen's table shows a frame: column label and kind (money, int, pct, provenance...)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

# money: null is "unpriced"; unit_money: per-unit money with 4 decimals, null is "—" (no units);
# pct: a signed change; share: an unsigned part of a whole, in percent.
KINDS = ("text", "money", "unit_money", "int", "float", "pct", "share", "provenance", "date")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # one of KINDS
    currency: str = "USD"


def columns_for(
    frame: pl.DataFrame,
    kinds: Mapping[str, str],
    currency: str,
    labels: Mapping[str, str] | None = None,
    hidden: Iterable[str] = (),
) -> tuple[Column, ...]:
    """One Column per frame column (in frame order), numeric kinds inferred when not given."""
    labels = labels or {}
    skip = set(hidden)
    out = []
    for name, dtype in frame.schema.items():
        if name in skip:
            continue
        kind = kinds.get(name) or ("int" if dtype.is_integer() else "float" if dtype.is_float() else "text")
        out.append(Column(name, labels.get(name, name.replace("_", " ")), kind, currency))
    return tuple(out)
