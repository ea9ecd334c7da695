"""Dated exchange rates from a rates file, and conversion of amounts into the reporting currency.

The file is CSV with the header `date,base,quote,rate`: on `date`, 1 `base` = `rate`
`quote` (e.g. `2026-10-01,EUR,USD,1.0912`). A pair given one way is used the other way
as 1/rate. An amount is converted at the last rate on or before its rate date, at most
`max_age_days` older; anything else is a CurrencyError naming the currency and date,
never a silent 1:1. docs/cogs.md says which date a cost line uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from finops.errors import CurrencyError, InputError

HEADER = ("date", "base", "quote", "rate")
DEFAULT_MAX_AGE_DAYS = 7  # covers weekends and bank holidays when reference rates pause


@dataclass(frozen=True)
class CurrencySettings:
    """`[display] reporting_currency`, `fx_rates` and `fx_max_age_days` (read by finops/services/currency.py)."""

    reporting_currency: str = "USD"
    rates_path: Path | None = None
    max_age_days: int = DEFAULT_MAX_AGE_DAYS


def read_rates(path: Path) -> pl.DataFrame:
    """The rates file as (date, base, quote, rate); a bad row is an InputError naming file, line and field."""
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except FileNotFoundError:
        raise CurrencyError(f"{path}: exchange-rate file not found ([display] fx_rates)") from None
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{path}: cannot read as CSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in HEADER if c not in raw.columns]
    if missing:
        raise InputError(f"{path}:1: missing column {missing[0]!r}; expected header {','.join(HEADER)}")
    out = raw.select(
        pl.col("date").str.strip_chars().str.to_date("%Y-%m-%d", strict=False),
        pl.col("base").str.strip_chars().str.to_uppercase(),
        pl.col("quote").str.strip_chars().str.to_uppercase(),
        pl.col("rate").str.strip_chars().cast(pl.Float64, strict=False),
    )
    checks = {
        "date": out["date"].is_null(),
        "base": ~out["base"].fill_null("").str.contains(r"^[A-Z]{3}$"),
        "quote": ~out["quote"].fill_null("").str.contains(r"^[A-Z]{3}$"),
        "rate": out["rate"].is_null() | (out["rate"].fill_null(0) <= 0) | out["rate"].fill_null(0).is_infinite(),
    }
    for column, bad in checks.items():
        if bad.any():
            i = int(bad.arg_max())  # type: ignore[arg-type]
            raise InputError(f"{path}:{i + 2}: {column}: bad value {raw[column][i]!r}")
    dupes = out.filter(pl.struct("date", "base", "quote").is_duplicated())
    if dupes.height:
        d = dupes.row(0, named=True)
        raise InputError(f"{path}: two rates for {d['base']}/{d['quote']} on {d['date']}")
    return out


@dataclass(frozen=True)
class Rates:
    """A rate table able to convert any currency it has a pair for into one target."""

    frame: pl.DataFrame  # date, base, quote, rate
    source: str = "fx_rates"
    max_age_days: int = DEFAULT_MAX_AGE_DAYS

    @classmethod
    def load(cls, settings: CurrencySettings) -> "Rates":
        if settings.rates_path is None:
            return cls(pl.DataFrame(schema={"date": pl.Date, "base": pl.String, "quote": pl.String, "rate": pl.Float64}),
                       "no rates file ([display] fx_rates)", settings.max_age_days)
        return cls(read_rates(settings.rates_path), str(settings.rates_path), settings.max_age_days)

    def _into(self, target: str) -> pl.DataFrame:
        """(currency, date, rate) such that 1 currency = rate target, direct or inverted pairs."""
        direct = self.frame.filter(pl.col("quote") == target).select(pl.col("base").alias("currency"), "date", "rate")
        inverse = self.frame.filter(pl.col("base") == target).select(
            pl.col("quote").alias("currency"), "date", (1.0 / pl.col("rate")).alias("rate")
        )
        both = pl.concat([direct, inverse]).filter(pl.col("currency") != target)
        # A pair given both ways on one day: the direct quote wins.
        return both.unique(["currency", "date"], keep="first", maintain_order=True).sort("currency", "date")

    def rates_for(self, needs: pl.DataFrame, target: str) -> pl.DataFrame:
        """`needs` (currency, rate_date) -> the same rows plus `fx_rate` (1 currency = fx_rate target).

        Raises CurrencyError for the earliest (currency, date) without a usable rate.
        """
        target = target.upper()
        needs = needs.select(pl.col("currency").str.to_uppercase(), pl.col("rate_date").cast(pl.Date)).unique()
        same = needs.filter(pl.col("currency") == target).with_columns(pl.lit(1.0).alias("fx_rate"))
        other = needs.filter(pl.col("currency") != target).sort("currency", "rate_date")
        if other.height == 0:
            return same
        table = self._into(target).rename({"date": "rate_day"})
        joined = other.join_asof(
            table, left_on="rate_date", right_on="rate_day", by="currency", strategy="backward",
            tolerance=timedelta(days=self.max_age_days), check_sortedness=False,  # both sides sorted above
        )
        missing = joined.filter(pl.col("rate").is_null()).sort("rate_date", "currency")
        if missing.height:
            cur, day = missing.row(0)[:2]
            raise CurrencyError(
                f"no {cur}->{target} exchange rate on {day} or up to {self.max_age_days} days before "
                f"in {self.source}; add a '{day},{cur},{target},<rate>' row"
            )
        return pl.concat([same, joined.select("currency", "rate_date", pl.col("rate").alias("fx_rate"))])

    def rate(self, currency: str, day: date, target: str) -> float:
        frame = self.rates_for(pl.DataFrame({"currency": [currency], "rate_date": [day]}), target)
        return float(frame["fx_rate"][0])


def rate_date_expr(start: str = "ChargePeriodStart", end: str = "ChargePeriodEnd") -> pl.Expr:
    """The day whose rate converts a cost line: the last day its charge period covers.

    Bills are issued and paid at the end of what they charge for, so a monthly EUR bill
    converts at the month's last rate, and a daily line at its own day's rate.
    """
    last_day = (pl.col(end) - pl.duration(microseconds=1)).dt.date()
    start_day = pl.col(start).dt.date()
    return pl.when(pl.col(end).is_not_null() & (pl.col(end) > pl.col(start))).then(last_day).otherwise(start_day)

