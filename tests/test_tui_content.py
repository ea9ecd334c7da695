"""Dashboard content fixes from issue 22, each on the loaded sample through Pilot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from test_tui_support import anyio_backend, dash_home, figure_text, make_app, open_screen, settle, tui_store_path  # noqa: F401

pytestmark = pytest.mark.anyio


async def test_quota_card_follows_the_provider_filter(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.set_filters(app.filters.with_(provider="anthropic"))
        await settle(pilot)
        text = figure_text(app, "fig-quota")
        assert "OpenAI token quota" not in text and "Anthropic agents workspace" in text
        app.set_filters(app.filters.with_(provider="openai"))
        await settle(pilot)
        assert "OpenAI token quota" in figure_text(app, "fig-quota")


async def test_quota_card_of_a_closed_month_reads_as_that_month(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.set_filters(app.filters.with_(start=date(2026, 10, 1), end=date(2026, 10, 31), provider="openai"))
        await settle(pilot)
        text = figure_text(app, "fig-quota")
        assert "P(exhausted)" not in text and "closed 2026-10-31" in text, text
        assert "42.5M left of 42.5M" not in text  # October's tokens were used, not a fresh November window
