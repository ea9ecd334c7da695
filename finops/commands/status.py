"""`finops status`: what the store holds, per table and source, and each source's last sync."""

from __future__ import annotations

from typing import Annotated

import typer

from finops.commands._common import WideOpt
from finops.output import Format


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
               wide: WideOpt = False) -> None:
        """Sources, date ranges, row counts and last sync of everything stored."""
        from finops.commands._common import get_context
        from finops.output import emit
        from finops.status import source_status, store_overview

        ctx = get_context()
        store = ctx.store
        frame = source_status(store)
        if frame.height == 0:
            typer.echo(f"the store at {store.root} is empty: run `finops sample load` or `finops sync`")
            return
        emit(frame, fmt, title=f"Store {store.root}", caption=f"{store_overview(store)}\n{ctx.list_prices.describe()}")
