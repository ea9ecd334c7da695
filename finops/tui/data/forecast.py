"""Forecast figures for the dashboard (placeholder until its analytics land)."""

from __future__ import annotations

from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.data.context import DashboardContext
from finops.tui.filters import Filters


def load_forecast(ctx: DashboardContext, filters: Filters) -> object:
    raise Unavailable(NotAvailable("Forecast", "this analysis is not available in this build yet"))
