"""`finops prices`: the price used for a model, the unpriced volume in the store, the rate card vs list prices."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from finops.output import Format


def register(app: typer.Typer) -> None:
    prices_app = typer.Typer(help="Prices: what a model costs, what is unpriced, your rate card vs list prices.",
                         no_args_is_help=True)
    app.add_typer(prices_app, name="prices")

    @prices_app.command("show")
    def show_cmd(
        model: Annotated[str, typer.Argument(help="Model as any log, gateway or bill spells it (gpt-4.1-2025-04-14, "
                                                   "azure/gpt-4o, 'Claude Sonnet 4').")],
        provider: Annotated[str, typer.Option(help="Provider (openai, anthropic, google, aws, azure, mistral, ...).")] = "openai",
        day: Annotated[Optional[str], typer.Option(help="UTC day, YYYY-MM-DD (default: the as-of day).")] = None,
        tier: Annotated[str, typer.Option(help="Service tier: standard, batch, flex, priority, ...")] = "standard",
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
    ) -> None:
        """The price per million tokens of each class for a model on a day and tier, and the row that set it."""
        from finops.commands._common import get_context, option_day
        from finops.output import emit
        from finops.services.pricing import price_table

        ctx = get_context()
        when = option_day(day, "day") or ctx.as_of
        frame = price_table(ctx.catalog, provider, model, when, "" if tier.lower() == "standard" else tier.lower())
        if fmt is not Format.table:
            emit(frame, fmt)
            return
        head = frame.row(0, named=True)
        resolved = (f"{head['catalog_provider']}/{head['catalog_model']} ({head['match']})" if head["catalog_model"]
                    else "not in the catalog: unpriced")
        priced = frame.filter(frame["usd_per_million"].is_not_null())
        emit(priced.select("token_class", "usd_per_million", "price_row_id") if priced.height else priced.select("token_class"),
             fmt, title=f"{provider} {model} on {when}, {tier} tier -> {resolved}",
             caption="USD per million tokens; price_row_id names the source (package==version or file:line). "
                     f"{frame.height - priced.height} class(es) without a price are unpriced, never $0. "
                     f"{ctx.list_prices.describe()}.")

    @prices_app.command("unpriced")
    def unpriced_cmd(
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
    ) -> None:
        """Models in the store with tokens the catalog does not price, with what they would cost at the nearest family."""
        from finops.commands._common import get_context, option_day
        from finops.output import emit
        from finops.services.pricing import unpriced_volume

        ctx = get_context()
        frame = unpriced_volume(ctx.store, ctx.catalog, option_day(since, "since"), option_day(until, "until"))
        if fmt is not Format.table:
            emit(frame, fmt)
            return
        total = frame["tokens"].sum() if frame.height else 0
        emit(frame, fmt, title="Unpriced volume", money_columns=["estimated_usd"],
             caption=(f"{total:,} token(s) unpriced: left out of every $ figure, never counted as $0. estimated_usd is a guess at "
                      "the stand-in model's list price (estimate_model, estimate_basis)." if frame.height
                      else "every stored token has a price."))

    @prices_app.command("diff")
    def diff_cmd(
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
    ) -> None:
        """Your rate card ([pricing] overrides) against the list price each row replaces."""
        from finops.commands._common import get_context
        from finops.output import emit
        from finops.services.pricing import overrides_diff

        ctx = get_context()
        frame = overrides_diff(ctx.settings.config, ctx.fx, ctx.today, listed=ctx.list_prices.frame)
        if fmt is not Format.table:
            emit(frame, fmt)
            return
        emit(frame, fmt, title="Rate card vs list prices",
             caption="USD per million tokens on each row's first day; list_source is the package==version or catalog.csv row."
             if frame.height else "no [pricing] overrides in finops.toml.")
