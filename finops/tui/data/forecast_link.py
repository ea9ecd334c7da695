"""The bridge to models/forecast (and budgets): imported lazily, absent until it lands."""

from __future__ import annotations

from datetime import date

from finops.tui.data.availability import NotAvailable, optional_module
from finops.tui.data.context import DashboardContext
from finops.tui.filters import Filters


def overview_extras(ctx: DashboardContext, filters: Filters, end: date, mtd: float) -> list:
    from finops.tui.data.overview import Extra

    forecast = optional_module("models.forecast", "Forecast", "the forecast model has not been installed yet")
    if isinstance(forecast, NotAvailable):
        return [
            Extra("Budget", missing=NotAvailable("Budget", "budgets are not available in this build", "models/forecast adds them")),
            Extra("Month-end forecast", missing=forecast),
            Extra("Quota headroom", missing=NotAvailable("Quota", "quota tracking is not available in this build")),
        ]
    return []
