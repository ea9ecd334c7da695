"""Self-contained SVG charts for the HTML report: no scripts, fonts or files from elsewhere.

Two charts: daily spend with the forecast and its 80% band, and monthly totals with the
forecast months' 80% intervals as whiskers. Coordinates are plain arithmetic on the data.
"""

from __future__ import annotations

import math
from datetime import date
from typing import cast
from html import escape

import polars as pl

W, H = 760, 290
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 34, 48
ACTUAL, FORECAST, BAND = "#1f4e79", "#c0504d", "#f2c4c3"


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * exp >= v:
            return m * exp
    return 10 * exp


def _frame(title: str, y_max: float, unit: str) -> list[str]:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
           f'font-family="sans-serif" font-size="11"><title>{escape(title)}</title>',
           f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i in range(5):
        v = y_max * i / 4
        y = _y(v, y_max)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(unit)}{v:,.0f}</text>')
    return out


def _y(v: float, y_max: float) -> float:
    return TOP + (H - TOP - BOTTOM) * (1 - v / y_max)


def daily_svg(chart: pl.DataFrame, title: str) -> str:
    """Actual (solid), forecast (dashed) and the forecast's 80% band (shaded)."""
    days: list[date] = chart["day"].to_list()
    d0, d1 = min(days), max(days)
    span = max(1, (d1 - d0).days)
    x = lambda d: LEFT + (W - LEFT - RIGHT) * (d - d0).days / span  # noqa: E731
    peak = max(float(cast(float, chart["value"].max()) or 0), float(cast(float, chart["hi80"].max()) or 0))
    y_max = _nice_max(peak * 1.05)
    out = _frame(title, y_max, "$")
    fc = chart.filter(pl.col("kind") == "forecast")
    if fc.height:
        upper = [f"{x(d):.1f},{_y(v, y_max):.1f}" for d, v in zip(fc["day"], fc["hi80"])]
        lower = [f"{x(d):.1f},{_y(v, y_max):.1f}" for d, v in zip(reversed(fc["day"].to_list()), reversed(fc["lo80"].to_list()))]
        out.append(f'<polygon points="{" ".join(upper + lower)}" fill="{BAND}" stroke="none"><title>80% interval</title></polygon>')
    for kind, colour, dash in (("actual", ACTUAL, ""), ("forecast", FORECAST, ' stroke-dasharray="5 3"')):
        part = chart.filter(pl.col("kind") == kind)
        if part.height:
            pts = " ".join(f"{x(d):.1f},{_y(v, y_max):.1f}" for d, v in zip(part["day"], part["value"]))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>')
    for d in days:
        if d.day == 1:
            out.append(f'<line x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#eee"/>')
            out.append(f'<text x="{x(d):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{d.strftime("%b %Y")}</text>')
    out += _legend([("actual (billed)", ACTUAL, ""), ("forecast (estimated)", FORECAST, "5 3"), ("80% interval", BAND, "")])
    out.append("</svg>")
    return "\n".join(out)


def monthly_svg(history: pl.DataFrame, title: str) -> str:
    """Bars per month: actual months solid, forecast months light with 80% whiskers."""
    n = history.height
    peak = max(float(cast(float, history["value"].max()) or 0), float(cast(float, history["hi80"].max()) or 0))
    y_max = _nice_max(peak * 1.05)
    out = _frame(title, y_max, "$")
    slot = (W - LEFT - RIGHT) / max(n, 1)
    for i, (month, kind, value, lo, hi) in enumerate(history.iter_rows()):
        cx = LEFT + slot * (i + 0.5)
        bw = slot * 0.6
        fill = ACTUAL if kind == "actual" else BAND
        top = _y(value, y_max)
        out.append(f'<rect x="{cx - bw / 2:.1f}" y="{top:.1f}" width="{bw:.1f}" height="{H - BOTTOM - top:.1f}" fill="{fill}">'
                   f'<title>{escape(month)} {escape(kind)}: ${value:,.2f}</title></rect>')
        if lo is not None and hi is not None:
            out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{_y(hi, y_max):.1f}" y2="{_y(lo, y_max):.1f}" stroke="{FORECAST}" stroke-width="1.5"/>')
            for v in (lo, hi):
                out.append(f'<line x1="{cx - 6:.1f}" x2="{cx + 6:.1f}" y1="{_y(v, y_max):.1f}" y2="{_y(v, y_max):.1f}" stroke="{FORECAST}" stroke-width="1.5"/>')
        label_y = min(top, _y(hi, y_max) if hi is not None else top) - 4
        out.append(f'<text x="{cx:.1f}" y="{label_y:.1f}" text-anchor="middle">${value:,.0f}</text>')
        out.append(f'<text x="{cx:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{escape(month)}</text>')
    out += _legend([("actual (billed)", ACTUAL, ""), ("forecast with 80% interval", BAND, "")])
    out.append("</svg>")
    return "\n".join(out)


def _legend(items: list[tuple[str, str, str]]) -> list[str]:
    out, x = [], W - RIGHT - 170 * len(items)
    for label, colour, dash in items:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{x}" x2="{x + 18}" y1="{H - 10}" y2="{H - 10}" stroke="{colour}" stroke-width="4"{extra}/>')
        out.append(f'<text x="{x + 24}" y="{H - 6}">{escape(label)}</text>')
        x += 170
    return out
