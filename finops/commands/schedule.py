"""`finops schedule show`: print a cron line and systemd user units that run the export for your settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    schedule_app = typer.Typer(help="Run exports on a schedule (cron or a systemd user timer).", no_args_is_help=True)
    app.add_typer(schedule_app, name="schedule")

    @schedule_app.command("show")
    def show_cmd(
        dataset: Annotated[Optional[list[str]], typer.Option("--dataset", help="Dataset to export (repeatable; default: \\[export] datasets, else costs).")] = None,
        fmt: Annotated[Optional[str], typer.Option("--format", help="csv or parquet (default: \\[export] format).")] = None,
        out: Annotated[Optional[Path], typer.Option(help="Output directory (default: \\[export] out_dir, else <data dir>/exports).")] = None,
        at: Annotated[Optional[str], typer.Option(help="Daily time HH:MM, local (default: \\[export] at, else 06:15).")] = None,
        sync_first: Annotated[Optional[bool], typer.Option("--sync-first/--no-sync-first", help="Sync the connectors first (default: \\[export] sync_first).")] = None,
    ) -> None:
        """Print the cron line(s) and the systemd service and timer for the current data dir and settings.

        With [[alerts.rules]] configured, `finops alert check` is listed beside the export.
        """
        from finops.alerts.rules import load_alerts
        from finops.commands._common import get_settings
        from finops.errors import InputError
        from finops.export.datasets import DATASETS
        from finops.export.files import FORMATS
        from finops.export.schedule import Plan, render
        from finops.export.settings import TIME_PATTERN, ExportSettings

        settings = get_settings()
        options = ExportSettings.from_config(settings.config)
        alert_settings = load_alerts(settings.config)
        datasets = tuple(dataset) if dataset else options.datasets
        for d in datasets:
            if d not in DATASETS:
                raise InputError(f"--dataset: {d!r} is not one of {', '.join(DATASETS)}")
        fmt = fmt or options.format
        if fmt not in FORMATS:
            raise InputError(f"--format: {fmt!r} is not csv or parquet")
        at = at or options.at
        if not TIME_PATTERN.match(at):
            raise InputError(f"--at: {at!r} is not a time HH:MM")
        hour, minute = (int(x) for x in at.split(":"))
        config = settings.config.path.resolve() if settings.config.path else None
        plan = Plan(
            data_dir=settings.data_dir.expanduser().resolve(), config=config, datasets=datasets, fmt=fmt,
            out_dir=(out or options.out_dir or settings.data_dir / "exports").expanduser().resolve(),
            hour=hour, minute=minute, sync_first=options.sync_first if sync_first is None else sync_first,
            alerts_every=alert_settings.every_minutes if alert_settings.configured else None,
        )
        typer.echo(render(plan))
