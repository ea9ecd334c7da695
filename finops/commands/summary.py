"""`finops summary`: spend by provider and month, straight from the stored cost lines."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from finops.commands._common import WideOpt
from finops.output import Format


def _month_option(text: str | None, name: str) -> str | None:
    """A YYYY-MM (or YYYY-MM-DD) option as its YYYY-MM month; a bad value is a one-line error."""
    from datetime import date

    from finops.errors import InputError

    if text is None:
        return None
    try:
        day = date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    except ValueError:
        raise InputError(f"--{name}: {text!r} is not a YYYY-MM month or YYYY-MM-DD date") from None
    return f"{day:%Y-%m}"


def register(app: typer.Typer) -> None:
    @app.command("summary")
    def summary(
        since: Annotated[Optional[str], typer.Option(help="First month, YYYY-MM (a YYYY-MM-DD day selects its month).")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last month, YYYY-MM (a YYYY-MM-DD day selects its month).")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        wide: WideOpt = False,
    ) -> None:
        """Spend by provider and month (billed figures, in each bill's currency)."""
        import polars as pl

        from finops.commands._common import get_store
        from finops.errors import InputError
        from finops.models.money import money_sum
        from finops.output import emit
        from finops.summary import spend_by_provider_month

        first, last = _month_option(since, "since"), _month_option(until, "until")
        if first and last and first > last:
            raise InputError(f"--since {first} is after --until {last}")
        store = get_store()
        frame = spend_by_provider_month(store, first, last)
        if frame.height == 0:
            if (first or last) and spend_by_provider_month(store).height:
                typer.echo(f"no cost lines in {first or 'the first month'}..{last or 'the last month'} "
                           f"(the store has other months: run `finops summary`)")
            else:
                typer.echo(f"no cost lines in {store.root}: run `finops sample load` or `finops sync`")
            raise typer.Exit(1)
        if fmt is Format.table:
            totals = frame.group_by("currency").agg(money_sum(pl.col("billed_cost"))).sort("currency")
            caption = "total: " + ", ".join(f"{c} {v:,.2f}" for c, v in totals.iter_rows())
            emit(frame, fmt, title="Spend by provider and month", money_columns=["billed_cost"], caption=caption,
                 currency_of={"billed_cost": "currency"})
        else:
            emit(frame, fmt)
