"""`finops export`: unattended CSV/Parquet export (FOCUS for costs), incremental, atomic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

EXIT_OK, EXIT_NOTHING = 0, 0


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_cmd(
        dataset: Annotated[str, typer.Option(help="costs, usage, requests, reconcile, cogs, forecast or carbon")],
        out: Annotated[Path, typer.Option(help="Output directory.")],
        fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "parquet",
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
        incremental: Annotated[bool, typer.Option(help="Write only new or restated months.")] = False,
        sync_first: Annotated[bool, typer.Option(help="Pull from the configured connectors before exporting.")] = False,
    ) -> None:
        """Export a dataset; logs to stderr, never prompts; exit 0 ok, 2 bad input, 4 a source failed."""
        import logging

        from finops.commands._common import get_settings, get_store
        from finops.commands.reconcile import _day
        from finops.export.writer import export

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        settings = get_settings()
        if sync_first:
            try:
                from connectors.sync import sync_all  # type: ignore[import-not-found]
            except ImportError:
                from finops.errors import SourceError

                raise SourceError("--sync-first: no connectors are configured in this build; run without it") from None
            sync_all(settings)
        report = export(get_store(settings), dataset, fmt, out, settings.data_dir / "export_state", settings.config,
                        _day(since, "since"), _day(until, "until"), incremental)
        logging.getLogger("finops.export").info(
            "%s: %d rows, %d file(s) written, %d unchanged", dataset, report.rows, len(report.written), len(report.unchanged))

    @app.command("schedule")
    def schedule_cmd(
        action: Annotated[str, typer.Argument(help="show")] = "show",
        dataset: Annotated[str, typer.Option(help="Dataset to export.")] = "costs",
        out: Annotated[Path, typer.Option(help="Output directory.")] = Path("~/finops-exports"),
        fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "parquet",
        at: Annotated[str, typer.Option(help="Daily time, HH:MM (local).")] = "06:15",
    ) -> None:
        """Print a cron line and a systemd user timer that run the export unattended."""
        import shutil
        import sys

        from finops.commands._common import get_settings

        settings = get_settings()
        hh, mm = at.split(":")
        exe = shutil.which("finops") or f"{sys.executable} -m finops.cli"
        cmd = (f"{exe} --data-dir {settings.data_dir} export --dataset {dataset} --format {fmt} "
               f"--out {out.expanduser()} --incremental")
        typer.echo(f"# cron (crontab -e): every day at {at}\n{int(mm)} {int(hh)} * * * {cmd} 2>> {settings.data_dir}/export.log\n")
        typer.echo(f"""# systemd user units: ~/.config/systemd/user/finops-export.service
[Unit]
Description=FinOps console: export {dataset} ({fmt})

[Service]
Type=oneshot
ExecStart={cmd}

# ~/.config/systemd/user/finops-export.timer
[Unit]
Description=Daily FinOps export

[Timer]
OnCalendar=*-*-* {int(hh):02d}:{int(mm):02d}:00
Persistent=true

[Install]
WantedBy=timers.target

# enable: systemctl --user daemon-reload && systemctl --user enable --now finops-export.timer""")
