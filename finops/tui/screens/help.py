"""The help screen (? or F1): every binding active on the screen it was opened from."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

ABOUT = (
    "Numbers carry their provenance: billed (invoice / cost API), metered (usage API), "
    "logged (your request logs), estimated (our models). Ctrl+P opens the command palette."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,f1,q", "dismiss_help", "Close", id="help.close")]

    def __init__(self, origin: Screen) -> None:
        super().__init__()
        # Read now: once this screen is on top, the origin's bindings are no longer active.
        self._rows = self.rows_of(origin)

    @staticmethod
    def rows_of(origin: Screen) -> list[tuple[str, str, str, str]]:
        """One row per binding id: a binding on several keys ("?" and F1) lists them in one row."""
        out = [("ctrl+p", "Command palette", "", "App")]
        where: dict[str, int] = {}
        for key, active in origin.active_bindings.items():
            b = active.binding
            # Scrolling keys of containers are standard; list the dashboard's own bindings.
            if b.system or not b.description or not b.id:
                continue
            shown = origin.app.get_key_display(b)
            if b.id in where:
                i = where[b.id]
                keys, description, bid, node = out[i]
                if shown not in keys.split(" / "):
                    out[i] = (f"{keys} / {shown}", description, bid, node)
                continue
            where[b.id] = len(out)
            out.append((shown, b.description, b.id, type(active.node).__name__))
        return out

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static("Key bindings", classes="dialog-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(ABOUT, classes="notes")
            yield Static("Remap any binding by id in finops.toml: [dashboard.keys] \"filters.open\" = \"ctrl+f\"", classes="notes")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action", "id", "from")
        for row in self._rows:
            table.add_row(*row)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
