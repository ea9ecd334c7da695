"""`NotAvailable`: what a screen shows instead of a figure it cannot compute yet."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class NotAvailable:
    """A plain statement of why something is missing and what the user can do."""

    what: str  # "Budgets", "Forecast", ...
    reason: str  # "models/forecast is not installed in this build"
    hint: str = ""  # "add a [budgets] section to finops.toml"

    def text(self) -> str:
        return f"{self.what}: {self.reason}" + (f" — {self.hint}" if self.hint else "")


class Unavailable(Exception):
    """Raised by loaders when a whole screen cannot be computed; carries a NotAvailable."""

    def __init__(self, info: NotAvailable) -> None:
        super().__init__(info.text())
        self.info = info


def optional_module(name: str, what: str, hint: str = "") -> ModuleType | NotAvailable:
    """Import an optional analytics module, or say plainly that it is not there yet."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or name
        return NotAvailable(what, f"{missing} is not available in this build", hint)


def require(module: ModuleType | NotAvailable) -> ModuleType:
    if isinstance(module, NotAvailable):
        raise Unavailable(module)
    return module
