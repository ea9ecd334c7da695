"""`finops sync`: pull provider usage and costs incrementally, with a progress bar per source."""

from __future__ import annotations

import logging
from datetime import datetime, time, timezone
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from rich.progress import TaskID


def _day(text: str | None, name: str) -> datetime | None:
    """The option's day as UTC midnight."""
    from finops.commands._common import option_day

    day = option_day(text, name)
    return None if day is None else datetime.combine(day, time(), tzinfo=timezone.utc)


def register(app: typer.Typer) -> None:
    @app.command("sync")
    def sync_cmd(
        source: Annotated[Optional[list[str]], typer.Option("--source", help="openai or anthropic (repeatable; default all).")] = None,
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD (default: watermark minus the restatement window).")] = None,
        until: Annotated[Optional[str], typer.Option(help="Day after the last one to pull, YYYY-MM-DD (default and latest: today; complete days only).")] = None,
    ) -> None:
        """Pull usage and costs; exit 4 if any source failed (the others still sync)."""
        from finops.connectors.sync import sync_all
        from finops.commands._common import get_settings, progress

        settings = get_settings()
        start, end = _day(since, "since"), _day(until, "until")
        with progress() as bar:
            tasks: dict[str, TaskID] = {}
            labels: dict[str, str] = {}
            paths: dict[str, list[str]] = {}

            def on_window(src: str, a: datetime, b: datetime, requests: int) -> None:
                days = max(0, (b - a).days)
                labels[src] = f"{src} {a:%Y-%m-%d}..{b:%Y-%m-%d} ({days} day{'s' * (days != 1)})"
                tasks[src] = bar.add_task(labels[src], total=max(requests, 1), completed=0 if requests else 1)
                paths[src] = []

            def on_page(src: str, path: str, pages: int) -> None:
                if path not in paths[src]:
                    if paths[src]:
                        bar.advance(tasks[src])
                    paths[src].append(path)
                bar.update(tasks[src], description=f"{labels[src]} {path.rsplit('/', 1)[-1]}, {pages} page(s)")

            # The errors are printed once below, from the results; the connector's log line is for the
            # dashboard's log panel, and without a handler Python would print it to stderr a second time.
            quiet = logging.NullHandler()
            finops_log = logging.getLogger("finops")
            finops_log.addHandler(quiet)
            try:
                results = sync_all(settings, source, start, end, progress=on_page, on_window=on_window)
            finally:
                finops_log.removeHandler(quiet)
            for src, task in tasks.items():
                result = next(r for r in results if r.source == src)
                if not result.error:
                    bar.update(task, completed=bar.tasks[task].total)
        failed = [r for r in results if r.error]
        for r in results:
            if r.error:
                typer.echo(f"{r.source}: FAILED: {r.error}", err=True)
            else:
                typer.echo(f"{r.source}: {r.start:%Y-%m-%d}..{r.end:%Y-%m-%d} ({r.days} days, {r.pages} pages): "
                           f"added {r.added:,}, changed {r.changed:,}, removed {r.removed:,} rows")
        if failed:
            if len(failed) == len(results):
                typer.echo("nothing was synced: " + ("the source failed" if len(results) == 1
                                                     else f"all {len(results)} sources failed"), err=True)
            else:
                typer.echo(f"{len(failed)} of {len(results)} source(s) failed; the others were synced", err=True)
            raise typer.Exit(4)
