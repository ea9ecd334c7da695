"""Episodes and the outbox, kept in <data dir>/alerts/state.json (atomic replace, one writer at a time).

An alert key (rule + subject) is in one of three states:
- firing: the condition held at the last check; an episode opened when it started;
- clearing: it was firing and has been clear for fewer than `resolve_after` checks
  (one good check does not resolve: the flapping guard's first half);
- resolved: it cleared for `resolve_after` checks in a row.
Opening an episode queues one "fired" message per channel; resolving it queues one
"resolved". An alert that opens more than `max_flaps` episodes within `flap_window_hours`
is held: its messages stop until it has been quiet for the window (the guard's second half).

Messages wait in the outbox until a channel accepts them, in order per channel, so a
receiver that fails or hangs delays them but never loses or duplicates them: each carries a
stable id (rule|subject#episode:event) that a receiver can also use to drop a replay.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from finops.alerts.evaluate import Observation
from finops.alerts.rules import AlertSettings
from finops.errors import StoreError
from finops.store import atomic

VERSION = 1
HISTORY = 200  # events kept for the dashboard and the report
FIRING, CLEARING, RESOLVED = "firing", "clearing", "resolved"


def state_dir(data_dir: Path) -> Path:
    return data_dir / "alerts"


@dataclass
class Transition:
    key: str
    event: str  # fired | resolved | held | clearing | reopened
    episode: int
    observation: Observation


@dataclass
class AlertState:
    path: Path
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> "AlertState":
        path = folder / "state.json"
        if not path.is_file():
            return cls(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise StoreError(f"{path}: unreadable alert state ({type(exc).__name__}); "
                             "move it aside to start over (alerts then fire afresh)") from None
        if not isinstance(raw, dict) or raw.get("version") != VERSION:
            raise StoreError(f"{path}: not an alert state of version {VERSION}")
        return cls(path, raw.get("alerts", {}), raw.get("outbox", []), raw.get("history", []))

    def save(self) -> None:
        data = {"version": VERSION, "alerts": self.alerts, "outbox": self.outbox, "history": self.history[-HISTORY:]}
        atomic.write_text(self.path, json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")

    # -- transitions ---------------------------------------------------------------------------

    def apply(self, obs: Observation, now: datetime, settings: AlertSettings, as_of: str) -> Transition | None:
        """Move one key by one observation; queue the messages an episode's start or end calls for."""
        key, t = obs.key, now.isoformat(timespec="seconds")
        rec = self.alerts.get(key)
        if obs.firing:
            if rec is None or rec["status"] == RESOLVED:
                rec = self._open(obs, rec, now, settings)
                event = "held" if rec["held"] else "fired"
                rec.update(last=obs.to_dict(), last_seen=t, as_of=as_of)
                self._record(key, event, rec, obs, t, as_of)
                if not rec["held"]:
                    self._queue(key, "fired", rec, obs, t, as_of)
                return Transition(key, event, rec["episode"], obs)
            was = rec["status"]
            rec.update(status=FIRING, clear_checks=0, last=obs.to_dict(), last_seen=t, as_of=as_of)
            return Transition(key, "reopened", rec["episode"], obs) if was == CLEARING else None
        if rec is None or rec["status"] == RESOLVED:
            return None
        rec["clear_checks"] = int(rec.get("clear_checks", 0)) + 1
        rec.update(last_seen=t, as_of=as_of, last=obs.to_dict())
        if rec["clear_checks"] < settings.resolve_after:
            rec["status"] = CLEARING
            return Transition(key, "clearing", rec["episode"], obs)
        rec.update(status=RESOLVED, resolved=t)
        self._record(key, "resolved", rec, obs, t, as_of)
        if not rec["held"]:
            self._queue(key, "resolved", rec, obs, t, as_of)
        return Transition(key, "resolved", rec["episode"], obs)

    def _open(self, obs: Observation, rec: dict[str, Any] | None, now: datetime, settings: AlertSettings) -> dict[str, Any]:
        window = now - timedelta(hours=settings.flap_window_hours)
        starts = [s for s in (rec or {}).get("starts", []) if datetime.fromisoformat(s) > window]
        starts.append(now.isoformat(timespec="seconds"))
        new = {
            "rule": obs.rule.name, "type": obs.rule.type, "subject": obs.subject, "status": FIRING,
            "episode": int((rec or {}).get("episode", 0)) + 1, "opened": now.isoformat(timespec="seconds"),
            "resolved": None, "clear_checks": 0, "starts": starts, "held": len(starts) > settings.max_flaps,
            "channels": list(obs.rule.channels),
        }
        self.alerts[obs.key] = new
        return new

    def _record(self, key: str, event: str, rec: dict[str, Any], obs: Observation, t: str, as_of: str) -> None:
        self.history.append({"at": t, "as_of": as_of, "key": key, "rule": rec["rule"], "subject": rec["subject"],
                             "event": event, "episode": rec["episode"], "reason": obs.reason})
        del self.history[:-HISTORY]

    def _queue(self, key: str, event: str, rec: dict[str, Any], obs: Observation, t: str, as_of: str) -> None:
        from finops.alerts.messages import payload

        body = payload(key, event, rec["episode"], obs, t, as_of)
        for channel in obs.rule.channels:
            mid = f"{body['id']}@{channel}"
            if any(m["id"] == mid for m in self.outbox):
                continue  # already queued (a retried check): never twice
            self.outbox.append({"id": mid, "channel": channel, "created": t, "attempts": 0, "last_error": None,
                                "payload": body})

    def forget_rules(self, names: set[str]) -> list[str]:
        """Drop alerts (and their queued messages) of rules no longer configured; the keys dropped."""
        gone = [k for k, r in self.alerts.items() if r["rule"] not in names]
        for k in gone:
            del self.alerts[k]
        self.outbox = [m for m in self.outbox if m["payload"]["rule"]["name"] in names]
        return gone

    def pending(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.outbox if m["channel"] == channel]

    def delivered(self, message: dict[str, Any]) -> None:
        self.outbox = [m for m in self.outbox if m["id"] != message["id"]]
        with contextlib.suppress(KeyError):
            rec = self.alerts[message["payload"]["key"]]
            rec.setdefault("sent", []).append(message["id"])
            del rec["sent"][:-20]

    def failed(self, message: dict[str, Any], error: str, attempts: int) -> None:
        for m in self.outbox:
            if m["id"] == message["id"]:
                m["attempts"] = int(m["attempts"]) + attempts
                m["last_error"] = error


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One `finops alert check` at a time per data directory (a second one fails at once, in one line)."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{folder}: another `finops alert check` is running") from None
        yield
    finally:
        os.close(fd)


def active_and_recent(data_dir: Path, limit: int = 10) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """For the dashboard and the report: alerts firing or clearing, the latest events, and messages pending."""
    st = AlertState.load(state_dir(data_dir))
    active = sorted((r | {"key": k} for k, r in st.alerts.items() if r["status"] != RESOLVED),
                    key=lambda r: r["opened"], reverse=True)
    recent = list(reversed(st.history))[:limit]
    return active, recent, len(st.outbox)
