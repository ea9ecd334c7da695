"""`finops report monthly`: the monthly forecast report as Markdown or one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    rep = typer.Typer(help="Reports built from the store.", no_args_is_help=True)
    app.add_typer(rep, name="report")

    @rep.command("monthly")
    def monthly_cmd(
        month: Annotated[str | None, typer.Option(help="YYYY-MM; default: the latest month with billed data.")] = None,
        out: Annotated[Path, typer.Option(help="Directory to write the report into.")] = Path("."),
        fmt: Annotated[str, typer.Option("--format", help="md (text charts) or html (SVG charts, one file)")] = "md",
    ) -> None:
        """Month-to-date actuals, month-end and next-month forecasts, last month's accuracy, budgets,
        movers, anomalies, and reconciliation, COGS and carbon summaries."""
        from finops.commands._common import get_context, progress
        from finops.errors import InputError
        from finops.report.build import FORMATS, SECTIONS, build_monthly, write_monthly

        if fmt not in FORMATS:
            raise InputError(f"--format: {fmt!r} is not md or html")
        ctx = get_context()
        with progress() as bar:
            task = bar.add_task("report", total=len(SECTIONS) + 1)

            def step(name: str) -> None:
                bar.update(task, advance=1, description=f"report: {name}")

            report = build_monthly(ctx, month, on_section=step)
            bar.update(task, description="report: writing")
            doc, data = write_monthly(report, out, fmt)
            bar.update(task, advance=1, description="report: done")
        typer.echo(f"wrote {doc} (figures: {data.name})")
