"""A headline figure with its provenance tag (billed / metered / logged / estimated)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from finops import numbers

PROVENANCE_STYLE = {
    "billed": "bold green",
    "metered": "bold cyan",
    "logged": "bold yellow",
    "estimated": "bold magenta",
}


def money(amount: float | None, currency: str = "USD", decimals: int = 2) -> str:
    """Cents (or `decimals`), thousands separated; None is "unpriced", never $0 (finops.numbers.money)."""
    return numbers.money(amount, currency, decimals=decimals)


def provenance_tag(provenance: str | tuple[str, ...]) -> Text:
    names = (provenance,) if isinstance(provenance, str) else provenance
    out = Text()
    for i, name in enumerate(names):
        if i:
            out.append("+", style="dim")
        out.append(name or "?", style=PROVENANCE_STYLE.get(name, "bold"))
    return out


class Figure(Static):
    """Label and provenance on top, the value below, an optional note underneath."""

    DEFAULT_CSS = """
    Figure { width: 1fr; height: auto; min-height: 3; padding: 0 1; border: round $primary 40%; }
    Figure.warning { border: round $warning; }
    """

    def __init__(self, label: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.value = ""
        self.provenance: str | tuple[str, ...] = ()
        self.note = ""

    def set(self, value: str, provenance: str | tuple[str, ...], note: str = "", label: str | None = None) -> None:
        self.value, self.provenance, self.note = value, provenance, note
        if label is not None:
            self.label = label
        self.update(self._text())

    def show(self, figure, note: str | None = None) -> None:  # type: ignore[no-untyped-def]
        """A finops.metrics Figure: "title · scope" and its provenance as the label, its value, its note."""
        label = " · ".join(p for p in (figure.title, figure.scope) if p)
        value = figure.money()
        if figure.unpriced:
            value += f" + {figure.unpriced} unpriced"
        self.set(value, figure.provenance, figure.note if note is None else note, label=label)

    def _text(self) -> Text:
        # Provenance sits on the label line so the value never wraps in a narrow column.
        text = Text(self.label, style="dim")
        if self.provenance:
            text.append(" · ", style="dim")
            text.append_text(provenance_tag(self.provenance))
        text.append("\n" + self.value, style="bold")
        if self.note:
            text.append("\n" + self.note, style="dim italic")
        return text

    def on_mount(self) -> None:
        self.update(self._text())
