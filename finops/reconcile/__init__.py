"""Reconciliation of the team's request logs against provider usage and bills, with causes."""

from finops.reconcile.run import ReconcileResult, reconcile

__all__ = ["ReconcileResult", "reconcile"]
