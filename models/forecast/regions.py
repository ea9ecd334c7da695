"""Where traffic comes from, as the holidays package names it: a country, or a country and subdivision.

Its own module, importing nothing: the dashboard marks holidays on its first paint without
loading the forecaster's calendar (and every country module with it).
"""

from __future__ import annotations

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
