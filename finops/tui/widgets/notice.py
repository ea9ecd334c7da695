"""A plain panel saying what is not available or not configured, and what to do."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from finops.tui.data.availability import NotAvailable


class Notice(Static):
    DEFAULT_CSS = """
    Notice { height: auto; padding: 0 1; border: round $warning; color: $text; }
    Notice.error { border: round $error; }
    """

    def __init__(self, info: NotAvailable | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.info = info

    def show(self, info: NotAvailable) -> None:
        self.info = info
        self.display = True
        self.update(self._text())

    def _text(self) -> Text:
        if self.info is None:
            return Text("")
        text = Text(self.info.what, style="bold")
        text.append("\n" + self.info.reason)
        if self.info.hint:
            text.append("\n→ " + self.info.hint, style="italic")
        return text

    def on_mount(self) -> None:
        self.update(self._text())
