"""Connectors: pull provider usage and billing, request logs and other COGS sources."""
