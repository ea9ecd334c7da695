"""`finops alert check|list|secret`: evaluate the [[alerts.rules]] of finops.toml and push what fires.

Exit codes: 0 checked (and every message delivered), 2 bad config (unknown rule type, a
threshold out of range, a channel without its secret), 4 a rule could not be evaluated or a
message is still pending (the next check retries it; nothing is lost or sent twice).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from datetime import date, datetime

    from finops.alerts.check import CheckReport


def now_for(today: "date | None") -> "datetime":
    """The check's clock: midnight UTC of a pinned today (--today or $FINOPS_TODAY), else the wall clock."""
    import os
    from datetime import date, datetime, time, timezone

    from finops.context import ENV_TODAY

    pinned = today
    if pinned is None and os.environ.get(ENV_TODAY):
        pinned = date.fromisoformat(os.environ[ENV_TODAY])
    return datetime.combine(pinned, time(), timezone.utc) if pinned else datetime.now(timezone.utc)


def print_report(report: "CheckReport") -> None:
    from finops.alerts.messages import figure_text

    say = typer.echo
    prefix = "would " if report.dry_run else ""
    for t in report.transitions:
        o = t.observation
        fig = figure_text({"figure": o.figure.to_dict()}) if o.figure else ""
        if t.event in ("fired", "held"):
            note = " (held: flapping)" if t.event == "held" else f" -> {', '.join(o.rule.channels) or 'no channel'}"
            say(f"{prefix}FIRE {o.key}: {fig}; {o.reason}{note}")
        elif t.event == "resolved":
            say(f"{prefix}RESOLVE {o.key}: {o.reason}")
        elif t.event == "clearing":
            say(f"clearing {o.key} (clear once; resolves after the next clear check)")
    new = {t.key for t in report.transitions}
    for o in report.firing:
        if o.key not in new:
            say(f"still firing {o.key}: {o.reason}")
    for e in report.errors:
        typer.echo(f"not evaluated {e}", err=True)
    for mid in report.sent:
        say(f"sent {mid}")
    for mid, channel, attempts, error in report.pending:
        typer.echo(f"pending {mid} ({attempts} attempt(s) so far: {error}); the next check retries it", err=True)
    if not report.transitions and not report.firing and not report.errors:
        say("all clear")


def register(app: typer.Typer) -> None:
    alert_app = typer.Typer(help="Alerts: budgets, quotas, anomalies, reconcile gaps and stale syncs, pushed out.",
                            no_args_is_help=True)
    app.add_typer(alert_app, name="alert")

    @alert_app.command("check")
    def check_cmd(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would fire or resolve; send nothing, keep no state.")] = False,
        today: Annotated[Optional[str], typer.Option(help="Check as of this UTC day, YYYY-MM-DD (default: $FINOPS_TODAY, else today).")] = None,
    ) -> None:
        """Evaluate every rule against the store, print what fires, and send it to the rule's channels."""
        from finops.alerts.check import run_check
        from finops.alerts.rules import load_alerts
        from finops.commands._common import get_context, get_settings, option_day

        settings = get_settings()
        alerts = load_alerts(settings.config)
        if not alerts.configured:
            typer.echo("no alert rules: add [[alerts.rules]] to finops.toml (docs/alerts.md)")
            return
        day = option_day(today, "today")
        ctx = get_context(settings, today=day)
        path = str(settings.config.path) if settings.config.path else "finops.toml"
        report = run_check(ctx, alerts, settings.data_dir, now_for(day), dry_run=dry_run, config_path=path)
        print_report(report)
        if report.exit_code:
            raise typer.Exit(report.exit_code)

    @alert_app.command("list")
    def list_cmd(
        limit: Annotated[int, typer.Option(help="Recent events to show.")] = 10,
    ) -> None:
        """Alerts firing now, the latest events and the messages waiting to be delivered."""
        from finops.alerts.state import active_and_recent
        from finops.commands._common import get_settings

        active, recent, pending = active_and_recent(get_settings().data_dir, limit)
        typer.echo(f"active: {len(active)}" + (f" · {pending} message(s) pending" if pending else ""))
        for r in active:
            reason = (r.get("last") or {}).get("reason", "")
            typer.echo(f"  {r['status']:9s} {r['key']} since {r['opened']} (episode {r['episode']}): {reason}")
        typer.echo(f"recent: {len(recent)}")
        for e in recent:
            typer.echo(f"  {e['at']} {e['event']:9s} {e['key']} (as of {e['as_of']})")

    @alert_app.command("secret")
    def secret_cmd(
        channel: Annotated[str, typer.Argument(help="A channel of [alerts.channels.NAME].")],
        field: Annotated[str, typer.Argument(help="url (slack, webhook), secret (webhook signing) or password (email).")],
    ) -> None:
        """Keep a channel's webhook URL, signing secret or SMTP password in the OS keyring (read from stdin, hidden)."""
        from finops.alerts import secrets
        from finops.alerts.rules import load_alerts
        from finops.commands._common import get_settings
        from finops.errors import InputError

        alerts = load_alerts(get_settings().config)
        if channel not in alerts.channels:
            raise InputError(f"alert secret: no channel {channel!r} in [alerts.channels] ({', '.join(alerts.channels) or 'none'})")
        fields = secrets.fields_of(alerts.channels[channel])
        if field not in fields:
            raise InputError(f"alert secret: a {alerts.channels[channel].type} channel keeps {', '.join(fields) or 'no secret'}, not {field!r}")
        value = typer.prompt(f"{channel} {field}", hide_input=True).strip()
        if not value:
            raise InputError("alert secret: empty value; nothing stored")
        secrets.store(channel, field, value)
        typer.echo(f"{channel} {field}: stored in the keyring (service {secrets.SERVICE!r}, user {secrets.keyring_user(channel, field)!r})")
