"""Reconcile figures for the dashboard: findings, the drift table and one group's daily detail.

A thin adapter over finops.reconcile (imported lazily). The drift table rolls the
reconciler's daily rows up over the period per (provider, project, model, token class);
a drill-down is a pure filter of the same daily rows, so it needs no second run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from finops.models.money import money_sum, money_total
from finops.tui.data.availability import NotAvailable, Unavailable
from finops.tui.data.context import DashboardContext
from finops.tui.data.overview import period_of
from finops.tui.data.series import ChartSpec, Series
from finops.tui.data.spend import short_model
from finops.tui.filters import Filters

KEY = ("provider", "project_id", "model", "token_class")
KINDS = {
    "local": "int", "billed": "int", "delta": "int", "delta_pct": "pct", "delta_usd": "money",
    "unexplained_usd": "money", "tokens": "int", "dollar_impact": "money", "provenance": "text", "usd": "money",
}
LABELS = {
    "project_id": "project", "token_class": "token class", "local": "logged", "billed": "metered",
    "delta": "Δ tokens", "delta_pct": "Δ%", "delta_usd": "Δ $", "unexplained_usd": "unexplained $",
    "dollar_impact": "$ impact", "projects": "projects", "model_name": "model",
    "billed_per_million": "billed $/M", "catalog_per_million": "catalog $/M", "billed_usd": "billed $",
    "billed_usd_at_catalog": "at catalog $", "price_diff_usd": "Δ $", "metered_tokens": "metered tokens",
    "usd": "billed $", "api_key_id": "key",
}


@dataclass(frozen=True)
class ReconcileData:
    groups: pl.DataFrame  # one row per drift group over the period; KEY identifies it
    findings: pl.DataFrame  # one row per cause finding
    daily: pl.DataFrame  # the reconciler's rows per UTC day (for drill-downs)
    summary: Mapping[str, float]
    terms: Any = None  # finops.metrics.reconcile.ReconcileSummary: the terms that add up to billed
    coverage: Any = None  # finops.metrics.coverage.Coverage: what joins to logged rows, and why the rest does not
    currency: str = "USD"
    start: date | None = None
    end: date | None = None
    key_columns: tuple[str, ...] = KEY
    kinds: dict[str, str] = field(default_factory=lambda: dict(KINDS))
    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))
    hidden: tuple[str, ...] = ()
    sort: str | None = "delta_usd"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def coverage_line(self) -> str:
        return "" if self.coverage is None else self.coverage.line()

    @property
    def coverage_rows(self) -> pl.DataFrame:
        """What does not join, dollars first (the coverage panel's table)."""
        if self.coverage is None:
            return pl.DataFrame()
        return self.coverage.not_joined.select(
            "usd", "reason", "provider", "project_id", "api_key_id", "model", "tokens", "side", "detail")

    @property
    def summary_line(self) -> str:
        """The reconcile summary as the sum it is: billed = local at catalog + causes + price mismatch + unexplained."""
        if self.terms is None:
            return ""
        if self.terms.nothing_compared:
            return self.terms.line() + f" ({self.terms.nothing_compared})"
        return self.terms.line() + f" ({self.terms.unexplained_pct:.1f}% of billed unexplained)"


@dataclass(frozen=True)
class DrillData:
    title: str
    days: pl.DataFrame  # one row per UTC day (and grain row) of the selection
    chart: ChartSpec
    currency: str = "USD"
    kinds: dict[str, str] = field(default_factory=lambda: dict(KINDS))
    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))
    sort: str | None = "day"
    notes: tuple[str, ...] = field(default_factory=tuple)


def _sum_or_null(col: str) -> pl.Expr:
    """A dollar sum that stays null (unpriced) when any row has no price."""
    return pl.when(pl.col(col).is_null().any()).then(None).otherwise(money_sum(pl.col(col))).alias(col)


def _causes_text(col: str = "causes") -> pl.Expr:
    return pl.col(col).list.join(",").fill_null("")


def roll_up(daily: pl.DataFrame) -> pl.DataFrame:
    """The drift table: daily rows summed over the period per KEY, causes merged."""
    if daily.height == 0:
        return pl.DataFrame(schema={**{k: pl.String for k in KEY}, "local": pl.Int64, "billed": pl.Int64})
    return (
        daily.group_by(list(KEY))
        .agg(
            pl.col("local").sum(), pl.col("billed").sum(), pl.col("delta").sum(),
            _sum_or_null("delta_usd"), _sum_or_null("unexplained_usd"),
            pl.col("causes").explode().drop_nulls().unique().sort().str.join(",").alias("causes"),
            pl.col("day").min().alias("first_day"), pl.col("day").max().alias("last_day"),
        )
        .with_columns(pl.when(pl.col("local") != 0).then(pl.col("delta") / pl.col("local") * 100).alias("delta_pct"))
        .with_columns(short_model(pl.col("model")).alias("model_name"))
        # Dollars first: the columns that matter stay visible in an 80-column terminal.
        .select("delta_usd", "delta_pct", "project_id", "model_name", "token_class", "causes",
                "local", "billed", "delta", "unexplained_usd", "provider", "model", "first_day", "last_day")
        .sort(pl.col("delta_usd").abs(), *KEY, descending=[True, False, False, False, False], nulls_last=True)
    )


def _restrict(daily: pl.DataFrame, findings: pl.DataFrame, filters: Filters,
              feature_projects: Mapping[str, Sequence[str]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Feature filter: the reconciler knows projects, so keep the feature's projects."""
    if not filters.feature:
        return daily, findings
    projects = list(feature_projects.get(filters.feature, ()))
    daily = daily.filter(pl.col("project_id").is_in(projects))
    findings = findings.filter(pl.col("projects").str.split(",").list.eval(pl.element().is_in(projects)).list.any())
    return daily, findings


def load_reconcile(ctx: DashboardContext, filters: Filters) -> ReconcileData:
    start, end = period_of(ctx, filters)
    from finops.metrics.reconcile import run

    result = run(ctx.core, start, end, filters.provider, filters.project)
    daily, findings = _restrict(result.groups, result.causes, filters, ctx.dims.feature_projects)
    if daily.height == 0:
        raise Unavailable(NotAvailable(
            "Reconcile", f"no logged or metered usage between {start} and {end} for these filters",
            "widen the date range or clear filters (f)"))
    findings = findings.select(
        "cause", "dollar_impact", "provenance", "provider", "projects", "models", "start", "end", "tokens", "evidence",
        "details",
    ).sort("dollar_impact", "cause", "provider", descending=[True, False, False])
    notes = ["Δ = metered − logged tokens, priced at the catalog (estimated). The summary prices each cause at the catalog;"
             " a finding's $ impact prices its tokens at the rate billed."]
    if result.summary.get("unpriced_rows"):
        notes.append(f"{int(result.summary['unpriced_rows'])} row(s) unpriced (no catalog price): their $ is blank, not 0.")
    from finops.metrics.coverage import join_coverage
    from finops.metrics.reconcile import reconcile_summary

    if filters.feature:
        notes.append("Join coverage is over the provider/project filter only (the bill knows no features).")
    return ReconcileData(
        groups=roll_up(daily), findings=findings, daily=daily, summary=dict(result.summary),
        terms=reconcile_summary(result, start, end), coverage=join_coverage(result, start, end),
        start=start, end=end, hidden=("provider", "model", "first_day", "last_day"), notes=tuple(notes),
    )


def _model_match(daily: pl.DataFrame, provider: str, models: Sequence[str]) -> pl.Expr:
    """Rows whose model is one of `models` by the one model resolver (gpt-4.1 matches its snapshot
    gpt-4.1-2025-04-14; a display name matches its id), never by a shared prefix."""
    from finops.models.pricing.package import package_identities
    from finops.models.pricing.resolve import identity

    names = daily.select("provider", "model").unique()
    asked = pl.DataFrame({"provider": [provider] * len(models), "model": list(models)})
    ids = identity(pl.concat([names, asked]).unique(), package_identities().select("provider", "model"))
    wanted = asked.join(ids, on=["provider", "model"], how="left")["identity"]
    hit = names.join(ids, on=["provider", "model"], how="left").filter(pl.col("identity").is_in(wanted.implode()))
    return pl.col("model").is_in(hit["model"].implode())


def drill(data: ReconcileData, selection: Mapping[str, Any]) -> DrillData:
    """Daily rows of a drift group (KEY values) or of a finding (provider, projects, models, days)."""
    daily = data.daily
    if selection.get("cause") == "price_mismatch":
        return _price_drill(data, selection)
    if "cause" in selection:
        projects = str(selection["projects"]).split(",")
        rows = daily.filter(
            (pl.col("provider") == selection["provider"]) & pl.col("project_id").is_in(projects)
            & _model_match(daily, str(selection["provider"]), str(selection["models"]).split(",")) & pl.col("day").is_between(selection["start"], selection["end"])
        )
        title = (f"{selection['cause']} · {selection['provider']} {selection['projects']} {selection['models']}"
                 f" · {selection['start']} → {selection['end']}")
    else:
        rows = daily
        for k in KEY:
            rows = rows.filter(pl.col(k) == selection[k])
        title = " · ".join(str(selection[k]) for k in KEY)
    days = rows.select(
        "day", "project_id", short_model(pl.col("model")).alias("model_name"), "token_class", "delta_usd", "delta_pct",
        "local", "billed", "delta", "unexplained_usd", _causes_text().alias("causes"),
    ).sort("day", "project_id", "model_name", "token_class")
    per_day = days.group_by("day").agg(pl.col("local").sum(), pl.col("billed").sum()).sort("day")
    xs = tuple(per_day["day"].to_list())
    chart = ChartSpec(
        "Tokens per day: logged vs metered",
        (Series("logged", xs, tuple(float(v) for v in per_day["local"])),
         Series("metered", xs, tuple(float(v) for v in per_day["billed"]))),
    )
    total = money_total(days["delta_usd"]) if days["delta_usd"].null_count() == 0 else None
    note = f"{days.height} day row(s); Δ $ over them: " + (f"${total:,.2f} (estimated)" if total is not None else "unpriced")
    return DrillData(title=title, days=days, chart=chart, currency=data.currency, notes=(note,))


def _finding_rows(daily: pl.DataFrame, selection: Mapping[str, Any]) -> pl.DataFrame:
    return daily.filter(
        (pl.col("provider") == selection["provider"]) & pl.col("project_id").is_in(str(selection["projects"]).split(","))
        & _model_match(daily, str(selection["provider"]), str(selection["models"]).split(",")) & pl.col("day").is_between(selection["start"], selection["end"])
    )


def _price_drill(data: ReconcileData, selection: Mapping[str, Any]) -> DrillData:
    """A price mismatch per day: metered tokens, billed $/M against catalog $/M, and the dollars apart.

    The reconciler's grain rows carry each row's billed dollars and the same tokens at the
    catalog; summed over the finding's cells they make its $ impact.
    """
    import json

    details = json.loads(selection.get("details") or "{}")
    rows = _finding_rows(data.daily, selection)
    if details.get("token_class"):
        rows = rows.filter(pl.col("token_class") == details["token_class"])
    days = (
        rows.group_by("day")
        .agg(pl.col("billed").sum().alias("metered_tokens"), _sum_or_null("billed_usd"),
             _sum_or_null("billed_usd_at_catalog"), _sum_or_null("price_diff_usd"))
        .with_columns(
            pl.when(pl.col("metered_tokens") > 0).then(pl.col("billed_usd") / pl.col("metered_tokens") * 1e6)
            .alias("billed_per_million"),
            pl.when(pl.col("metered_tokens") > 0).then(pl.col("billed_usd_at_catalog") / pl.col("metered_tokens") * 1e6)
            .alias("catalog_per_million"),
        )
        .select("day", "billed_per_million", "catalog_per_million", "price_diff_usd", "metered_tokens", "billed_usd",
                "billed_usd_at_catalog")
        .sort("day")
    )
    xs = tuple(days["day"].to_list())
    chart = ChartSpec(
        "$ per million tokens: billed vs catalog",
        (Series("billed $/M", xs, tuple(float(v or 0.0) for v in days["billed_per_million"])),
         Series("catalog $/M", xs, tuple(float(v or 0.0) for v in days["catalog_per_million"]))),
    )
    token_class = details.get("token_class", "")
    title = (f"price_mismatch · {selection['provider']} {selection['projects']} {selection['models']} {token_class}"
             f" · {selection['start']} → {selection['end']}")
    diff = days["price_diff_usd"]
    total = money_total(diff) if diff.null_count() == 0 else None
    note = (f"{days.height} day(s); billed − catalog over them: "
            + (f"${total:,.2f} (the finding's $ impact)" if total is not None else "unpriced"))
    return DrillData(title=title, days=days, chart=chart, currency=data.currency, notes=(note,))
