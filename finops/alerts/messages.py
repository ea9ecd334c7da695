"""What a message says, per channel: the figure with its label and provenance, the reason, the command to see more.

`payload` is the generic webhook's JSON (schema "finops.alert/v1", docs/alerts.md); the
Slack Block Kit message and the email are rendered from the same payload, so every channel
says the same thing. No secret is ever part of a payload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from finops.metrics.figure import format_value

if TYPE_CHECKING:
    from finops.alerts.evaluate import Observation

SCHEMA = "finops.alert/v1"


def payload(key: str, event: str, episode: int, obs: "Observation", at: str, as_of: str) -> dict[str, Any]:
    rule = obs.rule
    return {
        "schema": SCHEMA,
        "id": f"{key}#{episode}:{event}",
        "event": event,
        "key": key,
        "episode": episode,
        "rule": {"name": rule.name, "type": rule.type, "threshold": rule.threshold, "scope": dict(rule.scope.items())},
        "subject": obs.subject,
        "at": at,
        "as_of": as_of,
        "figure": obs.figure.to_dict() if obs.figure else None,
        "reason": obs.reason,
        "command": obs.command,
    }


def figure_text(p: dict[str, Any]) -> str:
    f = p.get("figure")
    if not f:
        return "n/a"
    value = format_value(f["value"], f["unit"])
    period = f" ({f['start']} to {f['end']})" if f.get("start") and f.get("end") and f["start"] != f["end"] else \
        f" ({f['end']})" if f.get("end") else ""
    return f"{f['label']}: {value}{period}"


def headline(p: dict[str, Any]) -> str:
    word = "RESOLVED" if p["event"] == "resolved" else "FIRING"
    return f"[{word}] {p['rule']['name']}: {p['subject']}"


def text(p: dict[str, Any]) -> str:
    """Plain text (email body, `finops alert check` output)."""
    f = p.get("figure") or {}
    lines = [
        headline(p),
        f"Figure:     {figure_text(p)}",
        f"Provenance: {f.get('provenance', 'n/a')}",
        f"Reason:     {p['reason']}",
        f"As of:      {p['as_of']} (checked {p['at']})",
        f"See more:   {p['command']}",
        "",
        f"Alert id {p['id']} (episode {p['episode']}).",
    ]
    return "\n".join(lines)


def slack(p: dict[str, Any]) -> dict[str, Any]:
    """An incoming-webhook Block Kit message."""
    f = p.get("figure") or {}
    icon = ":white_check_mark:" if p["event"] == "resolved" else ":rotating_light:"
    return {
        "text": f"{headline(p)}: {p['reason']}",  # notification and fallback text
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline(p)[:150], "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} {p['reason']}"}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": f"*Figure*\n{figure_text(p)}"},
                {"type": "mrkdwn", "text": f"*Provenance*\n{f.get('provenance', 'n/a')}"},
            ]},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"See more: `{p['command']}` · as of {p['as_of']} · id `{p['id']}`"},
            ]},
        ],
    }
