"""The dashboard's screens in key order: key, mode name and screen class (the app's modes, the palette's commands)."""

from __future__ import annotations

from finops.tui.screens.base import DashboardScreen
from finops.tui.screens.carbon import CarbonScreen
from finops.tui.screens.cogs import CogsScreen
from finops.tui.screens.forecast import ForecastScreen
from finops.tui.screens.overview import OverviewScreen
from finops.tui.screens.prompt_cache import PromptCacheScreen
from finops.tui.screens.reconcile import ReconcileScreen
from finops.tui.screens.sources import SourcesScreen

SCREENS_IN_ORDER: tuple[tuple[str, str, type[DashboardScreen]], ...] = (
    ("1", "overview", OverviewScreen),
    ("2", "sources", SourcesScreen),
    ("3", "reconcile", ReconcileScreen),
    ("4", "cogs", CogsScreen),
    ("5", "forecast", ForecastScreen),
    ("6", "carbon", CarbonScreen),
    ("7", "cache", PromptCacheScreen),
)
