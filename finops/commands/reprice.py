"""`finops reprice --catalog FILE`: history under another price catalog, as a diff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from finops.commands._common import WideOpt
from finops.output import Format


def register(app: typer.Typer) -> None:
    @app.command("reprice")
    def reprice_cmd(
        catalog: Annotated[Path, typer.Option(help="Price catalog CSV (columns of models/pricing/catalog.csv).")],
        replace: Annotated[bool, typer.Option("--replace", help="Use FILE as the whole catalog instead of merging it over the configured one.")] = False,
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
        provider: Annotated[Optional[str], typer.Option(help="Only this provider.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        wide: WideOpt = False,
    ) -> None:
        """Show what stored usage would cost under another catalog, without changing stored figures."""
        import polars as pl

        from finops.commands._common import get_context, option_day
        from finops.output import emit
        from finops.services.pricing import reprice

        ctx = get_context()
        frame = reprice(ctx.store, catalog, ctx.catalog, merge_over=not replace,
                        since=option_day(since, "since"), until=option_day(until, "until"), provider=provider)
        if fmt is not Format.table:
            emit(frame, fmt)
            return
        changed = frame.filter(pl.col("diff_usd").is_null() | (pl.col("diff_usd").abs() > 1e-9))
        unpriced = frame.filter(pl.col("repriced_usd").is_null() & pl.col("current_usd").is_not_null()).height
        total = changed["diff_usd"].drop_nulls().sum()
        caption = (f"total diff {'-' if total < 0 else '+'}${abs(total):,.2f} (estimated at catalog prices, stored figures unchanged); "
                   f"{frame.height - changed.height} month/model rows unchanged"
                   + (f"; {unpriced} row(s) unpriced under {catalog.name}" if unpriced else ""))
        emit(changed.drop("repriced_rows"), fmt, title=f"Repriced with {catalog.name}",
             money_columns=["current_usd", "repriced_usd", "diff_usd"], caption=caption)
