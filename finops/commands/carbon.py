"""`finops carbon`: energy (Wh) and carbon (gCO2e) per feature, model, month, project or task, with ranges."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from finops.commands._common import WideOpt
from finops.numbers import significant
from finops.output import Format

if TYPE_CHECKING:
    import polars as pl

METHOD = "EcoLogits decode + prefill, cache hits and utilisation ranges (docs/energy.md); cost = logged tokens x catalog price"


def _num(value: float | None) -> str:
    return "—" if value is None else significant(value)


def _ranged(frame: "pl.DataFrame", prefix: str, label: str) -> "pl.Series":
    import polars as pl

    cells = [f"{_num(m)} ({_num(lo)}–{_num(hi)})" if m is not None else "no estimate"
             for lo, m, hi in frame.select(f"{prefix}_low", f"{prefix}_mid", f"{prefix}_high").iter_rows()]
    return pl.Series(label, cells, pl.String)


def _pct(frame: "pl.DataFrame", col: str, label: str) -> "pl.Series":
    import polars as pl

    return pl.Series(label, ["—" if v is None else "0.0%" if abs(v) < 0.05 else f"{v:+.1f}%" for v in frame[col]], pl.String)


def _table(frame: "pl.DataFrame", keys: list[str]) -> "pl.DataFrame":
    return frame.select(*keys, "requests").with_columns(
        _ranged(frame, "wh", "Wh mid (low–high)"), _ranged(frame, "gco2e", "gCO2e mid (low–high)"),
        _ranged(frame, "tokens_per_wh", "tokens/Wh mid (low–high)"), frame["cost_usd"].alias("cost_usd"),
        _ranged(frame, "cost_per_kgco2e", "USD/kgCO2e mid (low–high)"),
    )


def _what_if_table(frame: "pl.DataFrame", keys: list[str]) -> "pl.DataFrame":
    import polars as pl

    def gco2e(suffix: str, label: str) -> "pl.Series":
        side = frame.select(**{f"g_{lv}": pl.col(f"gco2e_{lv}_{suffix}") for lv in ("low", "mid", "high")})
        return _ranged(side, "g", label)

    wh = [f"{_num(a)} → {_num(b)}" for a, b in frame.select("wh_mid_now", "wh_mid_what_if").iter_rows()]
    return frame.select(*keys, "requests", pl.col("moved_requests").alias("moved")).with_columns(
        pl.Series("Wh mid now → what-if", wh, pl.String), gco2e("now", "gCO2e now"), gco2e("what_if", "gCO2e what-if"),
        _pct(frame, "gco2e_mid_change_pct", "gCO2e Δ"), frame["cost_usd_now"].alias("cost now"),
        frame["cost_usd_what_if"].alias("cost what-if"), _pct(frame, "cost_usd_change_pct", "cost Δ"),
    )


def register(app: typer.Typer) -> None:
    @app.command("carbon")
    def carbon_cmd(
        by: Annotated[str, typer.Option(help="feature, model, month, project, task, region or provider")] = "feature",
        month: Annotated[Optional[str], typer.Option(help="Only this UTC month, YYYY-MM (what-if: default the latest).")] = None,
        what_if_model: Annotated[Optional[str], typer.Option(help="Move the month's traffic to this model (model or provider:model).")] = None,
        what_if_region: Annotated[Optional[str], typer.Option(help="Serve the month's traffic from this region (e.g. eu-north-1).")] = None,
        gpu: Annotated[str, typer.Option(help="Serving GPU from models/energy/hardware.csv.")] = "H100",
        top: Annotated[Optional[int], typer.Option(help="Show only the N groups with the most energy (default 20 for --by task; 0 = all).")] = None,
        catalog: Annotated[Optional[Path], typer.Option(help="Price catalog merged over the default (negotiated prices); default: \\[pricing] override in finops.toml.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        wide: WideOpt = False,
    ) -> None:
        """Energy, carbon, tokens per Wh and cost per kg CO2e per group: all estimated, with low/mid/high ranges."""
        import polars as pl

        from finops.commands._common import get_context
        from finops.output import emit
        from finops.models.energy.carbon import GROUPINGS
        from finops.services.energy import carbon_by, months

        if by not in GROUPINGS:
            from finops.errors import InputError

            raise InputError(f"--by: {by!r} is not one of {', '.join(GROUPINGS)}")
        context = get_context(catalog=catalog)
        store = context.store
        prices = context.catalog  # --catalog, else [pricing] override, over the default
        keys = GROUPINGS[by]
        if what_if_model or what_if_region:
            from finops.services.energy import what_if

            have = months(store)
            if not have:
                typer.echo("no requests in the store: run `finops sample load` or `finops ingest`")
                raise typer.Exit(1)
            month = month or have[-1]
            frame = what_if(store, month, model=what_if_model, region=what_if_region, by=by, gpu=gpu, catalog=prices)
            if frame.height == 0:
                typer.echo(f"no requests in the store for {month}")
                raise typer.Exit(1)
            label = " and ".join(x for x in (what_if_model and f"model {what_if_model}", what_if_region and f"region {what_if_region}") if x)
            shown = frame if fmt is not Format.table else _what_if_table(frame, keys)
            emit(shown, fmt, title=f"What if {month}'s traffic ran on {label} (estimated; mid and low–high)",
                 money_columns=["cost_usd_now", "cost_usd_what_if", "cost now", "cost what-if"], caption=METHOD)
            return
        frame = carbon_by(store, by, month, gpu=gpu, catalog=prices)
        if frame.height == 0:
            typer.echo("no requests in the store for that period: run `finops sample load` or `finops ingest`")
            raise typer.Exit(1)
        limit = top if top is not None else (20 if by == "task" else 0)
        caption = METHOD
        if limit and frame.height > limit:
            caption = f"Top {limit} of {frame.height} groups by mid energy (--top 0 for all). " + METHOD
            frame = frame.sort("wh_mid", descending=True, nulls_last=True).head(limit)
        shown = frame if fmt is not Format.table else _table(frame, keys)
        emit(shown, fmt, title=f"Energy and carbon by {by}" + (f", {month}" if month else "") + f" on {gpu} (estimated)",
             money_columns=["cost_usd"], caption=caption)
        if fmt is Format.table and int(frame["unestimated_requests"].sum()):
            typer.echo(f"{int(frame['unestimated_requests'].sum())} request(s) on models missing from "
                       "models/energy/model_params.csv have no estimate (not counted as zero).", err=True)
