"""`finops status`: what the store holds, per table and source, and each source's last sync."""

from __future__ import annotations

from typing import Annotated

import typer

from finops.commands._common import WideOpt
from finops.output import Format


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
               wide: WideOpt = False,
               check: Annotated[bool, typer.Option("--check", help="read every stored part file in full and list those that are damaged (exit 1 if any)")] = False,
               drop_damaged: Annotated[bool, typer.Option("--drop-damaged", help="set damaged part files aside in the store's _quarantine folder so the rest reads again")] = False) -> None:
        """Sources, date ranges, row counts and last sync of everything stored."""
        from finops.commands._common import get_context
        from finops.output import emit
        from finops.status import source_status, store_overview

        if check or drop_damaged:
            _check_parts(drop_damaged)
            return
        ctx = get_context()
        store = ctx.store
        frame = source_status(store)
        if frame.height == 0:
            typer.echo(f"the store at {store.root} is empty: run `finops sample load` or `finops sync`")
            return
        emit(frame, fmt, title=f"Store {store.root}", caption=f"{store_overview(store)}\n{ctx.list_prices.describe()}")


def _check_parts(drop: bool) -> None:
    """Every part of the committed store read in full; damaged ones listed, or set aside."""
    from finops.commands._common import get_store, progress
    from finops.errors import StoreError
    from finops.store import damaged_parts, part_count

    store = get_store()
    total = part_count(store.root)
    with progress() as bar:
        task = bar.add_task("reading every part", total=total)
        damaged = damaged_parts(store.root, full=True, on_part=lambda: bar.advance(task))
    if not damaged:
        typer.echo(f"all {total} part files of {store.root} read in full: none is damaged")
        return
    for part in damaged:
        typer.echo(part.describe())
    if not drop:
        raise StoreError(f"{len(damaged)} damaged part file(s) in {store.root}; "
                         "`finops status --drop-damaged` sets them aside so the rest reads again")
    aside = store.drop_parts([(p.table, p.month, p.path.name) for p in damaged])
    months = ", ".join(sorted({f"{p.table} {p.month}" for p in damaged}))
    typer.echo(f"set {len(damaged)} damaged part file(s) aside in {aside}; their rows are no longer read: "
               f"re-sync or re-ingest {months}")
