"""Shared helpers for the dashboard tests: a data dir on the sample, app factory, settling.

Imported by tests/test_tui_app.py and tests/test_tui_snapshots.py (fixtures are imported
by name so pytest registers them there).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

SAMPLE_TODAY = date(2026, 11, 25)  # the sample's last day + 1, pinned for determinism
THEME = "dark"


def make_home(store_path: Path, dest: Path) -> Path:
    """A data dir holding a copy of a loaded store and the sample's finops.toml."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(store_path, dest / "store")
    for name in ("finops.toml", "fx_rates.csv"):
        src = store_path.parent / name
        if src.is_file():
            shutil.copy(src, dest / name)
    return dest


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def tui_store_path(sample_store_path: Path) -> Path:
    """The sample loaded once per session by tests/conftest.py (read-only)."""
    return sample_store_path


@pytest.fixture(scope="module")
def dash_home(tui_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only data dir on the sample, shared by a module's tests."""
    return make_home(tui_store_path, tmp_path_factory.mktemp("dash") / "home")


def settings_for(home: Path):  # type: ignore[no-untyped-def]
    from finops.config import Settings

    config = home / "finops.toml"
    return Settings.resolve(home, config if config.is_file() else None)


def make_app(home: Path, **kwargs):  # type: ignore[no-untyped-def]
    from finops.tui.app import FinopsApp

    kwargs.setdefault("today", SAMPLE_TODAY)
    kwargs.setdefault("theme", THEME)
    return FinopsApp(settings_for(home), **kwargs)


from textual.worker import WorkerFailed  # noqa: E402


async def settle(pilot, rounds: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages be handled, until `rounds` checks in a row find none running.

    Some loads start only after a repaint (the Overview's forecast), so one quiet moment
    is not enough on a busy machine.
    """
    quiet = 0
    for _ in range(60):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed:
            pass  # the app reports worker failures itself (a notification); tests assert on that
        await pilot.pause(0.02)
        quiet = 0 if any(w.is_running for w in pilot.app.workers) else quiet + 1
        if quiet >= rounds:
            return
