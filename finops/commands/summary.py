"""`finops summary`: spend by provider and month, straight from the stored cost lines."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from finops.output import Format


def register(app: typer.Typer) -> None:
    @app.command("summary")
    def summary(
        since: Annotated[Optional[str], typer.Option(help="First month, YYYY-MM.")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last month, YYYY-MM.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
    ) -> None:
        """Spend by provider and month (billed figures, in each bill's currency)."""
        import polars as pl

        from finops.commands._common import get_store
        from finops.output import emit
        from finops.summary import spend_by_provider_month

        store = get_store()
        frame = spend_by_provider_month(store, since, until)
        if frame.height == 0:
            typer.echo(f"no cost lines in {store.root}: run `finops sample load` or `finops sync`")
            raise typer.Exit(1)
        if fmt is Format.table:
            totals = frame.group_by("currency").agg(pl.col("billed_cost").sum()).sort("currency")
            caption = "total: " + ", ".join(f"{c} {v:,.2f}" for c, v in totals.iter_rows())
            emit(frame, fmt, title="Spend by provider and month", money_columns=["billed_cost"], caption=caption)
        else:
            emit(frame, fmt)
