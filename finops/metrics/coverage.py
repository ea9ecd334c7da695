"""Join coverage of a reconcile run as figures: the share of billed tokens and dollars that joins to logged rows.

Defined here once; `finops reconcile --coverage`, `finops figures`, the dashboard's Reconcile
screen and the monthly report print these values and never recompute them.

- `join_coverage_tokens`: billed (metered) tokens in groups (day, provider, model, project,
  key) the log also has rows for, over all billed tokens (%, metered);
- `join_coverage_usd`: the cost lines' dollars reconcile places on such groups, over all
  billed inference dollars (%, billed);
- `not_joined_usd`: billed dollars that do not join (billed − joined): grain rows that do
  not join plus cost-line dollars no grain row takes, each with its reason (`not_joined`);
- `cache_ttl_unknown_tokens`: billed cache writes joined to a log that cannot tell 5-minute
  from 1-hour writes (compared as one sum, split as billed).

The per provider / project / key table (`by_group`) and the not-joined rows come with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from finops.metrics.figure import Figure, format_value
from finops.models.money import money_sum, money_total

if TYPE_CHECKING:
    from finops.reconcile.run import ReconcileResult

UNLINKED_KEY = "(cost lines)"  # by_group row of a project's cost-line dollars that no grain row takes
NOT_JOINED_SCHEMA = pl.Schema({
    "reason": pl.String, "usd": pl.Float64, "tokens": pl.Int64, "side": pl.String, "provider": pl.String,
    "project_id": pl.String, "api_key_id": pl.String, "model": pl.String, "token_class": pl.String,
    "detail": pl.String, "days": pl.UInt32, "first_day": pl.Date, "last_day": pl.Date,
})


@dataclass(frozen=True)
class Coverage:
    figures: tuple[Figure, ...]
    by_group: pl.DataFrame  # provider, project_id, api_key_id, billed/joined tokens and dollars, shares (%)
    not_joined: pl.DataFrame  # NOT_JOINED_SCHEMA: what does not join and why, dollars first
    names: pl.DataFrame  # logged names that map to no provider id, with likely candidates

    def get(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)

    def by_reason(self) -> list[tuple[str, float, int]]:
        """(reason, dollars, tokens) of what does not join, largest dollars first."""
        if self.not_joined.height == 0:
            return []
        agg = self.not_joined.group_by("reason").agg(money_sum(pl.col("usd")), pl.col("tokens").fill_null(0).sum()).sort(
            pl.col("usd").abs(), "reason", descending=[True, False])
        return [(str(r), float(u), int(t)) for r, u, t in agg.iter_rows()]

    def line(self) -> str:
        """"Join coverage: 98.04% of billed tokens, 95.92% of billed dollars · not joined $153.13 (project never logged $153.13)"."""
        tok, usd, nj = self.get("join_coverage_tokens"), self.get("join_coverage_usd"), self.get("not_joined_usd")
        text = f"Join coverage: {tok.money()} of billed tokens, {usd.money()} of billed dollars · not joined {nj.money()}"
        reasons = self.by_reason()
        if reasons:
            text += " (" + ", ".join(f"{r} {format_value(u, 'USD')}" for r, u, _ in reasons) + ")"
        ttl = self.get("cache_ttl_unknown_tokens")
        if ttl.value:
            text += f" · {ttl.money(decimals=0)} of cache writes: the log cannot tell 5m from 1h (split as billed)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"figures": [f.to_dict() for f in self.figures], "by_group": self.by_group.to_dicts(),
                "not_joined": self.not_joined.to_dicts(), "unmapped_names": self.names.to_dicts()}


def _clean(usd: float) -> float:
    """A difference of two sums that is zero but for float rounding prints as $0.00, not -$0.00."""
    return 0.0 if abs(usd) < 1e-6 else usd


def _pct(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole else None


def join_coverage(result: "ReconcileResult", start: date | None, end: date | None) -> Coverage:
    """The coverage figures of one reconcile run (finops.metrics.reconcile.run at the context's catalog)."""
    cov = result.coverage
    if cov is None:
        raise ValueError("this reconcile result carries no join coverage")
    rows, lines = cov.rows, cov.lines
    billed_usd = float(result.summary.get("billed_usd", 0.0))
    is_joined = pl.col("status") == "joined"
    tokens = int(rows["tokens"].sum())
    joined_tokens = int(rows.filter(is_joined)["tokens"].sum())
    joined_usd = money_total(rows.filter(is_joined)["usd"])

    def fig(name: str, title: str, scope: str, value: float | None, unit: str, provenance: str, note: str,
            **extra: Any) -> Figure:
        return Figure(name, title, scope, value, unit, provenance, start, end, note=note, extra=extra)  # type: ignore[arg-type]

    figures = (
        fig("join_coverage_tokens", "Join coverage", "billed tokens", _pct(joined_tokens, tokens), "%", "metered",
            "billed tokens in groups (day, provider, model, project, key) the log has rows for, over all billed tokens",
            tokens=tokens, joined_tokens=joined_tokens),
        fig("join_coverage_usd", "Join coverage", "billed dollars", _pct(joined_usd, billed_usd), "%", "billed",
            "cost-line dollars placed on groups the log has rows for, over all billed inference dollars (USD)",
            billed_usd=billed_usd, joined_usd=joined_usd),
        fig("not_joined_usd", "Not joined", "billed dollars", _clean(billed_usd - joined_usd), "USD", "billed",
            "billed − joined: groups the log lacks and cost lines no usage takes, each with its reason"),
        fig("cache_ttl_unknown_tokens", "Cache writes, 5m or 1h unknown", "billed tokens", float(cov.ttl_unknown_tokens),
            "tokens", "metered", "billed cache writes joined to a log that cannot tell 5-minute from 1-hour writes",
            usd=cov.ttl_unknown_usd),
    )
    return Coverage(figures, _by_group(rows, lines), _not_joined(rows, lines), cov.names)


def _by_group(rows: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    is_joined = pl.col("status") == "joined"
    usage = rows.group_by("provider", "project_id", "api_key_id").agg(
        pl.col("tokens").sum().alias("billed_tokens"), pl.col("tokens").filter(is_joined).sum().alias("joined_tokens"),
        money_sum(pl.col("usd")).alias("billed_usd"), money_sum(pl.col("usd").filter(is_joined)).alias("joined_usd"))
    parts = [usage]
    if lines.height:
        parts.append(lines.group_by("provider", "project_id").agg(
            pl.lit(UNLINKED_KEY).alias("api_key_id"), pl.lit(0, pl.Int64).alias("billed_tokens"),
            pl.lit(0, pl.Int64).alias("joined_tokens"), money_sum(pl.col("usd")).alias("billed_usd"),
            pl.lit(0.0).alias("joined_usd")))
    out = pl.concat(parts, how="vertical_relaxed")
    return out.with_columns(
        pl.when(pl.col("billed_tokens") != 0).then(pl.col("joined_tokens") / pl.col("billed_tokens") * 100).alias("tokens_pct"),
        pl.when(pl.col("billed_usd") != 0).then(pl.col("joined_usd") / pl.col("billed_usd") * 100).alias("usd_pct"),
    ).sort("provider", "project_id", "api_key_id")


def _not_joined(rows: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    usage = rows.filter(pl.col("status") != "joined").select(
        pl.col("status").alias("reason"), "usd", "tokens", pl.lit("billed usage").alias("side"), "provider", "project_id",
        "api_key_id", "model", pl.lit(None, pl.String).alias("token_class"), "detail", "days", "first_day", "last_day")
    cost = lines.select(
        "reason", "usd", pl.lit(None, pl.Int64).alias("tokens"), pl.lit("cost line").alias("side"), "provider", "project_id",
        pl.lit(None, pl.String).alias("api_key_id"), pl.col("cost_model").alias("model"), "token_class", "detail", "days",
        "first_day", "last_day")
    out = pl.concat([usage.cast(NOT_JOINED_SCHEMA), cost.cast(NOT_JOINED_SCHEMA)])
    return out.sort(pl.col("usd").abs(), "reason", "provider", "project_id", descending=[True, False, False, False])
