"""`NotAvailable`: what a screen shows instead of a figure it cannot compute yet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NotAvailable:
    """A plain statement of why something is missing and what the user can do."""

    what: str  # "Budgets", "Forecast", ...
    reason: str  # "no cost lines between 2026-11-01 and 2026-11-30"
    hint: str = ""  # "add a [budgets] section to finops.toml"

    def text(self) -> str:
        return f"{self.what}: {self.reason}" + (f" — {self.hint}" if self.hint else "")


class Unavailable(Exception):
    """Raised by loaders when a whole screen cannot be computed; carries a NotAvailable."""

    def __init__(self, info: NotAvailable) -> None:
        super().__init__(info.text())
        self.info = info
