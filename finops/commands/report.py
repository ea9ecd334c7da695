"""`finops report monthly`: the monthly forecast report as Markdown or one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    rep = typer.Typer(help="Reports built from the store.", no_args_is_help=True)
    app.add_typer(rep, name="report")

    @rep.command("monthly")
    def monthly_cmd(
        month: Annotated[str | None, typer.Option(help="YYYY-MM; default: the latest month with billed data.")] = None,
        out: Annotated[Path, typer.Option(help="The report file (…/report.html or .md: its figures go beside it as "
                                          "…/report.json), or a directory to write finops-report-YYYY-MM.* into.")] = Path("."),
        fmt: Annotated[Optional[str], typer.Option("--format", help="md (text charts) or html (SVG charts, one file); "
                                                   "default: the --out file's suffix, else md")] = None,
    ) -> None:
        """Month-to-date actuals, month-end and next-month forecasts, last month's accuracy, budgets,
        movers, anomalies, and reconciliation, COGS and carbon summaries."""
        from finops.commands._common import get_context, progress
        from finops.errors import InputError
        from finops.report.build import FORMATS, SECTIONS, build_monthly, write_monthly

        suffix = out.suffix.lower().lstrip(".")
        as_file = suffix in FORMATS and not out.is_dir()
        if as_file and fmt is not None and fmt != suffix:
            raise InputError(f"--out {out} is a .{suffix} file but --format is {fmt}")
        fmt = fmt or (suffix if as_file else "md")
        if fmt not in FORMATS:
            raise InputError(f"--format: {fmt!r} is not md or html")
        ctx = get_context()
        with progress() as bar:
            task = bar.add_task("report", total=len(SECTIONS) + 1)

            def step(name: str) -> None:
                bar.update(task, advance=1, description=f"report: {name}")

            report = build_monthly(ctx, month, on_section=step)
            bar.update(task, description="report: writing")
            doc, data = write_monthly(report, out, fmt, as_file=as_file)
            bar.update(task, advance=1, description="report: done")
        typer.echo(f"wrote {doc} (figures: {data.name})")
