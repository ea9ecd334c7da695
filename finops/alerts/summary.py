"""Alerts as the dashboard and the monthly report list them: active now, recent events, messages pending.

Read-only: the state file that `finops alert check` keeps, and the number of rules configured.
Rows carry the figure text exactly as the alert messages print it (messages.figure_text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from finops.config import ConfigFile

COLUMNS = ("state", "alert", "since", "figure", "reason")


@dataclass(frozen=True)
class AlertSummary:
    rules: int  # [[alerts.rules]] configured
    active: int  # firing or clearing now
    pending: int  # messages waiting for a channel
    rows: list[dict[str, Any]] = field(default_factory=list)  # active first, then recent events (newest first)
    error: str = ""  # the rules or the state could not be read: one line

    def to_dict(self) -> dict[str, Any]:
        return {"rules": self.rules, "active": self.active, "pending": self.pending, "rows": self.rows,
                "error": self.error or None}


def alert_summary(config: ConfigFile, data_dir: Path, since: date | None = None, until: date | None = None,
                  limit: int = 10) -> AlertSummary:
    """Active alerts, then up to `limit` recent events whose as-of day is within [since, until] (when given)."""
    from finops.alerts.messages import figure_text
    from finops.alerts.rules import load_alerts
    from finops.alerts.state import active_and_recent
    from finops.errors import FinopsError

    try:
        rules = len(load_alerts(config).rules)
        active, recent, pending = active_and_recent(data_dir, limit=10_000)
    except FinopsError as exc:
        return AlertSummary(0, 0, 0, [], exc.one_line())

    def within(day: str) -> bool:
        d = date.fromisoformat(day)
        return (since is None or d >= since) and (until is None or d <= until)

    rows = [{"state": r["status"], "alert": r["key"], "since": r["opened"][:16].replace("T", " "),
             "figure": figure_text({"figure": (r.get("last") or {}).get("figure")}),
             "reason": (r.get("last") or {}).get("reason", "")} for r in active]
    events = [e for e in recent if within(e["as_of"])][:limit]
    rows += [{"state": e["event"], "alert": e["key"], "since": e["at"][:16].replace("T", " "),
              "figure": f"episode {e['episode']}, as of {e['as_of']}", "reason": e.get("reason", "")} for e in events]
    return AlertSummary(rules, len(active), pending, rows)
