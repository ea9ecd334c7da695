"""Headless loaders behind the dashboard screens: pure polars over the store, no textual.

Each module computes one screen's figures from a `DashboardContext` and `Filters`;
optional analytics (reconcile, COGS, forecast, carbon) are imported lazily and their
absence is reported as `NotAvailable`, never as a crash.
"""
