"""FinOps console for AI spend: the headless core (store, reconcile, COGS, export, report)."""

__version__ = "0.1.0"
