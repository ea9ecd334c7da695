"""The filter dialog: date range (typed or a preset), provider, project and feature."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from finops.tui.filters import PRESETS, Filters, default_filters, preset_range

if TYPE_CHECKING:
    from finops.tui.data.context import DashboardContext


def _parse_day(text: str, field: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None


SHORT = {"mtd": "MTD", "30d": "30 days", "90d": "90 days", "ytd": "YTD", "all": "all data"}


class FilterDialog(ModalScreen[Filters | None]):
    """Returns the new Filters, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
    ]

    def __init__(self, current: Filters, ctx: "DashboardContext") -> None:
        super().__init__()
        self.current = current
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        dims = self.ctx.dims
        with Vertical(id="filter-dialog"):
            yield Static("Filters — every screen honours them", classes="dialog-title")
            with Grid(id="filter-grid"):
                yield Label("From")
                yield Input(str(self.current.start or ""), placeholder="YYYY-MM-DD", id="start", compact=True)
                yield Label("To (incl.)")
                yield Input(str(self.current.end or ""), placeholder="YYYY-MM-DD", id="end", compact=True)
                for name, values in (("provider", dims.providers), ("project", dims.projects), ("feature", dims.features)):
                    yield Label(name.capitalize())
                    current = getattr(self.current, name)
                    yield Select(
                        [(v, v) for v in values],
                        prompt=f"all {name}s",
                        allow_blank=True,
                        value=current if current in values else Select.NULL,
                        id=name,
                        compact=True,
                    )
            yield Label("Presets", classes="dim")
            with Horizontal(id="presets"):
                for key in PRESETS:
                    yield Button(SHORT.get(key, key), id=f"preset-{key}", compact=True, tooltip=PRESETS[key])
            yield Static("", id="filter-error")
            with Horizontal(id="filter-buttons"):
                yield Button("Apply (Ctrl+S)", variant="primary", id="apply", compact=True)
                yield Button("Clear", id="clear", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def _value(self, name: str) -> str | None:
        value = self.query_one(f"#{name}", Select).value
        return None if value in (Select.NULL, Select.BLANK) or value is None else str(value)

    def collect(self) -> Filters:
        start = _parse_day(self.query_one("#start", Input).value, "From")
        end = _parse_day(self.query_one("#end", Input).value, "To")
        if start and end and start > end:
            raise ValueError(f"From {start} is after To {end}")
        return Filters(start, end, self._value("provider"), self._value("project"), self._value("feature"))

    def action_apply(self) -> None:
        try:
            result = self.collect()
        except ValueError as exc:
            self.query_one("#filter-error", Static).update(str(exc))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id or ""
        if bid == "apply":
            self.action_apply()
        elif bid == "cancel":
            self.action_cancel()
        elif bid == "clear":
            # Clear means the dashboard's opening filters: the default period too, not a custom range.
            default = default_filters(self.ctx)
            self.query_one("#start", Input).value = str(default.start or "")
            self.query_one("#end", Input).value = str(default.end or "")
            for name in ("provider", "project", "feature"):
                self.query_one(f"#{name}", Select).clear()
        elif bid.startswith("preset-"):
            start, end = preset_range(bid.removeprefix("preset-"), self.ctx.today, self.ctx.dims.first_day)
            self.query_one("#start", Input).value = str(start or "")
            self.query_one("#end", Input).value = str(end or "")
