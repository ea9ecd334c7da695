"""`finops carbon`: energy (Wh) and carbon (gCO2e) per feature, model, month, project or task, with ranges."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from finops.output import Format


def register(app: typer.Typer) -> None:
    @app.command("carbon")
    def carbon_cmd(
        by: Annotated[str, typer.Option(help="feature, model, month, project, task or region")] = "feature",
        month: Annotated[Optional[str], typer.Option(help="Only this month, YYYY-MM.")] = None,
        what_if_model: Annotated[Optional[str], typer.Option(help="Move the traffic to this model (provider:model).")] = None,
        what_if_region: Annotated[Optional[str], typer.Option(help="Serve the traffic from this region.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
    ) -> None:
        """Energy, carbon, tokens per Wh and cost per kg CO2e (all estimated), with low/mid/high ranges."""
        import polars as pl

        from finops.commands._common import get_store
        from finops.errors import InputError
        from finops.output import emit
        from models.energy.carbon import GROUPINGS, carbon_by

        if by not in GROUPINGS:
            raise InputError(f"--by: {by!r} is not one of {', '.join(GROUPINGS)}")
        store = get_store()
        actual = carbon_by(store, by, month)
        if actual.height == 0:
            typer.echo("no requests in the store for that period: run `finops sample load` or `finops ingest`")
            raise typer.Exit(1)
        keys = GROUPINGS[by]
        shown = actual.select(*keys, "requests", "wh_low", "wh_mid", "wh_high", "gco2e_low", "gco2e_high",
                              "tokens_per_wh_low", "tokens_per_wh_high", "cost_usd", "usd_per_kgco2e_low", "usd_per_kgco2e_high")
        if what_if_model or what_if_region:
            provider, _, model = (what_if_model or "").partition(":")
            if what_if_model and not model:
                raise InputError("--what-if-model: give provider:model, e.g. openai:gpt-4.1-mini")
            moved = carbon_by(store, by, month, model_override=model or None, provider_override=provider or None,
                              region_override=what_if_region)
            label = " ".join(x for x in (what_if_model, what_if_region) if x)
            shown = actual.select(*keys, pl.col("wh_mid").alias("wh_now"), pl.col("gco2e_mid").alias("gco2e_now"),
                                  pl.col("cost_usd").alias("cost_now")).join(
                moved.select(*keys, pl.col("wh_mid").alias("wh_what_if"), pl.col("gco2e_mid").alias("gco2e_what_if"),
                             pl.col("cost_usd").alias("cost_what_if")), on=keys, how="left")
            emit(shown, fmt, title=f"What if: {label} (mid estimates; estimated)", money_columns=["cost_now", "cost_what_if"])
            return
        emit(shown, fmt, title=f"Energy and carbon by {by}" + (f", {month}" if month else "") + " (estimated, low-high)",
             money_columns=["cost_usd", "usd_per_kgco2e_low", "usd_per_kgco2e_high"],
             caption="Method: EcoLogits decode + prefill and cache hits (docs/energy.md); cost = local tokens x catalog price.")
