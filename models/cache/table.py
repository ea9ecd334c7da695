"""Cache rows summed to one dimension (or the day): tokens, hit rate and dollars.

Hit rate = reads / cacheable input, null where no request logged cache counts (the
surface says "no cache counts in this log", never 0%). Write amplification = writes never read
back within their TTL / writes judged (models.cache.writes), null where none was judged
(write_amplification_pct). A dollar sum is null (unpriced)
when any of its rows with tokens has no price; `unpriced` counts those rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from finops.models.money import money_sum

TOKENS: Final = ("input", "reads", "writes_5m", "writes_1h", "writes_unknown", "writes_judged", "writes_unread", "missed_reads",
                 "evicted_reads")
MONEY: Final = ("saved_usd", "write_premium_usd", "unread_premium_usd", "lost_miss_usd", "lost_eviction_usd")


def _money_sum(col: str) -> pl.Expr:
    return pl.when(pl.col(col).is_null().any()).then(None).otherwise(money_sum(pl.col(col))).alias(col)


def summed(frame: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Sums per `by` (plus provenance): requests, counted, tokens, money, hit rate, lost."""
    tokens = [c for c in TOKENS if c in frame.columns]
    money = [c for c in MONEY if c in frame.columns]
    keys = [*by, "provenance"]
    out = frame.group_by(keys).agg(
        pl.col("requests").sum(), pl.col("counted").sum(), *[pl.col(c).sum() for c in tokens], *[_money_sum(c) for c in money],
        pl.any_horizontal(*[pl.col(c).is_null() for c in money]).sum().cast(pl.Int64).alias("unpriced") if money
        else pl.lit(0, pl.Int64).alias("unpriced"),
    )
    counted = (pl.col("provenance") == "metered") | (pl.col("counted") > 0)
    out = out.with_columns(
        pl.when(counted & (pl.col("input") > 0)).then(pl.col("reads") / pl.col("input") * 100).alias("hit_rate_pct"),
    )
    if "writes_judged" in tokens and "writes_unread" in tokens:
        # Write amplification: the share of judged writes no read repaid (null where no write could be judged).
        out = out.with_columns(pl.when(pl.col("writes_judged") > 0)
                               .then(pl.col("writes_unread") / pl.col("writes_judged") * 100).alias("write_amplification_pct"))
    if "lost_miss_usd" in money and "lost_eviction_usd" in money:
        out = out.with_columns((pl.col("lost_miss_usd") + pl.col("lost_eviction_usd")).alias("lost_usd"))
    return out.sort(keys)
