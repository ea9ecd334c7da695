"""Helpers every command module shares: the root options, settings, the context, the store, a progress bar."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from rich.progress import Progress

    from finops.config import Settings
    from finops.context import Context
    from finops.store import Store


# Every command that prints a table takes --wide; finops.output.emit reads it from the command's context.
WideOpt = Annotated[bool, typer.Option("--wide", help="Tables: every column at full width, whatever the terminal width.")]


class GlobalOptions:
    """Options shared by every command (--data-dir, --config), set by the root callback in finops.cli."""

    data_dir: "Path | None" = None
    config: "Path | None" = None
    verbose: bool = False


def option_day(text: str | None, name: str) -> "date | None":
    """A `--since`/`--until` style YYYY-MM-DD option as a date; a bad value is a one-line error."""
    from datetime import date

    from finops.errors import InputError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--{name}: {text!r} is not a YYYY-MM-DD date") from None


def get_settings() -> "Settings":
    from finops.config import Settings

    return Settings.resolve(GlobalOptions.data_dir, GlobalOptions.config)


def get_context(settings: "Settings | None" = None, *, today: "date | None" = None,
                catalog: "Path | None" = None) -> "Context":
    """The one context of this command (finops.context): built here, once, and passed down."""
    from finops.context import Context

    return Context.build(settings or get_settings(), today=today, catalog=catalog)


def get_store(settings: "Settings | None" = None) -> "Store":
    from finops.store import Store

    return Store((settings or get_settings()).store_dir)


@contextmanager
def progress() -> Iterator["Progress"]:
    """A rich progress bar on stderr (hidden when stderr is not a terminal)."""
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not sys.stderr.isatty(),
        transient=False,
    ) as bar:
        yield bar
