"""A small, dependency-free SVG line chart: actuals, forecast and its interval band."""

from __future__ import annotations

from datetime import date
from html import escape


def line_chart(days: list[date], actual: list[float | None], forecast: list[float | None],
               lo: list[float | None], hi: list[float | None], title: str, width: int = 760, height: int = 260) -> str:
    pad_l, pad_r, pad_t, pad_b = 56, 12, 28, 28
    values = [v for seq in (actual, forecast, hi) for v in seq if v is not None] or [1.0]
    top = max(values) * 1.08 or 1.0
    n = max(1, len(days) - 1)
    x = lambda i: pad_l + (width - pad_l - pad_r) * i / n  # noqa: E731
    y = lambda v: pad_t + (height - pad_t - pad_b) * (1 - v / top)  # noqa: E731

    def path(seq: list[float | None]) -> str:
        pts = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(seq) if v is not None]
        return "M" + " L".join(pts) if pts else ""

    band_idx = [i for i, (a, b) in enumerate(zip(lo, hi)) if a is not None and b is not None]
    band = ""
    if band_idx:
        upper = " L".join(f"{x(i):.1f},{y(hi[i]):.1f}" for i in band_idx)  # type: ignore[arg-type]
        lower = " L".join(f"{x(i):.1f},{y(lo[i]):.1f}" for i in reversed(band_idx))  # type: ignore[arg-type]
        band = f'<path d="M{upper} L{lower} Z" fill="#8ab4f8" fill-opacity="0.35" stroke="none"/>'
    ticks = "".join(
        f'<text x="{pad_l - 6}" y="{y(top * k / 4) + 4:.1f}" font-size="10" text-anchor="end">{top * k / 4:,.0f}</text>'
        f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(top * k / 4):.1f}" y2="{y(top * k / 4):.1f}" stroke="#ddd"/>'
        for k in range(5)
    )
    labels = "".join(
        f'<text x="{x(i):.1f}" y="{height - 8}" font-size="10" text-anchor="middle">{days[i]:%b %d}</text>'
        for i in range(0, len(days), max(1, len(days) // 6))
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<title>{escape(title)}</title><text x="{pad_l}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>'
        f"{ticks}{band}"
        f'<path d="{path(actual)}" fill="none" stroke="#1a73e8" stroke-width="1.6"/>'
        f'<path d="{path(forecast)}" fill="none" stroke="#e8711a" stroke-width="1.6" stroke-dasharray="4 3"/>'
        f"{labels}</svg>"
    )
