"""`finops sync` and `finops connect`: pull provider usage and costs; store keys in the keyring."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Optional

import typer


def _ts(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    except ValueError:
        from finops.errors import InputError

        raise InputError(f"--{name}: {text!r} is not a YYYY-MM-DD date") from None


def register(app: typer.Typer) -> None:
    @app.command("sync")
    def sync_cmd(
        source: Annotated[Optional[list[str]], typer.Option("--source", help="openai or anthropic (repeatable; default all).")] = None,
        since: Annotated[Optional[str], typer.Option(help="First UTC day, YYYY-MM-DD (default: watermark - restatement window).")] = None,
        until: Annotated[Optional[str], typer.Option(help="Day after the last one to pull (default: today, complete days only).")] = None,
    ) -> None:
        """Pull usage and costs incrementally; exit 4 if any source failed (the others still sync)."""
        from connectors.sync import sync_all
        from finops.commands._common import get_settings, progress

        settings = get_settings()
        with progress() as bar:
            tasks: dict[str, int] = {}

            def on_page(src: str, path: str, pages: int) -> None:
                if src not in tasks:
                    tasks[src] = bar.add_task(src, total=None)
                bar.update(tasks[src], completed=pages, description=f"{src}: {path.split('/')[-1]}")

            results = sync_all(settings, source, _ts(since, "since"), _ts(until, "until"), progress=on_page)
        failed = 0
        for r in results:
            if r.error:
                failed += 1
                typer.echo(f"{r.source}: FAILED: {r.error}", err=True)
            else:
                typer.echo(f"{r.source}: {r.start:%Y-%m-%d}..{r.end:%Y-%m-%d} {r.pages} page(s), added {r.added:,}, changed {r.changed:,}")
        if failed:
            raise typer.Exit(4)

    @app.command("connect")
    def connect_cmd(
        source: Annotated[Optional[str], typer.Argument(help="openai or anthropic")] = None,
        list_: Annotated[bool, typer.Option("--list", help="Show which sources have credentials (never the key).")] = False,
    ) -> None:
        """Store a provider admin key in the OS keyring after one cheap check call."""
        from connectors import credentials

        if list_ or source is None:
            for st in credentials.status():
                typer.echo(f"{st.source:10s} {st.where}  (env {credentials.ENV_VARS[st.source]})")
            return
        if source not in credentials.ENV_VARS:
            from finops.errors import InputError

            raise InputError(f"connect: {source!r} is not one of {', '.join(credentials.ENV_VARS)}")
        key = typer.prompt(f"{source} admin key ({credentials.KEY_TYPES[source]})", hide_input=True).strip()
        from datetime import timedelta

        from connectors._http import ProviderClient, RetryPolicy
        from connectors.sync import SOURCES, source_config
        from finops.commands._common import get_settings

        module = SOURCES[source]
        cfg = source_config(get_settings().config, source)
        end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        table, path, params, _ = module.requests_for(end - timedelta(days=1), end)[0]
        with ProviderClient(source, cfg.base_url, module.headers(key), module.KEY_HINT, RetryPolicy(attempts=2)) as client:
            client.get(path, params)
        credentials.set_key(source, key)
        typer.echo(f"{source}: key checked and stored in the keyring (service {credentials.SERVICE!r})")
