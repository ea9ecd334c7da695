"""`finops report monthly`: the monthly forecast report as Markdown or self-contained HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    report = typer.Typer(help="Reports.", no_args_is_help=True)
    app.add_typer(report, name="report")

    @report.command("monthly")
    def monthly(
        month: Annotated[Optional[str], typer.Option(help="YYYY-MM (default: the latest month with data).")] = None,
        out: Annotated[Path, typer.Option(help="Directory to write the report to.")] = Path("."),
        fmt: Annotated[str, typer.Option("--format", help="md or html")] = "md",
    ) -> None:
        """MTD actuals, month-end and next-month forecasts, accuracy, budgets, movers, reconcile, COGS, carbon."""
        from finops.commands._common import get_settings, get_store, progress
        from finops.errors import InputError
        from finops.report.monthly import build, to_html, to_markdown
        from finops.store import atomic

        if fmt not in ("md", "html"):
            raise InputError(f"--format: {fmt!r} is not md or html")
        settings = get_settings()
        with progress() as bar:
            task = bar.add_task("building the report", total=None)
            rep = build(get_store(settings), settings.config, month)
            bar.update(task, completed=1, total=1)
        text = to_markdown(rep) if fmt == "md" else to_html(rep)
        target = out / f"finops-report-{rep.month}.{fmt}"
        atomic.write_text(target, text)
        typer.echo(f"wrote {target}")
