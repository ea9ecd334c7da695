"""Where traffic comes from, as the holidays package names it: a country, or a country and subdivision.

Its own module, importing nothing at load: the dashboard marks holidays on its first paint without
loading the forecaster's calendar (and every country module with it), and both name them alike.
"""

from __future__ import annotations

from datetime import date

# Holiday names are keys, not decoration: the built-in windows and finops.toml's holiday_windows
# match them by prefix, the per-holiday terms are named by them, and every surface prints them.
# Left unset, the holidays package follows the machine's locale (LANGUAGE, LC_ALL, LANG): on a German
# desktop DE's Christmas became "Erster Weihnachtstag", its three-day window silently lost and the
# report's holiday notes worded differently from a server's. A country without an English
# translation keeps its original names, on every machine alike.
HOLIDAY_LANGUAGE = "en_US"


def region(code: str) -> tuple[str, str | None]:
    """A traffic source's code as (country, subdivision): "DE" -> ("DE", None), "CA-QC" -> ("CA", "QC").
    A subdivision adds its own public holidays (Quebec's Saint-Jean-Baptiste, Bavaria's Epiphany)."""
    country, _, subdiv = code.partition("-")
    return country.upper(), subdiv.upper() or None


def country_calendar(country: str, years: range) -> dict[date, str]:
    """The public holidays of a country or "country-subdivision" over the years, named in
    HOLIDAY_LANGUAGE, importing only that country's module.

    `holidays.country_holidays` imports every country module (about 0.2 s), which the
    dashboard's first paint does not need.
    """
    import importlib

    from holidays.registry import COUNTRIES

    code, subdiv = region(country)
    for module, (class_name, *codes) in COUNTRIES.items():
        if code in codes:
            cls = getattr(importlib.import_module(f"holidays.countries.{module}"), class_name)
            return dict(cls(years=years, subdiv=subdiv, language=HOLIDAY_LANGUAGE))
    import holidays

    return dict(holidays.country_holidays(code, subdiv=subdiv, years=years, language=HOLIDAY_LANGUAGE))
