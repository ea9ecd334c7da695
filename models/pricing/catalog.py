"""The price catalog: load and validate effective-dated prices, and merge a user override.

The default catalog is the installed genai-prices package's data
(models.pricing.package_catalog) with catalog.csv beside this module merged over it: the
prices the package lacks or differs on, each with a source URL and an "as of" date. Every
row carries `source` (`genai-prices==<version>` or `file:line`). A user catalog (negotiated discounts) of the same
columns wins wherever its periods overlap a default row: the default row is clipped
around it, so the merged catalog never has two rows in force for the same provider,
model and token class on the same day. Lookups (models.pricing.lookup) are polars joins
on that merged frame. A model the catalog does not know stays unpriced, never $0.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from finops.errors import PricingError
from finops.schema import TokenClass
from finops.models.pricing.frame import CATALOG_SCHEMA
from finops.models.pricing.lookup import cost, price, resolve_models

__all__ = [
    "CATALOG_SCHEMA", "COLUMNS", "OPTIONAL_COLUMNS", "cost", "default_catalog_path",
    "load_catalog", "price", "read_catalog", "resolve_models",
]

COLUMNS = ("provider", "model", "token_class", "usd_per_million", "effective_from", "effective_to", "source_url", "as_of")
OPTIONAL_COLUMNS = ("batch_discount", "long_context_above_tokens", "long_context_usd_per_million", "tier")
STANDARD_TIER_NAMES = ("", "standard", "default", "auto")
# Reasoning is billed as output, so a catalog prices output only.
PRICED_CLASSES = tuple(c for c in TokenClass.TOKENS if c != TokenClass.REASONING)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_MODEL = re.compile(r"^\S+$")


def default_catalog_path() -> Path:
    return Path(str(resources.files("finops.models.pricing").joinpath("catalog.csv")))


class _Row:
    """One CSV record being validated; every error names file, line and field."""

    def __init__(self, path: Path, line: int, rec: dict[str, str | None]) -> None:
        self.path, self.line, self.rec = path, line, rec

    def fail(self, field: str, problem: str) -> PricingError:
        return PricingError(f"{self.path}:{self.line}: field {field!r}: {problem}")

    def text(self, field: str, pattern: re.Pattern[str] | None = None) -> str:
        value = (self.rec.get(field) or "").strip()
        if not value:
            raise self.fail(field, "is empty")
        if pattern is not None and not pattern.match(value):
            raise self.fail(field, f"{value!r} is not a valid name")
        return value

    def number(self, field: str, required: bool = True, lo: float = 0.0, hi: float | None = None) -> float | None:
        raw = (self.rec.get(field) or "").strip()
        if not raw:
            if required:
                raise self.fail(field, "is empty")
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(field, f"{raw!r} is not a number") from None
        if not math.isfinite(value) or value < lo or (hi is not None and value >= hi):
            bound = f"in [{lo:g}, {hi:g})" if hi is not None else f">= {lo:g}"
            raise self.fail(field, f"{raw!r} is not {bound}")
        return value

    def day(self, field: str, required: bool) -> date | None:
        raw = (self.rec.get(field) or "").strip()
        if not raw:
            if required:
                raise self.fail(field, "is empty")
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.fail(field, f"{raw!r} is not a YYYY-MM-DD date") from None


def _parse(row: _Row) -> dict[str, Any]:
    token_class = row.text("token_class")
    if token_class == TokenClass.REASONING:
        raise row.fail("token_class", "reasoning is billed as output; price the 'output' class")
    if token_class not in PRICED_CLASSES:
        raise row.fail("token_class", f"{token_class!r} is not a token class ({', '.join(PRICED_CLASSES)})")
    start, end = row.day("effective_from", True), row.day("effective_to", False)
    if end is not None and start is not None and end <= start:
        raise row.fail("effective_to", f"{end} is not after effective_from {start}")
    above = row.number("long_context_above_tokens", required=False, lo=1)
    long_price = row.number("long_context_usd_per_million", required=False)
    if (above is None) != (long_price is None):
        missing = "long_context_above_tokens" if above is None else "long_context_usd_per_million"
        raise row.fail(missing, "is empty but the other long-context field is set")
    if above is not None and above != int(above):
        raise row.fail("long_context_above_tokens", f"{above!r} is not a whole number of tokens")
    return {
        "provider": row.text("provider", _NAME), "model": row.text("model", _MODEL), "token_class": token_class,
        "usd_per_million": row.number("usd_per_million"), "effective_from": start, "effective_to": end,
        "source_url": row.text("source_url"), "as_of": row.day("as_of", True),
        "batch_discount": row.number("batch_discount", required=False, hi=1.0),
        "long_context_above_tokens": int(above) if above is not None else None,
        "long_context_usd_per_million": long_price,
        "price_row_id": f"{row.path.name}:{row.line}",
        "source": f"{row.path.name}:{row.line}",
        "tier": _tier(row),
    }


def _tier(row: _Row) -> str:
    """The service tier a row prices: "" = standard (list), or batch, flex, priority, ..."""
    value = (row.rec.get("tier") or "").strip().lower()
    if value in STANDARD_TIER_NAMES:
        return ""
    if not _NAME.match(value):
        raise row.fail("tier", f"{value!r} is not a tier name")
    return value


def _check_overlaps(rows: list[dict[str, Any]], path: Path) -> None:
    """Two rows in force on the same day for one price would make a lookup ambiguous."""
    by_key: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        by_key.setdefault((r["provider"], r["model"], r["token_class"], r["tier"]), []).append(r)
    for group in by_key.values():
        group.sort(key=lambda r: r["effective_from"])
        for prev, cur in zip(group, group[1:]):
            if prev["effective_to"] is None or cur["effective_from"] < prev["effective_to"]:
                line = cur["price_row_id"].rsplit(":", 1)[1]
                until = prev["effective_to"] or "open end"
                raise PricingError(
                    f"{path}:{line}: field 'effective_from': {cur['effective_from']} overlaps line "
                    f"{prev['price_row_id'].rsplit(':', 1)[1]} ({prev['effective_from']} to {until})"
                )


def read_catalog(path: Path) -> pl.DataFrame:
    """Rows of one catalog file, validated; errors name file, line and field."""
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise PricingError(f"{path}: cannot read price catalog ({exc.strerror})") from None
    rows: list[dict[str, Any]] = []
    try:
        _read_rows(path, fh, rows)
    except UnicodeDecodeError:  # decoded in chunks as read: decode the whole file again to name the line
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
            line = ""
        except UnicodeDecodeError as exc:
            line = ":" + str(raw[:exc.start].count(b"\n") + 1)
        raise PricingError(f"{path}{line}: not UTF-8 text; save the catalog as UTF-8 CSV") from None
    _check_overlaps(rows, path)
    return pl.DataFrame(rows, schema=CATALOG_SCHEMA)


def _read_rows(path: Path, fh: Any, rows: list[dict[str, Any]]) -> None:
    with fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise PricingError(f"{path}:1: missing column(s) {', '.join(missing)}")
        unknown = [h for h in header if h not in COLUMNS and h not in OPTIONAL_COLUMNS]
        if unknown:
            raise PricingError(f"{path}:1: field {unknown[0]!r} is not a catalog column "
                               f"(known: {', '.join(COLUMNS + OPTIONAL_COLUMNS)})")
        reader.fieldnames = header
        for rec in reader:
            if None in rec:  # more cells than header columns
                raise PricingError(f"{path}:{reader.line_num}: {len(rec[None])} cell(s) more than the header has")
            rows.append(_parse(_Row(path, reader.line_num, rec)))


def _subtract(start: date, end: date | None, cuts: Iterable[tuple[date, date | None]]) -> list[tuple[date, date | None]]:
    """The parts of [start, end) not covered by any cut (end None = open)."""
    pieces = [(start, end)]
    for c_start, c_end in cuts:
        out = []
        for p_start, p_end in pieces:
            if (c_end is not None and c_end <= p_start) or (p_end is not None and c_start >= p_end):
                out.append((p_start, p_end))
                continue
            if c_start > p_start:
                out.append((p_start, c_start))
            if c_end is not None and (p_end is None or c_end < p_end):
                out.append((c_end, p_end))
        pieces = out
    return pieces


def merge(base: pl.DataFrame, user: pl.DataFrame) -> pl.DataFrame:
    """`base` with `user` rows winning wherever their periods overlap (base rows are clipped)."""
    key = ["provider", "model", "token_class", "tier"]
    cuts: dict[tuple[str, str, str, str], list[tuple[date, date | None]]] = {}
    for r in user.iter_rows(named=True):
        cuts.setdefault((r["provider"], r["model"], r["token_class"], r["tier"]), []).append((r["effective_from"], r["effective_to"]))
    touched = base.join(user.select(key).unique(), on=key, how="semi")
    kept = []
    for r in touched.iter_rows(named=True):
        for start, end in _subtract(r["effective_from"], r["effective_to"], cuts.get((r["provider"], r["model"], r["token_class"], r["tier"]), [])):
            kept.append({**r, "effective_from": start, "effective_to": end})
    untouched = base.join(user.select(key).unique(), on=key, how="anti")
    return pl.concat([untouched, pl.DataFrame(kept, schema=CATALOG_SCHEMA), user])


@lru_cache(maxsize=1)
def list_prices() -> pl.DataFrame:
    """The default catalog: the installed genai-prices data with catalog.csv (what the package
    lacks or gets wrong, one row per price with its source URL) winning where they overlap."""
    from finops.models.pricing.package_catalog import package_catalog

    return merge(package_catalog(), read_catalog(default_catalog_path())).sort(
        "provider", "model", "token_class", "effective_from")


def load_catalog(override: Path | None = None, base: Path | None = None, listed: pl.DataFrame | None = None) -> pl.DataFrame:
    """The default catalog (package + catalog.csv; `listed` instead when given, e.g. a data
    directory's pinned list prices), or the file `base` alone, with a user catalog merged over it."""
    catalog = read_catalog(base) if base is not None else listed if listed is not None else list_prices()
    if override is not None:
        catalog = merge(catalog, read_catalog(override))
    return catalog.sort("provider", "model", "token_class", "effective_from")
