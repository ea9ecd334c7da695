"""A figure as every surface shows it: value, unit, provenance, period and a label saying what it includes.

A Figure is computed once (by a function of finops.metrics) and rendered by the CLI, the
dashboard, the report and the export alike; none of them recomputes the value. Two figures
that differ by design carry different labels ("Month to date · all AI COGS · billed" and
"Month to date · inference · billed"), so the same label always means the same number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from finops import numbers

Provenance = Literal["billed", "metered", "logged", "estimated"]
PROVENANCES: tuple[str, ...] = ("billed", "metered", "logged", "estimated")


@dataclass(frozen=True)
class Figure:
    """One named figure. `value` None means it cannot be computed (see `note`), never 0."""

    name: str  # stable key, e.g. "mtd_all" (JSON, tests, docs/metrics.md)
    title: str  # what it is: "Month to date"
    scope: str  # what it includes: "all AI COGS", "inference"
    value: float | None
    unit: str  # "USD", "USD/day", "tokens", "%", "kWh", "g CO2e"
    provenance: Provenance
    start: date | None = None
    end: date | None = None
    lo80: float | None = None  # an interval, when the figure is a forecast
    hi80: float | None = None
    unpriced: int = 0  # lines or rows with no price: left out of the value, never counted as 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """"Month to date · all AI COGS · billed": the words every surface prints beside the value."""
        return " · ".join(p for p in (self.title, self.scope, self.provenance) if p)

    @property
    def period(self) -> str:
        if self.start is None or self.end is None:
            return ""
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def money(self, value: float | None = None, decimals: int | None = None) -> str:
        """The value as text in its unit: $1,023.55, €12.00, 3.2 kWh, "unpriced"."""
        v = self.value if value is None else value
        return format_value(v, self.unit, decimals)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "label": self.label, "title": self.title, "scope": self.scope, "value": self.value,
            "unit": self.unit, "provenance": self.provenance,
            "start": self.start.isoformat() if self.start else None, "end": self.end.isoformat() if self.end else None,
        }
        if self.lo80 is not None or self.hi80 is not None:
            out["lo80"], out["hi80"] = self.lo80, self.hi80
        if self.unpriced:
            out["unpriced"] = self.unpriced
        if self.note:
            out["note"] = self.note
        if self.extra:
            out.update(self.extra)
        return out


def format_value(value: float | None, unit: str, decimals: int | None = None) -> str:
    """A figure's value in its unit, in the one number style (finops.numbers): money with its
    symbol (more decimals only below a cent), shares as 12.3%, other units with separators.
    `decimals` overrides the unit's default places."""
    base, _, per = unit.partition("/")
    is_money = base in numbers.SYMBOLS or (len(base) == 3 and base.isupper())
    if value is None:
        return "unpriced" if is_money else "n/a"
    suffix = f"/{per}" if per else ""
    if is_money:
        return numbers.money(value, base, decimals=decimals) + suffix
    if unit == "%":
        return numbers.pct(value, decimals=1 if decimals is None else decimals)
    return f"{value:,.{2 if decimals is None else decimals}f} {unit}"
