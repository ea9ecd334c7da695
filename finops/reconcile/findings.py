"""Findings: one cause over one day range with its evidence, and the frame they are shown as.

A detector hands over the tokens it explains per grain row; `token_findings` cuts them
into contiguous day ranges per provider and project (quiet gaps of up to `gap` days
continue a range) and prices them at what each row was billed per token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from finops.models.money import money_sum

PROVENANCE_TOKENS = "metered vs logged"
PROVENANCE_PRICES = "billed vs catalog"

FINDINGS_SCHEMA = pl.Schema({
    "cause": pl.String, "provider": pl.String, "projects": pl.String, "api_keys": pl.String, "models": pl.String,
    "start": pl.Date, "end": pl.Date, "days": pl.Int64, "tokens": pl.Int64, "dollar_impact": pl.Float64,
    "evidence": pl.String, "provenance": pl.String, "details": pl.String,
})


@dataclass
class Finding:
    cause: str
    provider: str
    projects: list[str]
    models: list[str]
    start: date
    end: date
    tokens: dict[str, int]  # signed tokens per class this cause explains
    dollar_impact: float | None  # None when a row it covers has no price at all
    evidence: str
    provenance: str = PROVENANCE_TOKENS
    api_keys: list[str] = field(default_factory=list)
    days: int = 0
    headline_tokens: int | None = None  # the one number to show when the classes net out
    details: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        shown = self.headline_tokens if self.headline_tokens is not None else sum(abs(v) for v in self.tokens.values())
        details = {"tokens_by_class": self.tokens, **self.details}
        return {
            "cause": self.cause, "provider": self.provider, "projects": ",".join(self.projects),
            "api_keys": ",".join(k for k in self.api_keys if k), "models": ",".join(self.models),
            "start": self.start, "end": self.end, "days": self.days, "tokens": int(shown),
            "dollar_impact": self.dollar_impact, "evidence": self.evidence, "provenance": self.provenance,
            "details": json.dumps(details, default=str, sort_keys=True),
        }


def findings_frame(findings: Sequence[Finding]) -> pl.DataFrame:
    if not findings:
        return pl.DataFrame(schema=FINDINGS_SCHEMA)
    return pl.DataFrame([f.row() for f in findings], schema=FINDINGS_SCHEMA, orient="row").sort("cause", "provider", "start", "projects")


def with_ranges(frame: pl.DataFrame, by: Sequence[str], gap: int) -> pl.DataFrame:
    """Add `range_id`: days of one `by` group split where more than `gap` quiet days pass."""
    days = frame.select(*by, "day").unique().sort(*by, "day")
    days = days.with_columns(
        ((pl.col("day") - pl.col("day").shift(1).over(by)).dt.total_days().fill_null(gap + 1) > gap)
        .cum_sum().over(by).alias("range_id")
    )
    return frame.join(days, on=[*by, "day"], how="left")


def money(tokens: pl.Expr, rate: pl.Expr) -> pl.Expr:
    """Sum of tokens x USD-per-million that stays null when any row has no rate."""
    usd = tokens * rate / 1e6
    return pl.when(rate.is_null().any()).then(None).otherwise(money_sum(usd))


def token_findings(
    explained: pl.DataFrame,
    cause: str,
    gap: int,
    evidence: Callable[[pl.DataFrame, dict[str, Any]], tuple[str, dict[str, Any]]],
    by: Sequence[str] = ("provider", "project_id"),
) -> list[Finding]:
    """Findings per `by` group and day range from rows of (grain, tokens, rate)."""
    if explained.height == 0:
        return []
    ranged = with_ranges(explained.filter(pl.col("tokens") != 0), list(by), gap)
    out = []
    for key, part in ranged.group_by([*by, "range_id"], maintain_order=True):
        head = dict(zip([*by, "range_id"], key))
        sums = part.group_by("token_class").agg(pl.col("tokens").sum()).sort("token_class")
        tokens = {c: int(v) for c, v in sums.iter_rows() if v}
        usd = part.select(money(pl.col("tokens"), pl.col("rate"))).item()
        text, details = evidence(part, head)
        out.append(Finding(
            cause=cause, provider=str(head["provider"]), projects=sorted(part["project_id"].unique().to_list()),
            api_keys=sorted(part["api_key_id"].unique().to_list()), models=sorted(part["model"].unique().to_list()),
            start=part["day"].min(), end=part["day"].max(), days=part["day"].n_unique(),  # type: ignore[arg-type]
            tokens=tokens, dollar_impact=None if usd is None else float(usd), evidence=text, details=details,
        ))
    return out


def fmt_int(n: float | int) -> str:
    return f"{int(round(n)):,}"


def fmt_list(values: Sequence[str], limit: int = 3) -> str:
    values = [v for v in values if v]
    head = ", ".join(values[:limit])
    return head + (f" (+{len(values) - limit} more)" if len(values) > limit else "") if values else "—"
