"""Money to the cent: integer cents per line that add up to each bill, split by largest remainder.

Two steps keep every total exact:
1. `bill_cents`: lines carry sub-cent amounts (provider cost APIs report 10 decimals).
   Within a group (a month in one currency) each line gets the integer cents of the
   rounded running total minus the rounded running total before it, so the group's
   lines add up to its total rounded to the cent, no line moves by a cent or more, and
   any run of consecutive lines (one bill) stays within a cent of its own sum.
2. `split_cents`: a line's cents are split over its targets by weight; each target gets
   the floor of its exact share and the cents left over go to the largest remainders
   (ties to the first target in name order), so the parts add up to the line.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

MICRO_PER_CENT = 10_000  # amounts are summed in integer millionths of the currency unit


def round_half_up_div(numerator: pl.Expr, divisor: int) -> pl.Expr:
    """numerator / divisor rounded half up, in exact integer arithmetic."""
    return (numerator + divisor // 2) // divisor


def bill_cents(
    frame: pl.DataFrame, amount: str, bill: Sequence[str], order: Sequence[str], out: str
) -> pl.DataFrame:
    """Add `out` (Int64 cents) so that each group's lines add up to its rounded total."""
    micro = (pl.col(amount).fill_null(0.0) * 1_000_000).round(0).cast(pl.Int64)
    return (
        frame.sort([*bill, *order])
        .with_columns(micro.cum_sum().over(list(bill)).alias("__cum"))
        .with_columns(round_half_up_div(pl.col("__cum"), MICRO_PER_CENT).alias("__cum_cents"))
        .with_columns(
            (pl.col("__cum_cents") - pl.col("__cum_cents").shift(1).over(list(bill)).fill_null(0)).alias(out)
        )
        .drop("__cum", "__cum_cents")
    )


def split_cents(
    parts: pl.DataFrame, line: Sequence[str], cents: str, weight: str, tiebreak: Sequence[str], out: str
) -> pl.DataFrame:
    """Add `out` (Int64): the line's `cents` split over its rows by `weight`, exactly.

    Weights must be >= 0 with a positive sum per line. A negative line (a credit) is
    split as its absolute value and given back its sign.
    """
    by = list(line)
    total_w = pl.col(weight).sum().over(by)
    magnitude = pl.col(cents).abs()
    exact = magnitude.cast(pl.Float64) * pl.col(weight) / total_w
    staged = parts.with_columns(exact.alias("__exact")).with_columns(
        pl.col("__exact").floor().cast(pl.Int64).alias("__floor")
    )
    staged = staged.with_columns(
        (pl.col("__exact") - pl.col("__floor")).alias("__rem"),
        (magnitude - pl.col("__floor").sum().over(by)).alias("__left"),
    )
    # Rank by remainder (largest first), then by the tiebreak columns, within each line.
    staged = staged.sort([*by, "__rem", *tiebreak], descending=[False] * len(by) + [True] + [False] * len(tiebreak))
    staged = staged.with_columns(pl.int_range(pl.len()).over(by).alias("__rank"))
    share = pl.col("__floor") + (pl.col("__rank") < pl.col("__left")).cast(pl.Int64)
    return staged.with_columns((share * pl.col(cents).sign()).cast(pl.Int64).alias(out)).drop(
        "__exact", "__floor", "__rem", "__left", "__rank"
    )
