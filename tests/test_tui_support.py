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


async def settle(pilot, rounds: int = 4) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages be handled."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
