"""A damaged part file (cut short, pages overwritten, missing) is named in one line, never a trace;
`finops status --check` finds it and `--drop-damaged` sets it aside with nothing else lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from test_tui_support import Recorder, anyio_backend, make_app, make_home, settle  # noqa: F401

TABLES = ("cost_lines", "billed_usage", "requests")


def finops(*args: str) -> subprocess.CompletedProcess[str]:
    # The console script's entry point, in a child: the boundary under test is main()'s.
    return subprocess.run([sys.executable, "-c", "from finops.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300, env=os.environ.copy())


def a_part(store: Path, table: str = "requests") -> Path:
    from finops.store import Store

    s = Store(store)
    month = s.months(table)[-1]  # the latest: inside every default period
    return s.part_files(table, month)[0]


def copies(part: Path) -> list[Path]:
    """The part and its snapshot links: one file in a real store, separate files once the
    fixture's copytree has copied the hard links."""
    store = next(p for p in part.parents if (p / "_state").is_dir())
    return [p for p in store.rglob(part.name) if "_quarantine" not in p.parts]


def cut_short(part: Path) -> None:
    for path in copies(part):
        with open(path, "r+b") as fh:
            fh.truncate(path.stat().st_size // 2)


def overwrite_pages(part: Path) -> None:
    """Garbage over the data pages, the footer intact: only a full read finds it."""
    for path in copies(part):
        with open(path, "r+b") as fh:
            fh.seek(8)
            fh.write(b"\xff" * min(4096, path.stat().st_size // 2))


def rows(store: Path, table: str) -> int:
    from finops.store import Store

    return Store(store).scan(table).select(pl.len()).collect().item()


@pytest.mark.parametrize("damage", [cut_short, overwrite_pages])
def test_a_command_reading_a_damaged_part_names_it_in_one_line(finops_home: Path, damage) -> None:  # type: ignore[no-untyped-def]
    part = a_part(finops_home / "store")
    damage(part)
    result = finops("reconcile", "--format", "json")
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("store error: "), result.stderr
    assert part.name in lines[0] and "requests/month=" in lines[0]
    assert "--drop-damaged" in lines[0] and "Traceback" not in result.stderr
    # The traceback is kept for whoever debugs it.
    assert "ComputeError" in (finops_home / "logs" / "errors.log").read_text()


def test_check_lists_damaged_parts_and_drop_sets_them_aside_losing_nothing_else(finops_home: Path) -> None:
    store = finops_home / "store"
    clean = finops("status", "--check")
    assert clean.returncode == 0 and "none is damaged" in clean.stdout, clean.stderr

    part = a_part(store)
    month = part.parent.name.removeprefix("month=")
    part_rows = pl.read_parquet(part).height
    before = {t: rows(store, t) for t in TABLES}
    overwrite_pages(part)
    damaged_bytes = part.read_bytes()

    check = finops("status", "--check")
    assert check.returncode == 1
    assert check.stdout.strip().splitlines() == [f"{part} is damaged ({check.stdout.split('(', 1)[1].strip()}"]
    assert check.stderr.strip().startswith("store error: 1 damaged part file(s)")

    drop = finops("status", "--drop-damaged")
    assert drop.returncode == 0, drop.stderr
    assert f"re-sync or re-ingest requests {month}" in drop.stdout
    aside = store / "_quarantine" / "requests" / f"month={month}" / part.name
    assert aside.read_bytes() == damaged_bytes  # kept byte for byte for salvage
    assert not part.exists()
    after = {t: rows(store, t) for t in TABLES}
    assert after == {**before, "requests": before["requests"] - part_rows}

    again = finops("status", "--drop-damaged")
    assert again.returncode == 0 and "none is damaged" in again.stdout
    assert {t: rows(store, t) for t in TABLES} == after
    assert finops("reconcile", "--format", "json").returncode in (0, 3)  # readable again (3: unexplained)


def test_errors_that_are_not_a_damaged_part_are_left_alone(sample_store_path: Path, tmp_path: Path) -> None:
    from finops.store import as_store_error

    assert as_store_error(ValueError("parquet: nothing to do with files"), sample_store_path) is None
    # A polars parquet failure while every stored part reads: not the store's fault.
    bad = tmp_path / "elsewhere.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(pl.exceptions.ComputeError) as info:
        pl.read_parquet(bad)
    assert as_store_error(info.value, sample_store_path) is None



@pytest.mark.anyio
async def test_the_dashboard_names_the_damaged_part_on_every_screen(sample_store_path: Path, tmp_path: Path) -> None:
    from finops.tui.data import cache
    from finops.tui.screens.reconcile import ReconcileScreen
    from finops.tui.widgets.notice import Notice

    home = make_home(sample_store_path, tmp_path / "home")
    part = a_part(home / "store")
    cut_short(part)
    cache.clear()  # screen data cached by other tests must not answer for this store
    app = make_app(home)
    seen = Recorder()
    try:
        async with app.run_test(size=(120, 40), notifications=True, message_hook=seen) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            assert isinstance(app.screen, ReconcileScreen)
            notice = app.screen.query_one("#notice", Notice)
            assert notice.display and notice.has_class("error")
            # A screen first shown after the store failed to open shows why, not a spinner forever.
            assert notice.info.what == "The store could not be opened" and part.name in notice.info.reason
            assert any(part.name in n.message and n.title.startswith("store error") for n in seen.notifications)
    finally:
        cache.clear()
