"""`finops ingest PATH... --kind ...`: request logs, FOCUS exports and COGS bills into the store.

Every file is checked before anything is written; bad rows are listed (file:line: field:
reason) and stop the load unless --skip-bad-rows. `--kind contracts` loads the
`[[cogs.contracts]]` of finops.toml (or of the .toml PATH given); `--kind request-days`
the daily rollup of a request log that lives in a warehouse (finops/sql/request_days.sql).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:  # imported lazily at run time: the CLI starts without polars
    import polars as pl

    from finops.connectors.request_logs import Problems
    from finops.store import Store, UpsertResult

    Read = Callable[[Path], tuple[pl.DataFrame, Problems]]

KINDS = ("requests", "request-days", "focus", "vector-db", "observability", "review", "contracts")
SHOWN = 20


def _show_problems(problems) -> None:  # type: ignore[no-untyped-def]
    for bad in problems.rows[:SHOWN]:
        typer.echo(f"bad row: {bad}", err=True)
    if problems.count > len(problems.rows[:SHOWN]):
        typer.echo(f"... {problems.count:,} bad row(s) in all", err=True)


def _requests(paths: list[Path], fmt: str, maps: dict[str, str], skip: bool, source: str | None) -> None:
    from finops.connectors.request_logs import BadRowsError, ingest_request_files
    from finops.connectors.request_logs.mapping import load_mapping
    from finops.commands._common import get_settings, get_store, progress

    settings = get_settings()
    store = get_store(settings)
    # --source NAME applies [sources.requests.NAME] of finops.toml when there is one; otherwise it only names the source
    mapping = load_mapping(settings.config, source.removeprefix("requests:")) if source else None
    total = sum(p.stat().st_size for p in paths) or 1
    with progress() as bar:
        task = bar.add_task(f"reading {len(paths)} file(s)", total=total)
        try:
            report = ingest_request_files(
                store, paths, fmt, maps, skip, source,
                progress=lambda what, done: bar.update(task, advance=done, description=what),
                source_mapping=mapping, config=settings.config,
            )
        except BadRowsError as exc:
            _show_problems(exc.problems)
            raise
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    if report.problems:
        _show_problems(report.problems)
    for f in report.files:
        typer.echo(f"{f.path.name}: {f.fmt} -> {f.source}, {f.rows:,} row(s), {f.bad:,} bad")
    r = report.result
    typer.echo(
        f"requests: added {r.added:,}, changed {r.changed:,}, unchanged {r.unchanged:,}; "
        f"{report.merged:,} already stored from another source (merged, counted once); "
        f"skipped {report.problems.count:,} bad row(s)"
    )


def _load_checked(paths: list[Path], table: str, read: Read, skip: bool, store: "Store | None" = None
                  ) -> tuple[UpsertResult, list[pl.DataFrame], Problems]:
    """Read and check every file (`read(path) -> (rows, problems)`), then upsert all their rows
    into `table` in one go; bad rows are listed and stop the load unless `skip`.
    Returns the upsert result, the frames read and their problems.
    """
    import polars as pl

    from finops.connectors.request_logs import Problems
    from finops.commands._common import get_store, progress
    from finops.errors import InputError

    frames: list[pl.DataFrame] = []
    problems = Problems()
    with progress() as bar:
        task = bar.add_task(f"reading {len(paths)} file(s)", total=len(paths))
        for p in paths:
            rows, found = read(p)
            frames.append(rows)
            problems.extend(found)
            bar.update(task, advance=1, description=f"checked {p.name}")
    if problems:
        _show_problems(problems)
        if not skip:
            raise InputError(problems.message())
    # `store`: the caller's, when it holds a transaction (a second Store would wait on its lock)
    return (store or get_store()).upsert(table, pl.concat(frames, how="vertical")), frames, problems


def _cost_lines(paths: list[Path], kind: str, maps: dict[str, str], skip: bool, source: str | None, currency: str | None) -> None:
    if kind == "focus":
        from finops.connectors.focus_file import read_focus_file

        read = lambda p: read_focus_file(p, source, maps)  # noqa: E731
    else:
        from finops.connectors.cogs_files import read_cogs

        read = lambda p: read_cogs(p, kind, source, maps, currency)  # noqa: E731
    from finops.commands._common import get_store

    store = get_store()
    with store.transaction():  # cost lines and the token usage they carry land together
        r, frames, problems = _load_checked(paths, "cost_lines", read, skip, store)
        metered = _metered_from_focus(store, frames) if kind == "focus" else None
    sources = sorted({s for f in frames for s in f["x_Source"].unique().to_list()})
    typer.echo(f"cost lines ({kind}: {', '.join(sources) or 'none'}): added {r.added:,}, changed {r.changed:,}, "
               f"unchanged {r.unchanged:,}; skipped {problems.count:,} bad row(s)")
    if metered is not None:
        typer.echo(f"metered token usage from the same rows: added {metered.added:,}, changed {metered.changed:,}, "
                   f"unchanged {metered.unchanged:,}")


def _metered_from_focus(store: "Store", frames: "list[pl.DataFrame]") -> "UpsertResult | None":
    """Upsert the metered token usage of the FOCUS lines just loaded. It is derived from the STORED
    lines of the same sources and charge periods, so an export split into part files, or loaded
    again, sums every line once instead of letting one file's sum overwrite another's."""
    import polars as pl

    from finops.connectors.focus_file import token_usage

    new = pl.concat(frames, how="vertical").filter(pl.col("x_TokenClass").is_not_null())
    if not new.height:
        return None
    periods = new.select("x_Source", "ChargePeriodStart").unique()
    stored = store.scan("cost_lines").join(periods.lazy(), on=["x_Source", "ChargePeriodStart"], how="semi").collect()
    usage = token_usage(stored)
    return store.upsert("billed_usage", usage) if usage.height else None


def _request_days(paths: list[Path], maps: dict[str, str], skip: bool, source: str | None) -> None:
    from finops.connectors.request_days import read_request_days

    r, _, problems = _load_checked(paths, "request_days", lambda p: read_request_days(p, source, maps), skip)
    typer.echo(f"request days: added {r.added:,}, changed {r.changed:,}, unchanged {r.unchanged:,}; "
               f"skipped {problems.count:,} bad row(s)")


def _contracts(paths: list[Path]) -> None:
    from finops.connectors.cogs_contracts import load_contracts
    from finops.commands._common import get_settings, get_store
    from finops.config import ConfigFile
    from finops.errors import InputError

    settings = get_settings()
    if len(paths) > 1:
        raise InputError("--kind contracts: give at most one finops.toml")
    config = ConfigFile.load(paths[0]) if paths else settings.config
    if config.path is None:
        raise InputError("--kind contracts: no finops.toml found; pass its path")
    r = load_contracts(get_store(settings), config)
    typer.echo(f"cost lines (contracts from {config.path}): added {r.added:,}, changed {r.changed:,}, unchanged {r.unchanged:,}")


LOG_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".parquet")


def _expand(paths: list[Path], kind: str) -> list[Path]:
    """Folders (request logs only) become the log files under them, in name order."""
    from finops.errors import InputError

    out: list[Path] = []
    for p in paths:
        if not p.is_dir():
            out.append(p)
            continue
        if kind != "requests":
            raise InputError(f"{p}: is a folder; --kind {kind} takes files")
        found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in LOG_SUFFIXES)
        if not found:
            raise InputError(f"{p}: no log files under it ({', '.join(LOG_SUFFIXES)})")
        out += found
    return out


def _ingest(paths: list[Path], kind: str, fmt: str, mapping: list[str] | None, skip_bad_rows: bool,
            source: str | None, currency: str | None) -> None:
    """One `finops ingest`, under the value bounds already in force."""
    from finops.connectors.request_logs import parse_mapping
    from finops.errors import InputError

    if kind == "contracts":
        return _contracts(paths)
    if not paths:
        raise InputError(f"--kind {kind}: give at least one file to load")
    paths = _expand(paths, kind)
    maps = parse_mapping(mapping)
    if kind == "requests":
        return _requests(paths, fmt, maps, skip_bad_rows, source)
    if fmt != "auto":
        raise InputError(f"--format applies to --kind requests, not {kind}")
    if kind == "request-days":
        return _request_days(paths, maps, skip_bad_rows, source)
    return _cost_lines(paths, kind, maps, skip_bad_rows, source, currency.upper() if currency else None)


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_cmd(
        paths: Annotated[Optional[list[Path]], typer.Argument(help="Files to load (for requests, a folder loads every log under it, e.g. ~/.claude/projects).", exists=True)] = None,
        kind: Annotated[str, typer.Option(help="requests, request-days, focus, vector-db, observability, review or contracts")] = "requests",
        fmt: Annotated[str, typer.Option("--format", help="For requests: auto, generic, otel, litellm, langfuse, claude-code or codex.")] = "auto",
        mapping: Annotated[Optional[list[str]], typer.Option("--map", help="their_column=our_column (repeatable).")] = None,
        skip_bad_rows: Annotated[bool, typer.Option(help="Skip and count invalid rows instead of stopping.")] = False,
        source: Annotated[Optional[str], typer.Option(help="Name the source (default e.g. requests:otel, focus:aws, cogs:pinecone); for requests, a [sources.requests.NAME] of finops.toml says how to read it.")] = None,
        currency: Annotated[Optional[str], typer.Option(help="Currency of a bill that does not state it (Datadog cost API JSON).")] = None,
    ) -> None:
        """Load request logs, FOCUS exports or COGS bills; nothing is stored if a row is bad (unless --skip-bad-rows)."""
        from finops.errors import InputError

        if kind not in KINDS:
            raise InputError(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
        from finops.commands._common import get_settings
        from finops.connectors.request_logs.values import bounds_from_config, using_bounds

        # [ingest] of finops.toml bounds every value read below (money, counts, times)
        with using_bounds(bounds_from_config(get_settings().config)):
            _ingest(list(paths or []), kind, fmt, mapping, skip_bad_rows, source, currency)
