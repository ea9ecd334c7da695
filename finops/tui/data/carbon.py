"""Carbon figures for the dashboard (placeholder until its analytics land)."""

from __future__ import annotations

from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.data.context import DashboardContext
from finops.tui.filters import Filters


def load_carbon(ctx: DashboardContext, filters: Filters) -> object:
    raise Unavailable(NotAvailable("Carbon", "this analysis is not available in this build yet"))
