"""Where traffic comes from, as the holidays package names it: a country, or a country and subdivision.

Its own module, importing nothing: the dashboard marks holidays on its first paint without
loading the forecaster's calendar (and every country module with it).
"""

from __future__ import annotations


def region(code: str) -> tuple[str, str | None]:
    """A traffic source's code as (country, subdivision): "DE" -> ("DE", None), "CA-QC" -> ("CA", "QC").
    A subdivision adds its own public holidays (Quebec's Saint-Jean-Baptiste, Bavaria's Epiphany)."""
    country, _, subdiv = code.partition("-")
    return country.upper(), subdiv.upper() or None
