"""`finops ingest PATH... --kind ...`: request logs, FOCUS exports and COGS bills into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

KINDS = ("requests", "focus", "vector-db", "observability", "review")


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_cmd(
        paths: Annotated[list[Path], typer.Argument(help="Files to load.", exists=True, dir_okay=False)],
        kind: Annotated[str, typer.Option(help="requests, focus, vector-db, observability or review")],
        fmt: Annotated[str, typer.Option("--format", help="For requests: auto, generic, otel or litellm.")] = "auto",
        mapping: Annotated[Optional[list[str]], typer.Option("--map", help="their_column=our_column (repeatable).")] = None,
        skip_bad_rows: Annotated[bool, typer.Option(help="Skip and count invalid rows instead of stopping.")] = False,
    ) -> None:
        """Validate everything first; store nothing if a row is bad (unless --skip-bad-rows)."""
        from finops.commands._common import get_store, progress
        from finops.errors import InputError

        if kind not in KINDS:
            raise InputError(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
        store = get_store()
        if kind == "requests":
            from connectors.request_logs import ingest_request_files

            maps = {}
            for m in mapping or []:
                if "=" not in m:
                    raise InputError(f"--map: {m!r} is not their_column=our_column")
                a, b = m.split("=", 1)
                maps[a.strip()] = b.strip()
            with progress() as bar:
                task = bar.add_task(f"ingesting {len(paths)} file(s)", total=None)
                report = ingest_request_files(store, list(paths), fmt, maps, skip_bad_rows)
                bar.update(task, completed=1, total=1)
            for bad in report.bad[:20]:
                typer.echo(f"skipped {bad}", err=True)
            r = report.result
            assert r is not None
            typer.echo(f"requests: added {r.added:,}, changed {r.changed:,}, unchanged {r.unchanged:,}, skipped {len(report.bad):,} bad row(s)")
            return
        import polars as pl

        if kind == "focus":
            from connectors.focus_file import read_focus

            frames = [read_focus(p, source="focus:" + p.stem) for p in paths]
        else:
            from connectors.cogs_files import read_cogs_file

            frames = [read_cogs_file(p, kind) for p in paths]
        r = store.upsert("cost_lines", pl.concat(frames, how="vertical"))
        typer.echo(f"cost lines ({kind}): added {r.added:,}, changed {r.changed:,}, unchanged {r.unchanged:,}")
