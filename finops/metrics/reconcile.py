"""The reconcile summary as terms that add up: billed = local at catalog + each cause + price mismatch + unexplained.

Every term is priced at the context's catalog so the sum closes exactly:
- local at catalog: the team's logged tokens x catalog price (logged);
- one term per cause (unlogged traffic, retries, evictions, drift): the tokens the cause
  explains x catalog price (estimated); a finding's "$ impact" prices the same tokens at
  the rate billed, which is a different figure with a different label;
- price mismatch: billed dollars − the same billed tokens at catalog (billed);
- unexplained (net): the signed residual tokens x catalog price (estimated);
- other: what the grain rows cannot place (unpriced rows, billed lines without usage,
  lines in other currencies): billed − every term above, printed so the sum is visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from finops.metrics.figure import Figure
from finops.models.money import money_sum, money_total

if TYPE_CHECKING:
    from finops.reconcile.run import ReconcileResult

SCOPE = "inference"
CAUSE_TITLES = {
    "unlogged_traffic": "unlogged traffic", "retry_double_billing": "retries billed twice",
    "cache_eviction": "cache evictions", "tokenizer_drift": "tokenizer drift",
    "unmapped": "unmapped names (cannot join)",
}


@dataclass(frozen=True)
class ReconcileSummary:
    billed: Figure
    terms: tuple[Figure, ...]  # sum(terms) == billed, to floating point
    unexplained_pct: float = 0.0  # |unexplained| as % of billed: what the exit status compares
    max_unexplained_pct: float = 2.0
    unpriced_rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # Why nothing was compared (a side had no tokens), or None: then "unexplained 0.00%" would mean nothing.
    nothing_compared: str | None = None

    def unexplained_text(self, digits: int = 2) -> str:
        """"unexplained X% of billed", or "nothing compared: ..." when a side had no tokens: every surface says this."""
        return self.nothing_compared or f"unexplained {self.unexplained_pct:.{digits}f}% of billed"

    def term(self, name: str) -> Figure:
        return next(t for t in self.terms if t.name == name)

    @property
    def explained(self) -> float:
        return sum(t.value or 0.0 for t in self.terms if t.name.startswith("cause_"))

    def line(self, money: Any = None) -> str:
        """"billed $X = local at catalog $A + unlogged traffic $B + … + price mismatch $P + unexplained $U"."""
        fmt = money or (lambda f, v: f.money(v))
        parts = [f"{t.title} {fmt(t, t.value)}" for t in self.terms]
        head = f"billed {fmt(self.billed, self.billed.value)} = "
        return head + " + ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"billed": self.billed.to_dict(), "terms": [t.to_dict() for t in self.terms],
                "unexplained_pct": self.unexplained_pct, "max_unexplained_pct": self.max_unexplained_pct,
                "unpriced_rows": self.unpriced_rows, "nothing_compared": self.nothing_compared}


def cause_dollars(result: "ReconcileResult", cause: str | None = None) -> pl.DataFrame:
    """Per grain row and cause: the tokens a cause explains and their dollars at the catalog
    (the grain row's rate): the one pricing of cause tokens, which the summary terms sum."""
    from finops.reconcile.frames import GRAIN

    if result.explained is None or result.explained.height == 0:
        empty = result.groups.select(*GRAIN).clear()
        return empty.with_columns(pl.lit(None, pl.String).alias("cause"), pl.lit(None, pl.Int64).alias("tokens"),
                                  pl.lit(None, pl.Float64).alias("usd"))
    rows = result.explained if cause is None else result.explained.filter(pl.col("cause") == cause)
    priced = rows.join(result.groups.select(*GRAIN, "usd_per_million"), on=list(GRAIN), how="left")
    return priced.select(*GRAIN, "cause", "tokens", (pl.col("tokens") * pl.col("usd_per_million") / 1e6).alias("usd"))


def reconcile_summary(result: "ReconcileResult", start: date | None, end: date | None) -> ReconcileSummary:
    """The summary terms of a reconcile run (finops.reconcile.reconcile with the context's catalog)."""
    from finops.reconcile.frames import GRAIN

    g, s = result.groups, result.summary
    billed = float(s.get("billed_usd", 0.0))
    local = float(g.select(money_sum(pl.col("local") * pl.col("usd_per_million") / 1e6)).item())
    mismatch = money_total(g["price_diff_usd"]) if "price_diff_usd" in g.columns else 0.0
    unexplained = money_total(g["unexplained_usd"])

    def fig(name: str, title: str, value: float, provenance: str, note: str = "") -> Figure:
        return Figure(name, title, "", value, "USD", provenance, start, end, note=note)  # type: ignore[arg-type]

    terms = [fig("local_at_catalog", "local at catalog", local, "logged", "logged tokens x catalog price")]
    if result.explained is not None and result.explained.height:
        by_cause = cause_dollars(result).group_by("cause").agg(money_sum(pl.col("usd")))
        for cause, usd in sorted(by_cause.iter_rows(), key=lambda r: (-abs(r[1] or 0.0), r[0])):
            terms.append(fig(f"cause_{cause}", CAUSE_TITLES.get(cause, cause.replace("_", " ")), float(usd or 0.0),
                             "estimated", "the cause's tokens x catalog price"))
    terms.append(fig("price_mismatch", "price mismatch", mismatch, "billed", "billed − the same tokens at catalog"))
    terms.append(fig("unexplained", "unexplained", unexplained, "estimated", "net residual tokens x catalog price"))
    other = billed - sum(t.value or 0.0 for t in terms)
    if abs(other) >= 0.005:
        terms.append(fig("other", "other", other, "billed",
                         "billed dollars no grain row places (unpriced rows, bills without usage)"))
    return ReconcileSummary(
        fig("billed", "billed", billed, "billed", "inference and embedding cost lines in USD"), tuple(terms),
        float(s.get("unexplained_pct", 0.0)), float(s.get("max_unexplained_pct", 2.0)), int(s.get("unpriced_rows", 0)),
        nothing_compared=nothing_compared(s),
    )


def nothing_compared(summary: dict[str, Any]) -> str | None:
    """Why a reconcile compared nothing (so "unexplained 0.00%" would mean nothing), or None when both
    the request log and the billed/metered usage had tokens in the window."""
    local, billed = int(summary.get("local_tokens") or 0), int(summary.get("billed_tokens") or 0)
    if local and billed:
        return None
    missing = [name for name, n in (("no logged request tokens", local), ("no billed or metered usage", billed)) if not n]
    return "nothing compared: " + " and ".join(missing) + " in the window (unexplained drift not computed)"


def run(ctx: Any, since: date | None = None, until: date | None = None, provider: str | None = None,
        project: str | None = None, thresholds: Any = None) -> "ReconcileResult":
    """finops.reconcile.reconcile at the context's catalog and thresholds (or `thresholds` from a CLI flag)."""
    from finops.reconcile import reconcile

    return reconcile(ctx.store, since, until, provider, project, catalog=ctx.catalog,
                     thresholds=thresholds or ctx.thresholds, identity=ctx.identity)
