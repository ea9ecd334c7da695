"""One `finops alert check`: evaluate every rule, move the episodes, deliver what is pending.

The state is saved after the transitions and again after each delivered message, so a crash
between two messages re-sends neither. A rule that cannot be evaluated (a broken store, no
data) leaves its alerts as they were: an error is never read as "all clear".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops.alerts.evaluate import Observation, evaluate
from finops.alerts.rules import AlertSettings
from finops.alerts.state import RESOLVED, AlertState, Transition, locked, state_dir

if TYPE_CHECKING:
    from finops.context import Context


@dataclass
class CheckReport:
    transitions: list[Transition] = field(default_factory=list)
    firing: list[Observation] = field(default_factory=list)  # every subject firing now (new or not)
    errors: list[str] = field(default_factory=list)  # rules that could not be evaluated
    sent: list[str] = field(default_factory=list)  # message ids delivered by this check
    pending: list[tuple[str, str, int, str]] = field(default_factory=list)  # (id, channel, attempts, last error)
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        """0 all delivered; 4 a rule could not be evaluated or a message is still pending (the next check retries)."""
        return 4 if self.errors or self.pending else 0


def _unobserved(st: AlertState, rule_name: str, seen: set[str], rules: dict[str, Any]) -> list[Observation]:
    """Open alerts of a rule evaluated cleanly whose subject no longer shows up: they count as clear."""
    from finops.alerts.evaluate import Observation as Obs

    out = []
    for key, rec in st.alerts.items():
        if rec["rule"] == rule_name and rec["status"] != RESOLVED and key not in seen:
            last = rec.get("last") or {}
            out.append(Obs(rules[rule_name], rec["subject"], False, None,
                           f"{rec['subject']} no longer appears in the data ({last.get('reason', '')})".rstrip(" ()"),
                           last.get("command", "finops alert list")))
    return out


def run_check(ctx: "Context", settings: AlertSettings, data_dir: Path, now: datetime, *, dry_run: bool = False,
              config_path: str = "finops.toml") -> CheckReport:
    from finops.errors import FinopsError

    from finops.alerts.secrets import secrets_for

    report = CheckReport(dry_run=dry_run)
    folder = state_dir(data_dir)
    used = {c for r in settings.rules for c in r.channels}
    # A channel without its secrets is a config error before anything is evaluated or queued.
    secrets = {n: secrets_for(ch, config_path) for n, ch in settings.channels.items() if n in used}
    with locked(folder) if not dry_run else _nothing():
        st = AlertState.load(folder)
        before = {m["id"] for m in st.outbox}
        rules = {r.name: r for r in settings.rules}
        st.forget_rules(set(rules))
        st.outbox = [m for m in st.outbox if m["channel"] in secrets]  # a channel removed from the config
        as_of = ctx.as_of.isoformat()
        for rule in settings.rules:
            try:
                observations = evaluate(ctx, rule, now)
            except FinopsError as exc:
                report.errors.append(f"{rule.name}: {exc.one_line()}")
                continue
            seen = {o.key for o in observations}
            for obs in observations + _unobserved(st, rule.name, seen, rules):
                if obs.firing:
                    report.firing.append(obs)
                t = st.apply(obs, now, settings, as_of)
                if t is not None:
                    report.transitions.append(t)
        if dry_run:
            # What a real check would find still waiting from earlier checks (new messages print as "would FIRE").
            report.pending = [(m["id"], m["channel"], int(m["attempts"]), m["last_error"] or "waiting")
                              for m in st.outbox if m["id"] in before]
            return report
        st.save()
        deliver(st, settings, report, secrets)
    return report


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def deliver(st: AlertState, settings: AlertSettings, report: CheckReport, secrets: dict[str, Any]) -> None:
    """Send each channel's queued messages in order; the first failure holds the rest of that channel for next time."""
    from finops.alerts.channels import DeliveryError, send
    for name, channel in settings.channels.items():
        queue = st.pending(name)
        if not queue:
            continue
        deadline = time.monotonic() + settings.deadline_seconds
        for i, message in enumerate(queue):
            try:
                send(channel, secrets[name], message["payload"], settings, deadline)
            except DeliveryError as exc:
                st.failed(message, str(exc), exc.attempts)
                st.save()
                for m in queue[i:]:
                    fresh = next(x for x in st.outbox if x["id"] == m["id"])
                    report.pending.append((m["id"], name, int(fresh["attempts"]), fresh["last_error"] or "waiting"))
                break
            st.delivered(message)
            st.save()
            report.sent.append(message["id"])
