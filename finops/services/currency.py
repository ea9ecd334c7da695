"""The reporting currency and its exchange rates, from `[display]` in finops.toml."""

from __future__ import annotations

from pathlib import Path

from finops.config import ConfigFile
from finops.models.cogs.fx import DEFAULT_MAX_AGE_DAYS, CurrencySettings, Rates


def currency_settings(cfg: ConfigFile) -> CurrencySettings:
    """`[display] reporting_currency`, `fx_rates` (relative to the config file) and `fx_max_age_days`, validated."""
    display = cfg.section("display")
    currency = display.get("reporting_currency", "USD")
    if not isinstance(currency, str) or len(currency.strip()) != 3 or not currency.strip().isalpha():
        cfg.fail("display.reporting_currency", f"must be a 3-letter ISO-4217 code, got {currency!r}")
    path = display.get("fx_rates")
    rates_path = None
    if path is not None:
        if not isinstance(path, str) or not path.strip():
            cfg.fail("display.fx_rates", f"must be a file path, got {path!r}")
        rates_path = Path(path).expanduser()
        if not rates_path.is_absolute():
            rates_path = (cfg.path.parent if cfg.path else Path.cwd()) / rates_path
    age = display.get("fx_max_age_days", DEFAULT_MAX_AGE_DAYS)
    if isinstance(age, bool) or not isinstance(age, int) or age < 0:
        cfg.fail("display.fx_max_age_days", f"must be a whole number of days >= 0, got {age!r}")
    return CurrencySettings(currency.strip().upper(), rates_path, age)


def rates(cfg: ConfigFile) -> Rates:
    """The configured rates file, read and checked (an empty table when none is configured)."""
    return Rates.load(currency_settings(cfg))
