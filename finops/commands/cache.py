"""`finops cache`: prompt-cache efficiency per feature, model, project or key (docs/cache.md)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from finops.commands._common import WideOpt
from finops.output import Format

DIMS = ("feature", "model", "project", "key", "provider", "day")


def register(app: typer.Typer) -> None:
    @app.command("cache")
    def cache_cmd(
        by: Annotated[str, typer.Option(help="feature, model, project, key, provider or day")] = "feature",
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD (default: the first logged day).")] = None,
        until: Annotated[Optional[str], typer.Option(help="Last UTC day (default: the day before today).")] = None,
        provider: Annotated[Optional[str], typer.Option(help="Only this provider (openai, anthropic).")] = None,
        project: Annotated[Optional[str], typer.Option(help="Only this project (the provider's id).")] = None,
        feature: Annotated[Optional[str], typer.Option(help="Only this feature (logged rows only).")] = None,
        today: Annotated[Optional[str], typer.Option(help="Pretend today is this UTC day, YYYY-MM-DD.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.table,
        wide: WideOpt = False,
    ) -> None:
        """Cache hit rate (reads over cacheable input), dollars saved by reads, the write premium and dollars
        lost to misses and evictions, from the request log (logged) and the providers' usage (metered)."""
        import json
        import sys

        import polars as pl

        from finops import numbers
        from finops.commands._common import get_context, option_day
        from finops.errors import InputError
        from finops.metrics.cache import Scope, cache_view, coverage_line, shown
        from finops.metrics.figure import format_value
        from finops.output import emit, say

        if by not in DIMS:
            raise InputError(f"--by: {by!r} is not one of {', '.join(DIMS)}")
        first, last = option_day(since, "since"), option_day(until, "until")
        if first and last and first > last:
            raise InputError(f"--since {first} is after --until {last}")
        ctx = get_context(today=option_day(today, "today"))
        view = cache_view(ctx, first, last, scope=Scope(provider, project, feature))
        if fmt is Format.json:
            sys.stdout.write(json.dumps(view.to_dict(by), default=str, indent=2) + "\n")
            return
        frame = view.by(by)
        if frame.height == 0:
            typer.echo(f"no requests or metered usage in {view.start}..{view.end}: run `finops sample load`, `finops sync` "
                       "or `finops ingest`")
            raise typer.Exit(1)
        if fmt is Format.csv:
            emit(frame, fmt)
            return
        col = frame.columns[0]
        table = frame.select(
            pl.col(col).cast(pl.String).replace("", "(none)"), "provenance",
            pl.col("input").alias("cacheable input"), "reads", pl.col("writes_5m").alias("writes 5m"),
            pl.col("writes_1h").alias("writes 1h"),
            pl.when(pl.col("hit_rate_pct").is_null()).then(pl.lit("no counts"))
            .otherwise(pl.col("hit_rate_pct").round(1).cast(pl.String) + "%").alias("hit rate"),
            pl.col("saved_usd").alias("saved $"), pl.col("write_premium_usd").alias("write premium $"),
            pl.when(pl.col("write_amplification_pct").is_null()).then(pl.lit(""))
            .otherwise(pl.col("write_amplification_pct").round(1).cast(pl.String) + "%").alias("writes unread"),
            pl.col("lost_miss_usd").alias("lost: misses $"), pl.col("lost_eviction_usd").alias("lost: evictions $"),
        )
        money = ["saved $", "write premium $", "lost: misses $", "lost: evictions $"]
        caption = [f"{f.label}: {shown(f)}" + (f" ({f.note})" if f.value is None and f.note else "") for f in view.figures]
        caption.append(coverage_line(view.sources))
        if by == "feature":
            caption.append("by feature: logged rows only (the providers' usage carries no feature)")
        # The key and the headline figures stay at any width; token counts go first (the figures above sum them).
        # Beside a model, project or key a logged and a metered row share the key: provenance stays with it.
        # ("12.3%" without a space: a percentage is one word, never wrapped in a narrow column.)
        ranked = ["hit rate", "saved $", "lost: evictions $", "lost: misses $", "writes unread", "write premium $"]
        ranked = [col, *ranked, "provenance"] if by == "feature" else [col, "provenance", *ranked]
        emit(table, fmt, title=f"Prompt cache by {by}, {view.start} to {view.end} (UTC)", money_columns=money,
             caption="\n".join([*caption, *view.notes]), priority=ranked)
        for e in view.episodes.iter_rows(named=True):
            say(f"miss episode: {e['feature']} ({e['provider']}) {e['start']}..{e['end']}: hit rate "
                       f"{numbers.pct(e['hit_rate'] * 100)} vs {numbers.pct(e['baseline'] * 100)} usual, {e['missed_reads']:,} reads missed, "
                       + ("unpriced" if e["lost_usd"] is None else f"{numbers.money(e['lost_usd'])} lost"))
        for g in view.growth.iter_rows(named=True):
            added = "unpriced" if g["added_usd_per_month"] is None else format_value(g["added_usd_per_month"], "USD/month")
            flag = "FINDING: " if g["finding"] else ""
            say(f"{flag}prefix {g['feature']}: median {g['median_first']:,.0f} -> {g['median_last']:,.0f} tokens "
                       f"(p90 {g['p90_first']:,.0f} -> {g['p90_last']:,.0f}) over {g['weeks']} weeks, "
                       f"{numbers.pct(g['growth_pct_per_week'], signed=True)}/week, adds {added}")
        for t in view.ttl.iter_rows(named=True):
            if t["provider"] != "anthropic":
                cost = t["usd_per_month_automatic"]
                say(f"ttl {t['feature']} ({t['model']}): automatic caching, modelled "
                           + ("unpriced" if cost is None else f"${cost:,.2f}/month") + f" for the cached prefix; "
                           f"{numbers.pct(t['within_5m'] * 100, decimals=0)} of requests within 5 min of the previous one")
                continue
            five, hour = t["usd_per_month_5m"], t["usd_per_month_1h"]
            if five is None or hour is None:
                say(f"ttl {t['feature']} ({t['model']}): unpriced")
                continue
            say(f"ttl {t['feature']} ({t['model']}): 5m writes ${five:,.2f}/month vs 1h ${hour:,.2f}/month "
                       f"-> {t['advice']} saves ${t['saving_usd_per_month']:,.2f}/month (now {t['current_ttl']}; "
                       f"{numbers.pct(t['within_5m'] * 100, decimals=0)} of gaps within 5 min, {numbers.pct(t['within_1h'] * 100, decimals=0)} within 1 h)")

