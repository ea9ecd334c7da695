"""Exchange rates: the rates file format, dated lookups, and a missing rate as an error (never 1:1)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from finops.errors import CurrencyError, InputError
from finops.models.cogs.fx import CurrencySettings, Rates, rate_date_expr, read_rates

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fx.csv"
    path.write_text(text)
    return path


def rates(tmp_path: Path, text: str, max_age: int = 7) -> Rates:
    return Rates.load(CurrencySettings("USD", write(tmp_path, text), max_age))


def needs(*pairs: tuple[str, date]) -> pl.DataFrame:
    return pl.DataFrame({"currency": [c for c, _ in pairs], "rate_date": [d for _, d in pairs]})


def test_sample_rates_file_reads():
    frame = read_rates(REPO / "sample_data" / "fx_rates.csv")
    assert frame.columns == ["date", "base", "quote", "rate"]
    assert set(frame["base"]) == {"EUR"} and set(frame["quote"]) == {"USD"} and frame["rate"].min() > 0


def test_last_rate_on_or_before_the_day(tmp_path):
    r = rates(tmp_path, "date,base,quote,rate\n2026-10-01,EUR,USD,1.10\n2026-10-03,EUR,USD,1.20\n")
    assert r.rate("EUR", date(2026, 10, 2), "USD") == 1.10
    assert r.rate("EUR", date(2026, 10, 3), "USD") == 1.20
    assert r.rate("USD", date(2020, 1, 1), "USD") == 1.0  # same currency needs no rate


def test_inverse_pair_is_used(tmp_path):
    r = rates(tmp_path, "date,base,quote,rate\n2026-10-01,USD,EUR,0.8\n")
    assert r.rate("EUR", date(2026, 10, 1), "USD") == pytest.approx(1.25)


def test_missing_rate_is_an_error_naming_currency_and_date(tmp_path):
    r = rates(tmp_path, "date,base,quote,rate\n2026-10-01,EUR,USD,1.10\n")
    with pytest.raises(CurrencyError, match=r"no GBP->USD exchange rate on 2026-10-02"):
        r.rates_for(needs(("EUR", date(2026, 10, 2)), ("GBP", date(2026, 10, 2))), "USD")
    with pytest.raises(CurrencyError, match=r"no EUR->USD exchange rate on 2026-09-30"):
        r.rate("EUR", date(2026, 9, 30), "USD")  # before the first rate


def test_stale_rate_is_an_error(tmp_path):
    r = rates(tmp_path, "date,base,quote,rate\n2026-10-01,EUR,USD,1.10\n", max_age=3)
    assert r.rate("EUR", date(2026, 10, 4), "USD") == 1.10
    with pytest.raises(CurrencyError, match="2026-10-05 or up to 3 days before"):
        r.rate("EUR", date(2026, 10, 5), "USD")


def test_no_rates_file_means_every_conversion_fails():
    r = Rates.load(CurrencySettings("USD", None))
    with pytest.raises(CurrencyError, match="EUR->USD"):
        r.rate("EUR", date(2026, 10, 1), "USD")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("date,base,quote,rate\n2026-10-01,EUR,USD,1.1\n2026-13-01,EUR,USD,1.1\n", ":3: date:"),
        ("date,base,quote,rate\n2026-10-01,EUR,USD,-1\n", ":2: rate:"),
        ("date,base,quote,rate\n2026-10-01,EURO,USD,1\n", ":2: base:"),
        ("date,base,quote,rate\n2026-10-01,EUR,USD,abc\n", ":2: rate:"),
        ("day,base,quote,rate\n2026-10-01,EUR,USD,1\n", ":1: missing column 'date'"),
    ],
)
def test_bad_rates_file_names_line_and_field(tmp_path, text, where):
    with pytest.raises(InputError, match=where.replace("(", r"\(")):
        read_rates(write(tmp_path, text))


def test_rate_date_is_the_last_day_of_the_charge_period():
    utc = timezone.utc
    frame = pl.DataFrame({
        "ChargePeriodStart": [datetime(2026, 10, 1, tzinfo=utc), datetime(2026, 10, 5, tzinfo=utc), datetime(2026, 10, 7, tzinfo=utc)],
        "ChargePeriodEnd": [datetime(2026, 11, 1, tzinfo=utc), datetime(2026, 10, 6, tzinfo=utc), None],
    })
    got = frame.select(rate_date_expr().alias("d"))["d"].to_list()
    assert got == [date(2026, 10, 31), date(2026, 10, 5), date(2026, 10, 7)]
