"""`finops reconcile`: local against billed tokens and dollars, with causes; exit 3 on drift."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from finops.commands._common import WideOpt
from finops.numbers import json_ready
from finops.output import Format

if TYPE_CHECKING:
    from finops.metrics.coverage import Coverage

EXIT_UNEXPLAINED = 3


class View(str, Enum):
    all = "all"
    groups = "groups"
    causes = "causes"


def register(app: typer.Typer) -> None:
    @app.command("reconcile")
    def reconcile_cmd(
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
        by: Annotated[str, typer.Option(help="Group rows by day or month.")] = "month",
        provider: Annotated[Optional[str], typer.Option(help="Only this provider.")] = None,
        project: Annotated[Optional[str], typer.Option(help="Only this project or workspace id.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        wide: WideOpt = False,
        view: Annotated[View, typer.Option(help="What to print: all, groups or causes (csv prints one table: groups unless causes).")] = View.all,
        tz: Annotated[Optional[str], typer.Option(help="Show cause day ranges in this IANA timezone ('local' = \\[display] timezone); data stays UTC.")] = None,
        catalog: Annotated[Optional[Path], typer.Option(help="Price catalog merged over the default (negotiated prices); default: \\[pricing] override.")] = None,
        max_unexplained_pct: Annotated[Optional[float], typer.Option(help="Exit 3 when unexplained drift exceeds this % of billed dollars [default: 2.0 or \\[reconcile] max_unexplained_pct].")] = None,
        coverage: Annotated[bool, typer.Option("--coverage", help="Print the join coverage instead: the share of billed tokens and dollars per provider, project and key that joins to logged rows, and why the rest does not.")] = False,
    ) -> None:
        """Join the request log with billed usage per UTC day and token class, and explain the gap."""
        import json
        import sys
        from dataclasses import replace

        from finops.commands._common import get_context, option_day
        from finops.errors import InputError
        from finops.metrics.coverage import join_coverage
        from finops.output import emit, say
        from finops.metrics.reconcile import reconcile_summary
        from finops.reconcile import reconcile
        from finops.reconcile.display import causes_table, groups_table, payload, with_local_range, zone

        if by not in ("day", "month"):
            raise InputError(f"--by: {by!r} is not day or month")
        ctx = get_context(catalog=catalog)
        settings = ctx.settings
        th = ctx.thresholds
        if max_unexplained_pct is not None:
            th = replace(th, max_unexplained_pct=max_unexplained_pct)
        display_tz = zone(tz, settings.config.section("display").get("timezone")) if tz else None
        result = reconcile(ctx.store, option_day(since, "since"), option_day(until, "until"), provider, project,
                           catalog=ctx.catalog, thresholds=th, identity=ctx.identity)
        if coverage:
            _print_coverage(join_coverage(result, option_day(since, "since"), option_day(until, "until")), fmt)
            return
        found = with_local_range(result.causes, display_tz)
        terms = reconcile_summary(result, option_day(since, "since"), option_day(until, "until"))
        groups = result.by(by)
        s = result.summary
        if fmt is Format.json:
            doc = payload(s, groups if view is not View.causes else groups.clear(), found if view is not View.groups else found.clear())
            doc["summary_terms"] = terms.to_dict()
            doc["coverage"] = join_coverage(result, option_day(since, "since"), option_day(until, "until")).to_dict()
            sys.stdout.write(json.dumps(json_ready(doc), default=str, indent=2) + "\n")
        elif fmt is Format.csv:
            emit(found.drop("details") if view is View.causes else groups, fmt)
        else:
            if view is not View.causes:
                shown, title = groups_table(groups, by)
                # Ranked for a narrow terminal: what drifted and by how many dollars first, the bill's detail last.
                emit(shown, fmt, title=title, money_columns=["delta_usd", "billed_usd", "billed_usd_at_catalog"],
                     priority=[by, "model", "token_class", "delta_usd", "delta", "delta_pct", "local", "billed",
                               "project", "provider", "causes", "billed_usd", "billed_usd_at_catalog", "key"],
                     wrap=["causes"], labels={"local": "logged", "billed": "metered"})
            if view is not View.groups:
                emit(causes_table(found), fmt, title="Causes", money_columns=["dollar_impact"], wrap=["evidence"],
                     priority=["cause", "dollar_impact", "evidence", "provider", "project", "day_range", "tokens",
                               "provenance"],
                     caption="dollar impact: tokens at the rate billed (catalog where no bill); price_mismatch: billed − catalog")
            say(terms.line() + f" · {terms.unexplained_text()}"
                       + (f" · {s['unpriced_rows']} unpriced row(s)" if s["unpriced_rows"] else ""))
            if s["local_provider_days_rollup"]:
                say(f"local side: {s['local_provider_days_raw']:,} provider-day(s) from the request log, "
                           f"{s['local_provider_days_rollup']:,} from request_days (a warehouse rollup, logged)")
        if result.exit_code:
            typer.echo(f"unexplained drift {s['unexplained_pct']:.2f}% is over {th.max_unexplained_pct}%", err=True)
            raise typer.Exit(EXIT_UNEXPLAINED)


def _print_coverage(cov: "Coverage", fmt: Format) -> None:
    """`finops reconcile --coverage`: the coverage figures, the per-group table and what does not join."""
    import json
    import sys

    import polars as pl

    from finops.output import emit, say

    if fmt is Format.json:
        sys.stdout.write(json.dumps(json_ready(cov.to_dict()), default=str, indent=2) + "\n")
        return
    groups = cov.by_group.select(
        "provider", pl.col("project_id").alias("project"), pl.col("api_key_id").alias("key"), "billed_tokens",
        pl.col("tokens_pct").round(2).alias("tokens_joined_pct"), "billed_usd", pl.col("usd_pct").round(2).alias("usd_joined_pct"))
    if fmt is Format.csv:
        emit(cov.not_joined if cov.not_joined.height else groups, fmt)
        return
    emit(groups, fmt, title="Join coverage per provider · project · key (billed tokens and dollars that join to logged rows)",
         money_columns=["billed_usd"], priority=["provider", "project", "key", "usd_joined_pct", "tokens_joined_pct",
                                                 "billed_usd", "billed_tokens"])
    if cov.not_joined.height:
        emit(cov.not_joined.select("reason", "usd", "tokens", "side", "provider", pl.col("project_id").alias("project"),
                                   pl.col("api_key_id").alias("key"), "model", "token_class", "first_day", "last_day", "detail"),
             fmt, title="Not joined, and why", money_columns=["usd"], wrap=["detail"],
             priority=["reason", "usd", "project", "key", "model", "detail", "tokens", "provider", "side", "token_class",
                       "first_day", "last_day"])
    if cov.names.height:
        emit(cov.names, fmt, title="Logged names that map to no provider id (add them to [identity])")
    say(cov.line())
