"""The alerts panel: alerts firing (or clearing) now and the latest events (finops.alerts.summary).

The dashboard only reads <data dir>/alerts/state.json; `finops alert check` evaluates and sends.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from finops.tui.data.context import DashboardContext

SCHEMA = {"state": pl.String, "alert": pl.String, "since": pl.String, "figure": pl.String, "reason": pl.String}


@dataclass(frozen=True)
class AlertPanel:
    rows: pl.DataFrame  # state, alert, since, figure, reason: active first, then recent events
    active: int
    pending: int  # messages waiting for a channel
    rules: int  # [[alerts.rules]] configured
    error: str = ""  # the rules or the state could not be read (one line)


def load_alert_panel(ctx: DashboardContext, limit: int = 8) -> AlertPanel:
    from finops.alerts.summary import alert_summary

    s = alert_summary(ctx.settings.config, ctx.settings.data_dir, limit=limit)
    rows = pl.DataFrame(s.rows, schema=SCHEMA) if s.rows else pl.DataFrame(schema=SCHEMA)
    return AlertPanel(rows, s.active, s.pending, s.rules, s.error)
