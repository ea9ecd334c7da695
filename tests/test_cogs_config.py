"""`[cogs]` and `[display]` parsing: the sample's rules load; a bad file is a one-line error naming key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from finops.config import ConfigFile
from finops.errors import ConfigError
from finops.services.cogs_rules import parse_rules
from finops.services.currency import currency_settings

REPO = Path(__file__).resolve().parents[1]


def load(tmp_path: Path, text: str) -> ConfigFile:
    path = tmp_path / "finops.toml"
    path.write_text(text)
    return ConfigFile.load(path)


def test_sample_config_parses():
    cfg = ConfigFile.load(REPO / "sample_data" / "finops.toml")
    rules = parse_rules(cfg)
    assert rules.drivers["vector_db"] == "retrieval_calls"
    assert rules.features["search"] == "rag-search"
    assert rules.fixed_shares["contract"]["support-chat"] == 40
    assert rules.revenue["code-agent"].monthly_fixed() == 39.0 * 60
    assert rules.team_of("support-ja") == "support"
    cur = currency_settings(cfg)
    assert cur.reporting_currency == "USD" and cur.rates_path == REPO / "sample_data" / "fx_rates.csv"


def test_no_cogs_section_gives_defaults(tmp_path):
    rules = parse_rules(load(tmp_path, "[display]\nreporting_currency = 'EUR'\n"))
    assert rules.driver_for("vector_db") == "retrieval_calls" and rules.driver_for("inference") == "token_cost"
    assert rules.features == {} and rules.cost_column == "EffectiveCost"  # amortized by default (issue 23)


BAD = [
    ("[cogs]\nallocation = 1\n", "cogs.allocation", 2),
    ("[cogs.drivers]\nvector_db = 'queries'\n", "cogs.drivers.vector_db", 2),
    ("[cogs.drivers]\n\nrobots = 'requests'\n", "cogs.drivers.robots", 3),
    ("[cogs.drivers]\ncontract = 'fixed'\n", "cogs.drivers.contract", 2),
    ("[cogs.fixed_shares.contract]\na = 1\nb = -2\n", "cogs.fixed_shares.contract.b", 3),
    ("[cogs.fixed_shares.contract]\na = 'half'\n", "cogs.fixed_shares.contract.a", 2),
    ("[cogs.features]\nproj_x = ''\n", "cogs.features.proj_x", 2),
    ("[cogs.features]\nproj_x = 'unallocated'\n", "cogs.features.proj_x", 2),
    ("[cogs.revenue.chat]\nper_task = 0.1\nper_seat = 3\n", "cogs.revenue.chat", 1),
    ("[cogs.revenue.chat]\nper_seat = 3\n", "cogs.revenue.chat", 1),
    ("[cogs.revenue.chat]\nper_seat = 3\nseats = 2.5\n", "cogs.revenue.chat.seats", 3),
    ("[cogs.revenue.chat]\nper_task = 0.1\nprice = 2\n", "cogs.revenue.chat.price", 3),
    ("[cogs.teams]\na = ['x']\nb = ['x', 'y']\n", "cogs.teams.b", 3),
    ("[cogs.meters]\nretrieval_calls = 'Read Units'\n", "cogs.meters.retrieval_calls", 2),
    ("[cogs]\ncost_column = 'ListCost'\n", "cogs.cost_column", 2),
    ("[cogs]\ndrivers = 3\n", "cogs.drivers", 2),
]


@pytest.mark.parametrize(("text", "key", "line"), BAD)
def test_bad_cogs_config_is_one_line_naming_key_and_line(tmp_path, text, key, line):
    with pytest.raises(ConfigError) as err:
        parse_rules(load(tmp_path, text))
    message = err.value.one_line()
    assert "\n" not in message
    assert f"finops.toml:{line}: {key}:" in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[display]\nreporting_currency = 'dollars'\n", "display.reporting_currency"),
        ("[display]\nfx_rates = 3\n", "display.fx_rates"),
        ("[display]\nfx_max_age_days = -1\n", "display.fx_max_age_days"),
    ],
)
def test_bad_display_keys(tmp_path, text, key):
    with pytest.raises(ConfigError, match=rf"finops.toml:2: {key}:"):
        currency_settings(load(tmp_path, text))


def test_rates_path_is_relative_to_the_config_file(tmp_path):
    cur = currency_settings(load(tmp_path, "[display]\nfx_rates = 'rates/fx.csv'\n"))
    assert cur.rates_path == tmp_path / "rates" / "fx.csv"
