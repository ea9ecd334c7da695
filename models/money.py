"""Money summed exactly: the same total whatever the order of the rows, their chunks or polars' threads.

A Float64 sum depends on the order of addition, which polars changes with the thread
count and the chunking; a CLI table, the dashboard, the report and the export summing the
same dollars could then differ in a last digit, and a total sitting at a half cent round
differently. `money_sum` casts each amount to a fixed-point decimal (SCALE digits after the
point) and sums integers, which is exact and order-free, then returns Float64 as before.

Null handling is the caller's: nulls are left out like in `Expr.sum` (no rows, or only
nulls, give 0.0); a figure whose rule is "all unpriced is null" or "any unpriced is null"
keeps its `when/then` around this sum. Token counts are integers and need none of this.
Here (not in finops.metrics) so that finops.reconcile and the models can use it too.
"""

from __future__ import annotations

import polars as pl

# 1e-18 of a unit keeps a single token at 1e-8 $/token to ten significant digits, and 38
# digits leave 20 before the point: sums up to 1e20, far above any bill (1e12 dollars is 1e30
# fixed-point units, inside Int128). NaN, infinity, or an amount or a sum over 1e20 raise
# instead of summing.
SCALE = 18
_FIXED = pl.Decimal(38, SCALE)


def _fixed(amount: pl.Expr) -> pl.Expr:
    # Polars casts a float to a decimal by multiplying in Float64, which errs by an ulp of the
    # whole amount (17.301 + 54.88 + 70.304 then came to 142.48499999999999, not 142.485). The
    # whole units go through Int128, exact; only the fraction, x - floor(x) (exact in Float64),
    # takes that cast, and errs below 1e-16.
    whole = amount.floor()
    return whole.cast(pl.Int128).cast(_FIXED) + (amount - whole).cast(_FIXED)


def money_sum(expr: pl.Expr) -> pl.Expr:
    """The exact sum of a money expression (dollars, cents, reporting currency) as Float64; nulls left out."""
    return _fixed(expr.cast(pl.Float64)).sum().cast(pl.Float64)


def money_total(values: pl.Series) -> float:
    """`money_sum` of an eager Series, as a Python float (0.0 when it has no non-null value)."""
    return float(values.to_frame("v").select(money_sum(pl.col("v"))).item())
