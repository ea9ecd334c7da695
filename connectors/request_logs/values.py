"""Vectorised parsing of raw fields into typed columns, with a flag for every value that fails.

Request logs, FOCUS exports and COGS bills share these helpers. The hot path adds one
boolean `__bad_<field>` column per checked field next to the typed value (no Python per
row); only when a file has bad rows are the few offending raw values explained in words
(`explain`), so the cost of a good message is paid on the error path alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import polars as pl

from finops.schema import UTC_TS

if TYPE_CHECKING:
    from finops.config import ConfigFile

BAD = "__bad_"
REC = "__rec"  # 0-based record index in the file, mapped to a line only on the error path
ROW = "__row"  # 0-based output row (several rows may come from one record, e.g. OTel spans)

INT, FLOAT, TS, DATE, MONTH, TEXT, CHOICE = "int", "float", "ts", "date", "month", "text", "choice"
ISO_AWARE = "%Y-%m-%dT%H:%M:%S%.f%#z"
# chrono's RFC 3339 parser: the same instants as ISO_AWARE (and a space for the "T"), in 60% of
# its time; timestamps are the costliest field of a JSON log to check.
RFC3339 = "%+"
ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"
# Sanity bounds (issue 19), the defaults of [ingest] in finops.toml: no cost, quantity or
# token count of one row is larger in magnitude than MAX_NUMBER, and no time lies outside
# FIRST_YEAR to next year.
MAX_NUMBER = 1e15
FIRST_YEAR = 2015
INT64_SAFE = 9.2e18  # below 2**63: a larger bound would let a count overflow the store's Int64 columns


@dataclass(frozen=True)
class Bounds:
    """The sane range of an ingested value: numbers within ±max_number, times in first_year..last_year."""

    max_number: float = MAX_NUMBER
    first_year: int = FIRST_YEAR
    last_year: int | None = None  # None: next year, worked out at each run (a log may run slightly ahead)

    @property
    def end_year(self) -> int:
        return self.last_year if self.last_year is not None else datetime.now(timezone.utc).year + 1

    @property
    def first(self) -> datetime:
        return datetime(self.first_year, 1, 1, tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        """The first instant past the window."""
        return datetime(self.end_year + 1, 1, 1, tzinfo=timezone.utc)

    def limit(self, f: "Field") -> float:
        """A number field's largest magnitude: the configured bound, narrowed by the field's own."""
        return min(f.maximum, self.max_number) if f.maximum else self.max_number

    def window(self) -> str:
        return f"{self.first_year} to {self.end_year}"


SECTION = "ingest"


def bounds_from_config(config: "ConfigFile") -> Bounds:
    """[ingest] of finops.toml: max_number, first_year, last_year; a bad value is one line naming key and line."""
    section = config.section(SECTION)
    d = Bounds()
    top = section.get("max_number", d.max_number)
    if isinstance(top, bool) or not isinstance(top, (int, float)) or not 0 < top <= INT64_SAFE:
        config.fail(f"{SECTION}.max_number", f"must be a number above 0 and at most {INT64_SAFE:g} (got {top!r})")
    years: dict[str, int | None] = {}
    for key, default in (("first_year", d.first_year), ("last_year", d.last_year)):
        value = section.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1970 <= value <= 9998):
            config.fail(f"{SECTION}.{key}", f"must be a year from 1970 to 9998 (got {value!r})")
        years[key] = value
    b = Bounds(float(top), years["first_year"] or d.first_year, years["last_year"])
    if b.end_year < b.first_year:
        config.fail(f"{SECTION}.last_year", f"must not be before first_year ({b.first_year})")
    unknown = sorted(set(section) - {"max_number", "first_year", "last_year"})
    if unknown:
        config.fail(f"{SECTION}.{unknown[0]}", "is not a setting (max_number, first_year, last_year)")
    return b


# The bounds in force: the defaults, or finops.toml's for the span of one `finops ingest`
# (set at the command's edge, so the readers below need no extra parameter).
_BOUNDS: ContextVar[Bounds] = ContextVar("finops_ingest_bounds", default=Bounds())


def current_bounds() -> Bounds:
    return _BOUNDS.get()


@contextmanager
def using_bounds(bounds: Bounds) -> Iterator[Bounds]:
    token = _BOUNDS.set(bounds)
    try:
        yield bounds
    finally:
        _BOUNDS.reset(token)


@dataclass(frozen=True)
class Field:
    """One checked field: its kind, whether it must be present, bounds and allowed values."""

    name: str
    kind: str
    required: bool = False
    minimum: float | None = 0
    choices: tuple[str, ...] = ()
    maximum: float | None = None  # a number's largest magnitude, narrowing the configured one (None: that one)
    label: str | None = None  # how the source names it, for messages (e.g. gen_ai.usage.input_tokens)

    @property
    def shown(self) -> str:
        return self.label or self.name


def _blank(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return raw.is_null() | (raw.str.len_bytes() == 0)
    return raw.is_null()


def _epoch(num: pl.Expr | pl.Series) -> pl.Expr:
    """Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude."""
    a = num.abs()
    micros = (
        pl.when(a >= 1e17).then(num / 1e3)
        .when(a >= 1e14).then(num)
        .when(a >= 1e11).then(num * 1e3)
        .otherwise(num * 1e6)
    )
    # Out of Int64 range (an epoch of 1e30) is no time at all: null, then flagged as bad.
    in_range = micros.is_finite() & (micros.abs() < 9.2e18)
    return pl.from_epoch(pl.when(in_range).then(micros).cast(pl.Int64, strict=False), time_unit="us").dt.replace_time_zone("UTC")


def parse_ts_text(s: pl.Series) -> pl.Series:
    """ISO 8601 with Z or an offset (fast path), then naive (UTC), space-separated, date-only, epoch."""
    s = s.cast(pl.String).str.strip_chars()
    out = s.str.to_datetime(RFC3339, strict=False, time_unit="us", time_zone="UTC")
    todo = out.is_null() & s.is_not_null() & (s != "")
    if not todo.any():
        return out.alias(s.name)
    idx = todo.arg_true()
    # BigQuery-style "2026-10-05 00:00:00 UTC" and space-separated times
    rest = s.gather(idx).str.replace(r"\s*(UTC|GMT)$", "+00:00").str.replace(" ", "T", literal=True)
    numeric = rest.str.contains(r"^-?\d+(\.\d+)?$")
    fixed = pl.select(
        pl.coalesce(
            rest.str.to_datetime(ISO_AWARE, strict=False, time_unit="us", time_zone="UTC"),
            rest.str.to_datetime(ISO_NAIVE, strict=False, time_unit="us").dt.replace_time_zone("UTC"),
            rest.str.to_datetime("%Y-%m-%dT%H:%M", strict=False, time_unit="us").dt.replace_time_zone("UTC"),
            rest.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
            pl.when(numeric).then(_epoch(rest.cast(pl.Float64, strict=False))),
        )
    ).to_series()
    return out.scatter(idx, fixed).alias(s.name)


def ts_text(expr: pl.Expr) -> pl.Expr:
    """Timestamps from text in any of the accepted forms (see parse_ts_text)."""
    return expr.cast(pl.String).map_batches(parse_ts_text, return_dtype=UTC_TS, is_elementwise=True)


def _ts(raw: pl.Expr, dtype: pl.DataType, lenient: bool) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        e = raw.dt.convert_time_zone("UTC") if dtype.time_zone else raw.dt.replace_time_zone("UTC")
        return e.dt.cast_time_unit("us")
    if isinstance(dtype, pl.Date):
        return raw.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if dtype.is_numeric():
        return _epoch(raw.cast(pl.Float64))
    if not lenient:
        return raw.cast(pl.String).str.to_datetime(RFC3339, strict=False, time_unit="us", time_zone="UTC")
    return ts_text(raw)


def _recast_misses(s: pl.Series, out: pl.Series, fix) -> pl.Series:  # type: ignore[no-untyped-def]
    """`out` (a plain cast of `s`) with the values it missed worked out again by `fix`, on those values only."""
    todo = out.is_null() & s.is_not_null()
    if not todo.any():
        return out
    idx = todo.arg_true()
    return out.scatter(idx, fix(s.gather(idx).str.strip_chars()))


def _whole(rest: pl.Series) -> pl.Series:
    as_float = rest.cast(pl.Float64, strict=False)
    # "12.0" is a whole number; a JSON exporter that writes floats should not fail the load.
    return pl.select(pl.coalesce(
        rest.cast(pl.Int64, strict=False), pl.when(as_float.is_finite() & (as_float.abs() < 9.2e18) & (as_float == as_float.floor()))
        .then(as_float).cast(pl.Int64, strict=False)
    )).to_series()


def parse_int_text(s: pl.Series) -> pl.Series:
    """Whole numbers from text: a plain cast (fast path), then padded or "12.0" forms."""
    return _recast_misses(s, s.cast(pl.Int64, strict=False), _whole)


def parse_float_text(s: pl.Series) -> pl.Series:
    """Numbers from text: a plain cast, then padded or thousands-separated ("1,234.5") forms."""
    return _recast_misses(
        s, s.cast(pl.Float64, strict=False), lambda rest: rest.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    )


def normalize_choice(s: pl.Series) -> pl.Series:
    """Trimmed lower-case text, worked out once per distinct value (choices repeat a lot)."""
    distinct = s.unique().drop_nulls()
    norm = distinct.str.strip_chars().str.to_lowercase()
    if distinct.equals(norm):
        return s
    return s.replace(distinct, norm)


def _int(raw: pl.Expr, dtype: pl.DataType, lenient: bool) -> pl.Expr:
    if dtype.is_integer():
        return raw.cast(pl.Int64)
    if dtype.is_float():
        ok = raw.is_finite() & (raw.abs() < 9.2e18) & (raw == raw.floor())  # NaN equals itself in polars
        return pl.when(ok).then(raw).cast(pl.Int64, strict=False)
    if not lenient:
        return raw.cast(pl.String).cast(pl.Int64, strict=False)
    return raw.cast(pl.String).map_batches(parse_int_text, return_dtype=pl.Int64, is_elementwise=True)


def _float(raw: pl.Expr, dtype: pl.DataType, lenient: bool) -> pl.Expr:
    if dtype.is_numeric():
        return raw.cast(pl.Float64)
    if not lenient:
        return raw.cast(pl.String).cast(pl.Float64, strict=False)
    return raw.cast(pl.String).map_batches(parse_float_text, return_dtype=pl.Float64, is_elementwise=True)


def _date(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Date):
        return raw
    if isinstance(dtype, pl.Datetime):
        return raw.dt.date()
    text = raw.cast(pl.String).str.strip_chars()
    return pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False), text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))


def typed(f: Field, dtype: pl.DataType, lenient: bool = True) -> pl.Expr:
    """The typed value of a raw column (null when missing or unparseable).

    The strict form is plain polars casts, for the hot path; the lenient one also takes
    naive or epoch times, "12.0", padded numbers and any letter case, through per-batch
    functions that cost more. A value the strict form rejects is tried leniently before
    it is called bad (see `check`), so both give the same rows.
    """
    raw = pl.col(f.name)
    if f.kind == TS:
        return _ts(raw, dtype, lenient)
    if f.kind == INT:
        return _int(raw, dtype, lenient)
    if f.kind == FLOAT:
        return _float(raw, dtype, lenient)
    if f.kind == DATE:
        return _date(raw, dtype)
    if f.kind == MONTH:  # YYYY-MM, or a date or timestamp within the month
        return _date(raw, dtype).dt.truncate("1mo") if dtype != pl.String else pl.coalesce(
            raw.str.strip_chars().str.slice(0, 7).str.to_date("%Y-%m", strict=False), _date(raw, dtype).dt.truncate("1mo"))
    text = raw.cast(pl.String)
    if f.kind == CHOICE and lenient:
        text = text.map_batches(normalize_choice, return_dtype=pl.String, is_elementwise=True)
    elif f.kind == CHOICE and not f.choices:
        text = text.str.to_lowercase()
    return pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)


def bad(f: Field, dtype: pl.DataType, value: pl.Expr) -> pl.Expr:
    """True where the raw value is present but invalid, or missing though required."""
    blank = _blank(pl.col(f.name), dtype)
    flag = value.is_null() & (pl.lit(True) if f.required else ~blank)
    if f.kind in (INT, FLOAT) and f.minimum is not None:
        flag = flag | (value < f.minimum).fill_null(False)
    b = current_bounds()
    if f.kind in (INT, FLOAT):  # NaN, infinities and absurd magnitudes are never a cost or a count
        num = value.cast(pl.Float64)
        flag = flag | (~num.is_finite() | (num.abs() > b.limit(f))).fill_null(False)
    if f.kind == TS:
        flag = flag | ((value < b.first) | (value >= b.end)).fill_null(False)
    if f.kind in (DATE, MONTH):  # a day or a month is held to the same window as a time
        flag = flag | ((value < b.first.date()) | (value >= b.end.date())).fill_null(False)
    if f.kind == CHOICE and f.choices:
        flag = flag | (~value.is_in(list(f.choices))).fill_null(False)
    if f.kind in (TEXT, CHOICE) and _is_id(f):
        flag = flag | value.str.contains(CONTROL).fill_null(False)
    return flag


# An id with a control character (NUL, newline, escape) is a broken record, not a name.
CONTROL = r"[\x00-\x1f\x7f]"


def _is_id(f: Field) -> bool:
    return f.name.endswith(("_id", "Id", "_ID")) or f.name in ("request_id", "model", "provider")


def can_fail(f: Field) -> bool:
    """Optional free text is never wrong (an id is not free text); everything else gets a flag."""
    return f.required or _is_id(f) or f.kind not in (TEXT,) and not (f.kind == CHOICE and not f.choices)


def check(lf: pl.LazyFrame, fields: list[Field], lenient: bool = True) -> pl.LazyFrame:
    """Replace each present field by its typed value and add its `__bad_` flag (one pass).

    Callers run the strict form first and, only if it flags rows, the lenient one.
    """
    schema = lf.collect_schema()
    exprs = []
    for f in fields:
        if f.name not in schema:
            continue
        value = typed(f, schema[f.name], lenient)
        if can_fail(f):
            flag = bad(f, schema[f.name], value)
            if f.kind in (INT, FLOAT):  # a bad number never reaches the store's typed columns
                value = pl.when(flag).then(None).otherwise(value)
            exprs.append(flag.alias(BAD + f.name))
        exprs.insert(len(exprs) - 1 if can_fail(f) else len(exprs), value.alias(f.name))
    return lf.with_columns(exprs)


def explain(f: Field, raw: object) -> str:
    """Why one raw value was rejected, in words (error path only)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "missing" if f.required or raw is None else "blank (leave the value out instead)"
    shown = repr(raw if not isinstance(raw, str) else raw[:60])
    b = current_bounds()
    series = pl.Series(f.name, [raw])
    try:
        v = pl.DataFrame(series).select(typed(f, series.dtype)).to_series()[0]
    except (ValueError, OverflowError):  # a time Python cannot hold (year 0, year 10000+)
        return f"{shown} is outside {b.window()}"
    if v is None:
        what = {
            INT: "a whole number", FLOAT: "a number", TS: "a timestamp (ISO 8601 or epoch)",
            DATE: "a date (YYYY-MM-DD)", MONTH: "a month (YYYY-MM)", TEXT: "text", CHOICE: "a value",
        }[f.kind]
        return f"{shown} is not {what}"
    if f.kind in (INT, FLOAT) and not math.isfinite(v):
        return f"{shown} is not a finite number"
    if f.kind in (INT, FLOAT) and abs(v) > b.limit(f):
        return f"{v:g} is beyond the sane range (±{b.limit(f):g})"
    if f.kind in (INT, FLOAT) and f.minimum is not None and v < f.minimum:
        return f"{v:g} is below {f.minimum:g}" if f.minimum else f"{v:g} is negative"
    if f.kind == TS and not (b.first <= v < b.end):
        return f"{shown} is outside {b.window()}"
    if f.kind in (DATE, MONTH) and not (b.first.date() <= v < b.end.date()):
        return f"{shown} is outside {b.window()}"
    if f.kind in (TEXT, CHOICE) and isinstance(v, str) and re.search(CONTROL, v):
        return f"{shown} contains a control character"
    if f.kind == CHOICE and f.choices and v not in f.choices:
        return f"{shown} is not one of {', '.join(f.choices)}"
    return f"{shown} is not valid"
