"""The team's rate card ([pricing] overrides): effective dates, tiers, currencies, sources and bad rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from finops.config import ConfigFile
from finops.errors import CurrencyError, PricingError
from finops.models.cogs.fx import CurrencySettings, Rates
from finops.models.pricing import package
from finops.models.pricing.lookup import price
from finops.services.pricing import configured_catalog, overrides_diff

HEADER = "provider,model,token_class,price,currency,effective_from,effective_to,tier,note\n"


def _setup(tmp_path: Path, card: str, rates: str | None = None) -> tuple[ConfigFile, Rates | None]:
    (tmp_path / "card.csv").write_text(HEADER + card)
    (tmp_path / "finops.toml").write_text('[pricing]\noverrides = "card.csv"\n')
    fx = None
    if rates is not None:
        (tmp_path / "fx.csv").write_text("date,base,quote,rate\n" + rates)
        fx = Rates.load(CurrencySettings(rates_path=tmp_path / "fx.csv"))
    return ConfigFile.load(tmp_path / "finops.toml"), fx


def _price(catalog: pl.DataFrame, rows: list[tuple[str, str, str, date, str]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema={"provider": pl.String, "model": pl.String, "token_class": pl.String,
                                       "day": pl.Date, "service_tier": pl.String}, orient="row")
    return price(frame, catalog)


def test_a_negotiated_rate_wins_on_its_days_and_cites_its_line(tmp_path: Path) -> None:
    config, _ = _setup(tmp_path, "openai,gpt-4.1-2025-04-14,output,6.40,USD,2026-01-01,2026-07-01,,contract 42\n")
    catalog = configured_catalog(config)
    out = _price(catalog, [("openai", "gpt-4.1-2025-04-14", "output", d, "") for d in
                           (date(2025, 12, 31), date(2026, 1, 1), date(2026, 7, 1))])
    assert out["usd_per_million"].to_list() == [8.0, 6.4, 8.0]
    assert out["price_row_id"][1] == "card.csv:2"  # the snapshot name was stored under the catalog's gpt-4.1
    assert out["price_row_id"][0].startswith(package.source_label())


def test_a_tier_row_and_a_private_model(tmp_path: Path) -> None:
    config, _ = _setup(tmp_path, "openai,gpt-4.1,output,11.0,USD,2026-01-01,,priority,\n"
                                 "acme,house-llm-2,output,0.9,USD,2026-01-01,,,\n")
    catalog = configured_catalog(config)
    out = _price(catalog, [("openai", "gpt-4.1", "output", date(2026, 2, 1), "priority"),
                           ("openai", "gpt-4.1", "output", date(2026, 2, 1), "standard"),
                           ("acme", "house-llm-2", "output", date(2026, 2, 1), "")])
    assert out["usd_per_million"].to_list() == [11.0, 8.0, 0.9]
    assert out["price_row_id"].to_list()[::2] == ["card.csv:2", "card.csv:3"]


def test_another_currency_is_converted_per_day_and_a_missing_rate_is_an_error(tmp_path: Path) -> None:
    card = "anthropic,claude-sonnet-4-5,output,10.0,EUR,2026-03-01,2026-03-04,,\n"
    config, fx = _setup(tmp_path, card, "2026-03-01,EUR,USD,1.10\n2026-03-03,EUR,USD,1.20\n")
    catalog = configured_catalog(config, rates=fx, last_day=date(2026, 3, 31))
    out = _price(catalog, [("anthropic", "claude-sonnet-4-5-20250929", "output", date(2026, 3, d), "") for d in (1, 2, 3, 4)])
    assert out["usd_per_million"].to_list() == pytest.approx([11.0, 11.0, 12.0, 15.0])
    assert out["price_row_id"].to_list()[:3] == ["card.csv:2"] * 3
    config, fx = _setup(tmp_path, card, "2026-02-01,EUR,USD,1.10\n")
    with pytest.raises(CurrencyError, match="EUR"):
        configured_catalog(config, rates=fx, last_day=date(2026, 3, 31))


BAD = [
    ("openai,gpt-4.1,outptu,1,USD,2026-01-01,,,", 2, "token_class", "not a token class"),
    ("openai,gpt-4.1,output,-1,USD,2026-01-01,,,", 2, "price", "negative"),
    ("openai,gpt-4.1,output,x,USD,2026-01-01,,,", 2, "price", "not a number"),
    ("openai,gpt-4.1,output,1,USD,2026-02-30,,,", 2, "effective_from", "YYYY-MM-DD"),
    ("openai,gpt-4.1,output,1,USD,2026-02-01,2026-01-01,,", 2, "effective_to", "not after"),
    ("openai,gpt-4.1,output,1,EURO,2026-01-01,,,", 2, "currency", "three-letter"),
    ("openai,gpt-4.1,output,1,USD,2026-01-01,,,\nopenai,gpt-4.1,output,2,USD,2026-03-01,,,", 3, "effective_from", "overlaps line 2"),
]


@pytest.mark.parametrize(("rows", "line", "field", "problem"), BAD)
def test_a_bad_row_is_one_line_naming_file_line_and_field(tmp_path: Path, rows: str, line: int, field: str,
                                                          problem: str) -> None:
    config, _ = _setup(tmp_path, rows + "\n")
    with pytest.raises(PricingError) as err:
        configured_catalog(config)
    message = err.value.one_line()
    assert "\n" not in message and f"card.csv:{line}: field '{field}'" in message and problem in message


def test_the_diff_shows_each_row_against_the_list_price(tmp_path: Path) -> None:
    config, _ = _setup(tmp_path, "openai,gpt-4.1,output,6.40,USD,2026-01-01,,,\n")
    diff = overrides_diff(config).row(0, named=True)
    assert (diff["list_usd_per_million"], diff["override_usd_per_million"]) == (8.0, 6.4)
    assert diff["diff_pct"] == pytest.approx(-20.0) and diff["override_source"] == "card.csv:2"
    assert diff["list_source"].startswith(package.source_label())
