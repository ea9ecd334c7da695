"""The bar above every screen: screen name, SAMPLE DATA badge, filters and "today"."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from finops.tui.filters import Filters


class TopBar(Horizontal):
    DEFAULT_CSS = """
    TopBar { height: 1; background: $panel; }
    TopBar #title { width: auto; padding: 0 1; text-style: bold; background: $primary; color: $text; }
    TopBar #badge { width: auto; padding: 0 1; margin-left: 1; background: $warning; color: black; text-style: bold; display: none; }
    TopBar #badge.on { display: block; }
    TopBar #filters { width: 1fr; padding: 0 1; color: $text-muted; text-overflow: ellipsis; text-wrap: nowrap; }
    TopBar #today { width: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title

    def compose(self) -> ComposeResult:
        yield Static(self.title, id="title")
        yield Static("SAMPLE DATA", id="badge")
        yield Static("", id="filters")
        yield Static("", id="today")

    def show(self, filters: Filters, sample: bool, today: str) -> None:
        self.query_one("#badge").set_class(sample, "on")
        self.query_one("#filters", Static).update(filters.describe())
        # "? keys" here too: a narrow footer may cut the screen's keys, the help lists all of them.
        self.query_one("#today", Static).update(f"today {today} · ? keys")
