"""One number style for every surface (CLI tables, dashboard, report, JSON).

- Money: currency symbol, thousands separators, two decimals; more decimals only below a
  cent (up to three significant digits, $0.00351), never e-notation. A change carries its
  sign (+$1.20, -$0.35). None is "unpriced", never $0.
- Percent: one decimal, no space (12.3%); a change carries its sign (+4.2%); a share short of
  100% (or above 0%) takes more places rather than read as 100.0% (99.96%).
- Energy in Wh, kWh or MWh and carbon in g, kg or t, by size.
- Counts with thousands separators; large counts compact where space is short (7.70M).
- JSON: full precision (figures agree across surfaces), only float noise dropped
  (`json_value`): -1.3877787807814457e-17 prints as 0.0, 0.30000000000000004 as 0.3.

Pure functions of plain values: no polars, no rich, no textual (the TUI, the CLI and the
report import this module, it imports nothing of theirs).
"""

from __future__ import annotations

import math
from typing import Any

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
MINUS = "-"


def _plain(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _small_decimals(value: float, significant: int = 3, most: int = 8, least: int = 2) -> int:
    """Decimals that show `significant` digits of a value below a cent (0.000351 -> 6)."""
    if value == 0:
        return least
    exponent = math.floor(math.log10(abs(value)))
    return max(least, min(most, -exponent + significant - 1))


def money(value: float | None, currency: str = "USD", *, signed: bool = False, decimals: int | None = None) -> str:
    """$1,234.56; below a cent $0.00351; +$1.20 for a change; None -> "unpriced"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unpriced"
    amount = float(value)
    if abs(amount) < 1e-9:
        amount = 0.0  # float noise of a sum, not a sub-cent amount
    places = decimals if decimals is not None else (2 if abs(amount) >= 0.01 or amount == 0 else _small_decimals(amount))
    if round(amount, places) == 0:
        amount = 0.0  # no "-$0.00"
    number = _plain(abs(amount), places)
    sign = MINUS if amount < 0 else ("+" if signed and amount > 0 else "")
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def pct(value: float | None, *, signed: bool = False, decimals: int = 1) -> str:
    """12.3% (a share) or +12.3% (a change); None -> "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value)
    if abs(v) < 1e-9:
        v = 0.0  # float noise of a sum
    # A share short of 100% (or above 0%) never reads as exactly 100.0% (or 0.0%): a join coverage
    # of 99.96% is not complete. More places, up to four, until the rounding says so.
    while decimals < 4 and v not in (0.0, 100.0) and round(v, decimals) in (0.0, 100.0):
        decimals += 1
    if round(v, decimals) == 0:
        v = 0.0
    return f"{v:+.{decimals}f}%" if signed and v != 0 else f"{v:.{decimals}f}%"


def count(value: float | int | None) -> str:
    """1,234,567; None -> "—"."""
    if value is None:
        return "—"
    return f"{int(round(float(value))):,}"


def compact(value: float | None) -> str:
    """7,697,472 -> 7.70M: three significant digits with a unit, for narrow places."""
    if value is None:
        return "—"
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            n = value / size
            return f"{n:.2f}{unit}" if abs(n) < 10 else f"{n:.1f}{unit}" if abs(n) < 100 else f"{n:.0f}{unit}"
    return f"{value:,.0f}"


def number(value: float | int | None) -> str:
    """A plain quantity: integers as counts, else two decimals (three significant digits below 0.01)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int):
        return count(value)
    v = float(value)
    if abs(v) < 1e-9:
        v = 0.0  # float noise of a sum
    if v == 0 or abs(v) >= 0.01:
        return _plain(0.0 if round(v, 2) == 0 else v, 2)
    return _plain(v, _small_decimals(v))


def significant(value: float, digits: int = 3, whole_from: float = 100) -> str:
    """`digits` significant digits, never e-notation (3.51e-05 -> 0.0000351, 19.24 -> 19.2);
    from `whole_from` up, whole numbers with separators (12,345)."""
    v = float(value)
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    if abs(v) >= whole_from:
        return f"{v:,.0f}"
    places = _small_decimals(v, digits, most=12, least=0)
    text = f"{v:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(value: float, units: tuple[tuple[str, float], ...]) -> str:
    for unit, size in units:
        if abs(value) >= size:
            n = value / size
            return f"{n:,.2f} {unit}" if abs(n) < 10 else f"{n:,.1f} {unit}" if abs(n) < 100 else f"{n:,.0f} {unit}"
    unit, size = units[-1]
    n = value / size
    return f"{n:,.{_small_decimals(n) if 0 < abs(n) < 0.01 else 2}f} {unit}"


def energy(wh: float | None) -> str:
    """Watt-hours by size: 512 Wh, 3.20 kWh, 1.05 MWh."""
    if wh is None:
        return "—"
    return _scaled(float(wh), (("MWh", 1e6), ("kWh", 1e3), ("Wh", 1.0)))


def carbon(grams: float | None) -> str:
    """CO2e by size: 412 g, 3.20 kg, 1.05 t."""
    if grams is None:
        return "—"
    return _scaled(float(grams), (("t", 1e6), ("kg", 1e3), ("g", 1.0)))


# JSON keeps every figure at full precision (a per-task cost can be a fraction of a cent, and each
# surface must agree with the others), and drops only the noise of summing floats: twelve
# significant digits, and anything below NOISE is zero (-1.3877787807814457e-17 -> 0.0).
SIGNIFICANT = 12
NOISE = 1e-12


def json_value(value: Any, significant: int = SIGNIFICANT) -> Any:
    """A float for JSON without float noise: 0.30000000000000004 -> 0.3, -1.38e-17 -> 0.0; NaN/inf -> None."""
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    if math.isnan(value) or math.isinf(value):
        return None
    if abs(value) < NOISE:
        return 0.0
    return float(f"{value:.{significant}g}")


def json_ready(obj: Any) -> Any:
    """`json_value` applied through dicts, lists and tuples (what json.dumps is given)."""
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    return json_value(obj)
