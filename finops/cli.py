"""The `finops` command line: a typer app whose commands live in finops/commands/.

Each module finops/commands/<name>.py defines `register(app: typer.Typer) -> None` and adds
the command or sub-app <name> (COMMANDS lists them). A run registers only the command it
names (`commands_for`), and command bodies import their heavy code lazily, so that the
dashboard's cold start and `finops --help` stay fast. The commands read the root options from
finops.commands._common, never from this module. Errors derived from FinopsError print as
one line and exit non-zero.
"""

from __future__ import annotations

import re
import sys
import traceback
from datetime import datetime, timezone
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer

from finops.commands._common import GlobalOptions
from finops.errors import FinopsError

# Each module finops.commands.<name> registers the one top-level command <name>.
COMMANDS = ("alert", "cache", "carbon", "cogs", "connect", "dashboard", "export", "figures", "forecast", "ingest", "prices",
            "reconcile", "report", "reprice", "sample", "schedule", "status", "summary", "sync")
# The root options that take a value (the first word that is neither one nor its value is the command).
_VALUED_ROOT_OPTIONS = ("--data-dir", "--config")


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
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="On an error, print the full traceback too (it always goes to <data dir>/logs/errors.log).")
    ] = False,
) -> None:
    GlobalOptions.data_dir = data_dir
    GlobalOptions.config = config
    GlobalOptions.verbose = verbose
    if ctx.invoked_subcommand is None:
        dashboard = ctx.command.get_command(ctx, "dashboard") if isinstance(ctx.command, typer.core.TyperGroup) else None
        if dashboard is not None:
            # Parse no arguments (the root options were consumed above), so defaults apply.
            with dashboard.make_context("dashboard", [], parent=ctx) as sub:
                dashboard.invoke(sub)
        else:
            typer.echo(ctx.get_help())


def build_app(commands: tuple[str, ...] = COMMANDS) -> typer.Typer:
    """The `finops` CLI with these top-level commands (all of them unless told)."""
    cli = typer.Typer(
        name="finops",
        help="FinOps console for AI spend: sync, reconcile, COGS, forecast, carbon, export.",
        no_args_is_help=False,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    cli.callback(invoke_without_command=True)(_root)
    for name in commands:
        import_module(f"finops.commands.{name}").register(cli)
    return cli


def commands_for(argv: list[str]) -> tuple[str, ...]:
    """The commands a run with these arguments needs: its own alone, else all of them.

    Registering one command instead of nineteen saves the dashboard's cold start the other
    modules' imports (polars among them) and Typer's work turning them into Click commands.
    `finops` alone runs the dashboard; help and unknown words get every command, so that
    help lists them all and a misspelling is told what exists.
    """
    words = iter(argv)
    for word in words:
        if word in ("--help", "-h"):
            return COMMANDS
        if word in _VALUED_ROOT_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return (word,) if word in COMMANDS else COMMANDS
    return ("dashboard",)


def __getattr__(name: str) -> Any:
    # `from finops.cli import app` (tests, Typer's own tooling) gets every command.
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Anything shaped like a provider key, in a message we did not write ourselves.
_KEY_SHAPE = re.compile(r"\b(sk|key)-[A-Za-z0-9_\-]{20,}")
EXIT_INTERNAL = 70  # EX_SOFTWARE: a fault of ours, not of the input


def _log_failure(exc: BaseException) -> Path | None:
    """Append the traceback to <data dir>/logs/errors.log; None when it cannot be written."""
    try:
        from finops.config import resolve_data_dir

        path = resolve_data_dir(GlobalOptions.data_dir) / "logs" / "errors.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = "".join(traceback.format_exception(exc))
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {when} finops {' '.join(sys.argv[1:])}\n{_KEY_SHAPE.sub('[redacted]', text)}")
        return path
    except Exception:  # noqa: BLE001 - the log is a help, never a second failure
        return None


def _one_line(text: str) -> str:
    return _KEY_SHAPE.sub("[redacted]", " ".join(text.split()))[:400]


def _fail(exc: FinopsError, cause: BaseException | None = None) -> NoReturn:
    _log_failure(cause or exc)  # the log keeps the original traceback
    if GlobalOptions.verbose:
        traceback.print_exc()
    typer.echo(_one_line(exc.one_line()), err=True)
    sys.exit(exc.exit_code)


def _damaged_store(exc: Exception) -> FinopsError | None:
    """A read that failed on a damaged part file, as the store error naming it."""
    try:
        from finops.config import resolve_data_dir
        from finops.store import as_store_error

        return as_store_error(exc, resolve_data_dir(GlobalOptions.data_dir) / "store")
    except Exception:  # noqa: BLE001 - the diagnosis is a help, never a second failure
        return None


def main() -> None:
    """Run the CLI; every exception ends here as one line on stderr (the traceback in the log)."""
    try:
        build_app(commands_for(sys.argv[1:]))()
    except FinopsError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the boundary: no traceback reaches a user unasked
        damaged = _damaged_store(exc)
        if damaged is not None:
            _fail(damaged, cause=exc)
        logged = _log_failure(exc)
        if GlobalOptions.verbose:
            traceback.print_exc()
        where = f"details in {logged}" if logged else "run with -v for details"
        typer.echo(_one_line(f"internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
                   + f" ({where})", err=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
