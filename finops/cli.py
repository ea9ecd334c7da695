"""The `finops` command line: a typer app whose commands live in finops/commands/.

Each module in finops/commands defines `register(app: typer.Typer) -> None` and adds its
commands or sub-apps (COMMAND_MODULES lists them); command bodies import their heavy code
lazily so `finops --help` stays fast. The commands read the root options from
finops.commands._common, never from this module. Errors derived from FinopsError print as
one line and exit non-zero.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from finops.commands import (carbon, cogs, connect, dashboard, export, forecast, ingest, reconcile, report, reprice,
                             sample, schedule, status, summary, sync)
from finops.commands._common import GlobalOptions
from finops.errors import FinopsError

app = typer.Typer(
    name="finops",
    help="FinOps console for AI spend: sync, reconcile, COGS, forecast, carbon, export.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    data_dir: Annotated[
        Optional[Path],
        typer.Option("--data-dir", help="Data directory (default: $FINOPS_HOME or the user data dir)."),
    ] = None,
    config: Annotated[
        Optional[Path],
        typer.Option("--config", help="finops.toml to use (default: $FINOPS_CONFIG, ./finops.toml, ...)."),
    ] = None,
) -> None:
    GlobalOptions.data_dir = data_dir
    GlobalOptions.config = config
    if ctx.invoked_subcommand is None:
        dashboard = ctx.command.get_command(ctx, "dashboard") if isinstance(ctx.command, typer.core.TyperGroup) else None
        if dashboard is not None:
            # Parse no arguments (the root options were consumed above), so defaults apply.
            with dashboard.make_context("dashboard", [], parent=ctx) as sub:
                dashboard.invoke(sub)
        else:
            typer.echo(ctx.get_help())


COMMAND_MODULES = (carbon, cogs, connect, dashboard, export, forecast, ingest, reconcile, report, reprice, sample, schedule,
                   status, summary, sync)

for _module in COMMAND_MODULES:
    _module.register(app)


def main() -> None:
    try:
        app()
    except FinopsError as exc:
        typer.echo(exc.one_line(), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
