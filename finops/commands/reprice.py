"""`finops reprice --catalog FILE`: history under another price catalog, as a diff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finops.output import Format


def register(app: typer.Typer) -> None:
    @app.command("reprice")
    def reprice_cmd(
        catalog: Annotated[Path, typer.Option(help="Price catalog CSV (same columns as models/pricing/catalog.csv).")],
        replace: Annotated[bool, typer.Option("--replace", help="Use FILE as the whole catalog instead of overriding rows.")] = False,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
    ) -> None:
        """Show what stored usage would cost under another catalog, without changing stored figures."""
        import polars as pl

        from finops.commands._common import get_store
        from finops.output import emit
        from finops.reprice import reprice

        frame = reprice(get_store(), catalog, merge=not replace)
        if fmt is Format.table:
            changed = frame.filter(pl.col("diff_usd").is_null() | (pl.col("diff_usd").abs() > 1e-9))
            caption = (f"total diff ${frame['diff_usd'].sum():,.2f} (estimated at catalog prices); "
                       f"{frame.height - changed.height} month/model rows unchanged")
            emit(changed, fmt, title=f"Repriced with {catalog.name}", money_columns=["current_usd", "repriced_usd", "diff_usd"], caption=caption)
        else:
            emit(frame, fmt)
