"""Global dashboard filters (date range, provider, project, feature) as polars predicates.

Every screen applies the same `Filters` to the tables it reads, so a figure on one
screen agrees with the same figure on another. Dates are UTC days, both ends inclusive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import polars as pl

from finops.schema import TABLES


def utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), timezone.utc)


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the view to; None means "all"."""

    start: date | None = None
    end: date | None = None  # inclusive
    provider: str | None = None
    project: str | None = None
    feature: str | None = None

    def with_(self, **changes: object) -> "Filters":
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def narrowed(self) -> bool:
        """True when a provider, project or feature filter is set."""
        return any((self.provider, self.project, self.feature))

    def describe(self) -> str:
        """A short one-line summary for the filter bar: the period, then only what narrows it."""
        parts = [f"{self.start or '…'} → {self.end or '…'}"]
        for name in ("provider", "project", "feature"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}: {value}")
        if len(parts) == 1:
            parts.append("all providers, projects, features")
        return "  ·  ".join(parts)

    # -- predicates ---------------------------------------------------------------
    def day_predicate(self, column: str, is_date: bool = False) -> pl.Expr:
        """The date range on a UTC timestamp column (half-open at end + 1 day), or on a UTC day column."""
        expr = pl.lit(True)
        if is_date:
            if self.start is not None:
                expr = expr & (pl.col(column) >= self.start)
            if self.end is not None:
                expr = expr & (pl.col(column) <= self.end)
            return expr
        if self.start is not None:
            expr = expr & (pl.col(column) >= utc_midnight(self.start))
        if self.end is not None:
            expr = expr & (pl.col(column) < utc_midnight(self.end + timedelta(days=1)))
        return expr

    def dims_predicate(
        self,
        provider_col: str,
        project_col: str,
        feature_col: str | None,
        feature_projects: Mapping[str, Sequence[str]] | None = None,
    ) -> pl.Expr:
        """Provider/project/feature on a table's own columns.

        Provider names compare case-insensitively ("OpenAI" in FOCUS lines, "openai"
        in usage rows). Rows without a feature (provider cost lines) match a feature
        through the projects that feature's logged requests ran in.
        """
        expr = pl.lit(True)
        if self.provider:
            expr = expr & (pl.col(provider_col).str.to_lowercase() == self.provider.lower())
        if self.project:
            expr = expr & (pl.col(project_col) == self.project)
        if self.feature:
            projects = list((feature_projects or {}).get(self.feature, ()))
            by_project = pl.col(project_col).is_in(projects) if projects else pl.lit(False)
            if feature_col is None:
                expr = expr & by_project
            else:
                tagged = pl.col(feature_col).fill_null("") != ""
                expr = expr & pl.when(tagged).then(pl.col(feature_col) == self.feature).otherwise(by_project)
        return expr


# The provider/project/feature columns of each stored table.
TABLE_DIMS: dict[str, tuple[str, str, str | None, str]] = {
    # table: (provider, project, feature, time)
    "cost_lines": ("ServiceProviderName", "SubAccountId", "x_Feature", "ChargePeriodStart"),
    "billed_usage": ("provider", "project_id", None, "charge_period_start"),
    "requests": ("provider", "project_id", "feature", "ts"),
    "request_days": ("provider", "project_id", "feature", "day"),
}


def apply(
    lf: pl.LazyFrame,
    table: str,
    filters: Filters,
    feature_projects: Mapping[str, Sequence[str]] | None = None,
    *,
    dates: bool = True,
) -> pl.LazyFrame:
    """Filter a scan of one stored table; `dates=False` keeps every day (for baselines)."""
    provider, project, feature, ts = TABLE_DIMS[table]
    pred = filters.dims_predicate(provider, project, feature, feature_projects)
    if dates:
        pred = pred & filters.day_predicate(ts, is_date=TABLES[table].schema[ts] == pl.Date)
    return lf.filter(pred)


PRESETS: dict[str, str] = {
    "mtd": "month to date",
    "30d": "last 30 days",
    "90d": "last 90 days",
    "ytd": "year to date",
    "all": "all data",
}


def preset_range(name: str, today: date, first_day: date | None = None) -> tuple[date | None, date | None]:
    """(start, end) of a named period ending yesterday (today is never complete)."""
    end = today - timedelta(days=1)
    if name == "mtd":
        return end.replace(day=1), end
    if name == "30d":
        return end - timedelta(days=29), end
    if name == "90d":
        return end - timedelta(days=89), end
    if name == "ytd":
        return end.replace(month=1, day=1), end
    if name == "all":
        return first_day, end
    raise ValueError(f"unknown period preset {name!r}; known: {', '.join(PRESETS)}")


def shift_period(start: date, end: date, direction: int, today: date) -> tuple[date, date]:
    """The range of the same length just before (-1) or after (+1); never past yesterday."""
    length = end - start + timedelta(days=1)
    new_start, new_end = start + direction * length, end + direction * length
    last = today - timedelta(days=1)
    if new_end > last:
        new_start, new_end = last - (end - start), last
    return new_start, new_end


DEFAULT_PERIOD = "90d"


def default_filters(ctx: Any) -> Filters:
    """The filters the dashboard opens with (and "Clear filters" returns to): the last 90 days up to yesterday."""
    start, end = preset_range(DEFAULT_PERIOD, ctx.today, ctx.dims.first_day)
    return Filters(start=start, end=end)
