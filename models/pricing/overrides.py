"""The team's own rates: a rate card CSV named by `[pricing] overrides` in finops.toml.

Columns (header required, any order):

    provider, model, token_class, price, effective_from    required
    currency      ISO code, default USD (converted to USD per day with the [display] fx_rates file)
    effective_to  exclusive end; empty = open
    tier          "" / standard (the list tier), batch, flex, priority, ... (a provider's service tier)
    batch_discount  fraction off a standard row for batch calls (0 <= d < 1)
    note          free text (a contract reference)

`price` is per million tokens of `token_class`. An override row wins over the list price
for its (provider, model, class, tier) on the days it covers; the list price stays in force
outside them. The model may be any spelling the resolver knows (`claude-sonnet-4-20250514`
is stored as `claude-sonnet-4`) or a private model's own name. Every row is cited as
`<file>:<line>` in `price_row_id` and `source`, so a priced figure says which row priced it.

Bad rows: an unknown token class, a negative or non-numeric price, a bad date, an end
before its start, an unknown currency code or overlapping periods for one price are a
one-line PricingError naming file, line and field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from finops.errors import CurrencyError, PricingError
from finops.schema import TokenClass

REQUIRED = ("provider", "model", "token_class", "price", "effective_from")
OPTIONAL = ("currency", "effective_to", "tier", "batch_discount", "note")
STANDARD_NAMES = ("", "standard", "default", "auto")
PRICED_CLASSES = tuple(c for c in TokenClass.TOKENS if c != TokenClass.REASONING)
OVERRIDE_SCHEMA = pl.Schema({
    "provider": pl.String, "model": pl.String, "token_class": pl.String, "price": pl.Float64, "currency": pl.String,
    "effective_from": pl.Date, "effective_to": pl.Date, "tier": pl.String, "batch_discount": pl.Float64,
    "note": pl.String, "line": pl.Int64, "file": pl.String,
})
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class _Rec:
    path: Path
    line: int
    rec: dict[str, str | None]

    def fail(self, field: str, problem: str) -> PricingError:
        return PricingError(f"{self.path}:{self.line}: field {field!r}: {problem}")

    def get(self, field: str) -> str:
        return (self.rec.get(field) or "").strip()

    def day(self, field: str) -> date | None:
        raw = self.get(field)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.fail(field, f"{raw!r} is not a YYYY-MM-DD date") from None

    def number(self, field: str, hi: float | None = None) -> float | None:
        raw = self.get(field)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(field, f"{raw!r} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise self.fail(field, f"{raw!r} is not a finite number")
        if value < 0:
            raise self.fail(field, f"{raw!r} is negative")
        if hi is not None and value >= hi:
            raise self.fail(field, f"{raw!r} is not below {hi:g}")
        return value


def _parse(r: _Rec) -> dict[str, Any]:
    provider = r.get("provider").lower()
    if not provider or not _NAME.match(provider):
        raise r.fail("provider", f"{r.get('provider')!r} is not a provider name" if provider else "is empty")
    model = r.get("model")
    if not model or any(ch.isspace() for ch in model):
        raise r.fail("model", f"{model!r} is not a model name" if model else "is empty")
    token_class = r.get("token_class").lower()
    if token_class == TokenClass.REASONING:
        raise r.fail("token_class", "reasoning is billed as output; give the 'output' class")
    if token_class not in PRICED_CLASSES:
        raise r.fail("token_class", f"{r.get('token_class')!r} is not a token class ({', '.join(PRICED_CLASSES)})")
    price = r.number("price")
    if price is None:
        raise r.fail("price", "is empty")
    start = r.day("effective_from")
    if start is None:
        raise r.fail("effective_from", "is empty")
    end = r.day("effective_to")
    if end is not None and end <= start:
        raise r.fail("effective_to", f"{end} is not after effective_from {start}")
    currency = (r.get("currency") or "USD").upper()
    if not _CURRENCY.match(currency):
        raise r.fail("currency", f"{r.get('currency')!r} is not a three-letter currency code")
    tier = r.get("tier").lower()
    tier = "" if tier in STANDARD_NAMES else tier
    if tier and not _NAME.match(tier):
        raise r.fail("tier", f"{r.get('tier')!r} is not a tier name")
    return {
        "provider": provider, "model": model.lower(), "token_class": token_class, "price": price, "currency": currency,
        "effective_from": start, "effective_to": end, "tier": tier, "batch_discount": r.number("batch_discount", hi=1.0),
        "note": r.get("note") or None, "line": r.line, "file": r.path.name,
    }


def read_overrides(path: Path) -> pl.DataFrame:
    """The rate card's rows, validated (overlaps included); errors name file, line and field."""
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise PricingError(f"{path}: cannot read the rate card ([pricing] overrides): {exc.strerror}") from None
    rows: list[dict[str, Any]] = []
    with fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise PricingError(f"{path}:1: field {missing[0]!r}: missing column (required: {', '.join(REQUIRED)})")
        unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
        if unknown:
            raise PricingError(f"{path}:1: field {unknown[0]!r}: not a rate card column "
                               f"(known: {', '.join(REQUIRED + OPTIONAL)})")
        reader.fieldnames = header
        for rec in reader:
            if None in rec:
                raise PricingError(f"{path}:{reader.line_num}: field {header[-1]!r}: {len(rec[None])} cell(s) more than the header has")
            if not any((v or "").strip() for v in rec.values()):
                continue
            rows.append(_parse(_Rec(path, reader.line_num, rec)))
    frame = pl.DataFrame(rows, schema=OVERRIDE_SCHEMA)
    return frame


def check_overlaps(frame: pl.DataFrame, path: Path) -> None:
    """Two rows for one price (provider, model, class, tier) in force on one day: which applies?"""
    ordered = frame.sort("provider", "model", "token_class", "tier", "effective_from")
    prev: dict[str, Any] | None = None
    for r in ordered.iter_rows(named=True):  # a rate card has tens of rows: read once at start
        same = prev is not None and all(prev[k] == r[k] for k in ("provider", "model", "token_class", "tier"))
        if same and prev is not None and (prev["effective_to"] is None or r["effective_from"] < prev["effective_to"]):
            until = prev["effective_to"] or "open end"
            raise PricingError(f"{path}:{r['line']}: field 'effective_from': {r['effective_from']} overlaps line "
                               f"{prev['line']} ({prev['effective_from']} to {until}) for {r['provider']} "
                               f"{r['model']} {r['token_class']}" + (f" tier {r['tier']}" if r["tier"] else ""))
        prev = r


def to_catalog(frame: pl.DataFrame, fx_into_usd: pl.DataFrame | None = None, fx_source: str = "fx_rates",
               last_day: date | None = None) -> pl.DataFrame:
    """Rate card rows as catalog rows (models.pricing.catalog.CATALOG_SCHEMA), USD per million.

    Non-USD rows are converted day by day: `fx_into_usd` has (currency, rate_date, fx_rate) for
    every day from the row's start to its end (an open end stops at `last_day`); a day without
    a rate is a CurrencyError. Each converted day is its own catalog row citing the same line.
    """
    from finops.models.pricing.frame import CATALOG_SCHEMA

    usd = frame.filter(pl.col("currency") == "USD").with_columns(pl.col("price").alias("usd_per_million"))
    other = frame.filter(pl.col("currency") != "USD")
    parts = [usd]
    if other.height:
        if last_day is None:
            ends = [d for d in (*other["effective_from"].to_list(), *other["effective_to"].drop_nulls().to_list()) if d is not None]
            last_day = max(ends)
        days = other.with_columns(
            pl.date_ranges("effective_from", pl.coalesce(pl.col("effective_to") - timedelta(days=1), pl.lit(last_day)),
                           interval="1d").alias("rate_date")).explode("rate_date").drop_nulls("rate_date")
        rates = fx_into_usd if fx_into_usd is not None else pl.DataFrame(
            schema={"currency": pl.String, "rate_date": pl.Date, "fx_rate": pl.Float64})
        joined = days.join(rates, on=["currency", "rate_date"], how="left")
        missing = joined.filter(pl.col("fx_rate").is_null()).sort("rate_date")
        if missing.height:
            m = missing.row(0, named=True)
            raise CurrencyError(f"{m['file']}:{m['line']}: field 'currency': no {m['currency']}->USD rate on "
                                f"{m['rate_date']} in {fx_source}")
        parts.append(joined.with_columns(
            (pl.col("price") * pl.col("fx_rate")).alias("usd_per_million"),
            pl.col("rate_date").alias("effective_from"),
            (pl.col("rate_date") + timedelta(days=1)).alias("effective_to"),
        ).drop("rate_date", "fx_rate"))
    out = pl.concat(parts, how="diagonal_relaxed") if len(parts) > 1 else parts[0]
    cite = pl.col("file") + ":" + pl.col("line").cast(pl.String)
    return out.select(
        "provider", "model", "token_class", "usd_per_million", "effective_from", "effective_to",
        pl.lit(None, pl.String).alias("source_url"), pl.lit(None, pl.Date).alias("as_of"), "batch_discount",
        pl.lit(None, pl.Int64).alias("long_context_above_tokens"), pl.lit(None, pl.Float64).alias("long_context_usd_per_million"),
        cite.alias("price_row_id"), cite.alias("source"), "tier",
    ).cast(dict(CATALOG_SCHEMA)).select(CATALOG_SCHEMA.names())  # type: ignore[arg-type]


def canonical_models(rows: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Rate card catalog rows with each model named as the catalog names it (one model resolver:
    `claude-sonnet-4-20250514` -> `claude-sonnet-4`, `azure/gpt-4o` -> azure's own row or, for a
    reseller, the maker's name under the card's provider). A private model keeps its name."""
    from finops.models.pricing.lookup import resolve_models

    pairs = rows.select("provider", "model").unique()
    mapping = resolve_models(pairs["model"], pairs["provider"], catalog).select(
        "provider", "model", pl.col("catalog_model").alias("__canonical"))
    return rows.join(mapping, on=["provider", "model"], how="left").with_columns(
        pl.coalesce("__canonical", "model").alias("model")).drop("__canonical").select(rows.columns)
