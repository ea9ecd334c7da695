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


async def settle(pilot, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for the app's settled signal: every load the visible screens started is on screen.

    `FinopsApp.wait_settled` (finops/tui/settled.py) counts loads started after a repaint
    (the Overview's forecast) and loading indicators about to appear, so no sleep is needed;
    it raises TimeoutError naming what is still pending.
    """
    await pilot.pause()
    await pilot.app.wait_settled(timeout)


async def open_screen(pilot, key: str, screen_type: type):  # type: ignore[no-untyped-def]
    """Switch screens with `key`, wait until it has settled, and return it (checked to be `screen_type`)."""
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, screen_type)
    return screen


def figure_text(app, fig_id: str) -> str:  # type: ignore[no-untyped-def]
    """What a headline figure shows: label, provenance, value and note."""
    return str(app.screen.query_one(f"#{fig_id}").render())


class Recorder:
    """A `run_test(message_hook=...)` that keeps every message the app handled, once each.

    Notifications expire (5-15 s) and a progress box comes and goes: tests assert on what
    was posted, which no runner load can make disappear.
    """

    def __init__(self) -> None:
        self.messages: list[object] = []
        self._ids: set[int] = set()

    def __call__(self, message: object) -> None:
        # The hook sees a message at every node it reaches (bubbling): keep the first sighting.
        if id(message) not in self._ids:
            self._ids.add(id(message))
            self.messages.append(message)

    def of(self, kind: type) -> list:
        return [m for m in self.messages if isinstance(m, kind)]

    @property
    def notifications(self) -> list:
        from textual.notifications import Notify

        return [m.notification for m in self.of(Notify)]
