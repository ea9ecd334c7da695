"""Reconciliation of the team's request logs against provider usage and bills, with causes.

`reconcile(store, since, until, provider, project)` -> ReconcileResult with frames
`groups` (per UTC day, provider, model, project, key and token class) and `causes` (one
row per finding), plus a `summary`. `reconcile_frames` runs on plain lazy frames.
"""

from finops.reconcile.run import ReconcileResult, reconcile, reconcile_frames
from finops.reconcile.thresholds import Thresholds

__all__ = ["ReconcileResult", "Thresholds", "reconcile", "reconcile_frames"]
