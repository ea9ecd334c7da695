"""`finops reconcile`: local against billed tokens and dollars, with causes; exit 3 on drift."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from finops.output import Format

EXIT_UNEXPLAINED = 3


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        from finops.errors import InputError

        raise InputError(f"--{name}: {text!r} is not a YYYY-MM-DD date") from None


def register(app: typer.Typer) -> None:
    @app.command("reconcile")
    def reconcile_cmd(
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
        by: Annotated[str, typer.Option(help="Group rows by day or month.")] = "month",
        provider: Annotated[Optional[str], typer.Option(help="Only this provider.")] = None,
        project: Annotated[Optional[str], typer.Option(help="Only this project or workspace id.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        tz: Annotated[Optional[str], typer.Option(help="Show cause ranges in this timezone too (data stays UTC).")] = None,
        catalog: Annotated[Optional[Path], typer.Option(help="Price catalog overriding the default (negotiated prices).")] = None,
        max_unexplained_pct: Annotated[float, typer.Option(help="Exit 3 when unexplained drift exceeds this % of billed dollars.")] = 2.0,
    ) -> None:
        """Join the request log with billed usage per UTC day and token class, and explain the gap."""
        import json
        import sys

        import polars as pl

        from finops.commands._common import get_store
        from finops.output import emit
        from finops.reconcile import reconcile

        if by not in ("day", "month"):
            from finops.errors import InputError

            raise InputError(f"--by: {by!r} is not day or month")
        result = reconcile(get_store(), _day(since, "since"), _day(until, "until"), provider, project, catalog_override=catalog)
        found = result.causes
        if tz:
            from zoneinfo import ZoneInfo

            zone = ZoneInfo(tz)
            found = found.with_columns(
                pl.col("start").cast(pl.Datetime("us")).dt.replace_time_zone("UTC").dt.convert_time_zone(zone.key).alias(f"start_{tz}"),
                (pl.col("end").cast(pl.Datetime("us")) + pl.duration(days=1)).dt.replace_time_zone("UTC").dt.convert_time_zone(zone.key).alias(f"end_{tz}"),
            )
        groups = result.by(by)
        if fmt is Format.json:
            payload = {"summary": result.summary, "causes": found.to_dicts(), "groups": groups.to_dicts()}
            sys.stdout.write(json.dumps(payload, default=str, indent=2) + "\n")
        elif fmt is Format.csv:
            emit(groups, fmt)
        else:
            shown = groups.filter(pl.col("delta") != 0) if groups.height > 60 else groups
            shown = shown.select(by, "provider", pl.col("project_id").alias("project"), "model", "token_class", "local", "billed",
                                 "delta_pct", "delta_usd", "causes")
            emit(shown, fmt,
                 title=f"Local vs billed tokens by {by} (rows with a difference)" if groups.height > 60 else f"Local vs billed tokens by {by}",
                 money_columns=["delta_usd", "unexplained_usd"])
            emit(found.drop("evidence", "provenance"), fmt, title="Causes (UTC day ranges)", money_columns=["dollar_impact"])
            s = result.summary
            typer.echo(
                f"billed ${s['billed_usd']:,.2f} (billed) · explained ${s['explained_usd']:,.2f} (estimated) · "
                f"unexplained ${s['unexplained_usd']:,.2f} = {s['unexplained_pct']:.2f}% of billed"
                + (f" · {s['unpriced_rows']} unpriced row(s)" if s["unpriced_rows"] else "")
            )
        if result.summary["unexplained_pct"] > max_unexplained_pct:
            typer.echo(f"unexplained drift {result.summary['unexplained_pct']:.2f}% is over {max_unexplained_pct}%", err=True)
            raise typer.Exit(EXIT_UNEXPLAINED)
