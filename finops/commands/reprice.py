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
        catalog: Annotated[Optional[Path], typer.Option(help="Price catalog CSV (columns of models/pricing/catalog.csv).")] = None,
        installed: Annotated[bool, typer.Option("--installed", help="Instead of a file: the installed genai-prices data and "
                                                "catalog.csv, against the list prices pinned in the data directory.")] = False,
        adopt: Annotated[bool, typer.Option("--adopt", help="With --installed: after the diff, pin the installed list prices "
                                            "(every figure is priced at them from then on).")] = False,
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
        from finops.errors import InputError
        from finops.models.money import money_total
        from finops.output import emit, say
        from finops.services.pricing import configured_catalog, reprice, reprice_with

        if (catalog is None) == (not installed):
            raise InputError("reprice: give either --catalog FILE or --installed")
        if adopt and not installed:
            raise InputError("reprice: --adopt goes with --installed (a --catalog FILE is adopted with [pricing] override)")
        ctx = get_context()
        first, last = option_day(since, "since"), option_day(until, "until")
        if catalog is not None:
            frame, name = reprice(ctx.store, catalog, ctx.catalog, merge_over=not replace, since=first, until=last,
                                  provider=provider), catalog.name
        else:
            from finops.models.pricing.catalog import list_prices

            # the same configuration (override, rate card) on the installed list prices instead of the pinned ones
            other = configured_catalog(ctx.settings.config, ctx.catalog_flag, rates=lambda: ctx.fx, last_day=ctx.today,
                                       listed=list_prices())
            frame, name = reprice_with(ctx.store, ctx.catalog, other, first, last, provider), "the installed list prices"
        if fmt is not Format.table:
            emit(frame, fmt)
        else:
            changed = frame.filter(pl.col("diff_usd").is_null() | (pl.col("diff_usd").abs() > 1e-9))
            unpriced = frame.filter(pl.col("repriced_usd").is_null() & pl.col("current_usd").is_not_null()).height
            total = money_total(changed["diff_usd"])
            caption = (f"total diff {'-' if total < 0 else '+'}${abs(total):,.2f} (estimated at catalog prices, stored figures unchanged); "
                       f"{frame.height - changed.height} month/model rows unchanged"
                       + (f"; {unpriced} row(s) unpriced under {name}" if unpriced else ""))
            emit(changed.drop("repriced_rows"), fmt, title=f"Repriced with {name}",
                 money_columns=["current_usd", "repriced_usd", "diff_usd"], caption=caption)
        if adopt:
            from finops.services.price_pin import package_sources, pin

            path = pin(ctx.settings.data_dir, list_prices())
            say(f"adopted: every figure is now priced at {package_sources(list_prices())} (pinned in {path})")
