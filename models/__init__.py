"""Analytic models: pricing, forecasting, energy and carbon, cost allocation."""
