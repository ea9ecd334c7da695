"""Reconcile the request log against billed usage and bills: groups, causes and the summary.

`reconcile(store, ...)` is what the CLI, the dashboard, the report and the export call;
`reconcile_frames(...)` is the same on plain lazy frames (no IO), for tests and benches.
All days are UTC days; a display timezone only changes how ranges are printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import polars as pl

from finops.reconcile import causes, drift, prices
from finops.reconcile.coverage import JoinCoverage, join_coverage, lines_without_model
from finops.reconcile.findings import Finding, findings_frame
from finops.reconcile.frames import (
    GRAIN, GROUP, INPUT_CLASSES, LOCAL_CLASSES, RETRY_CLASSES, billed_requests, billed_rows, billed_total, cost_cells,
    WRITE_UNKNOWN, apportion_writes, joined, key_scope, local_coverage, local_fine, local_long, retry_long, scope_keys, unmapped_names,
)
from finops.identity import empty as no_identity, to_provider_ids
from finops.models.money import money_sum, money_total
from finops.reconcile.priced import align_models, noise_by_series, price_groups
from finops.reconcile.thresholds import Thresholds
from finops.store import Store

COUNTS = ["requests", "retries", "broken_streams", "without_counts", WRITE_UNKNOWN]
UNMAPPED = "unmapped"  # grain rows that cannot join: a logged name the identity map and the bill do not know


def _sum_or_unpriced(col: str) -> pl.Expr:
    """A dollar sum that stays null (unpriced) when any of its rows has no price."""
    return pl.when(pl.col(col).is_null().any()).then(None).otherwise(money_sum(pl.col(col))).alias(col)


@dataclass
class ReconcileResult:
    groups: pl.DataFrame  # per grain row: local, billed, delta, prices, billed dollars, causes, unexplained
    causes: pl.DataFrame  # one row per finding (findings.FINDINGS_SCHEMA)
    summary: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Tokens each cause explains per grain row (GRAIN, cause, tokens): lets a summary price every
    # cause at the catalog, so billed = local at catalog + causes + price mismatch + unexplained.
    explained: pl.DataFrame | None = None
    # Which billed tokens and dollars join to logged rows, and why the rest does not (finops.metrics.coverage).
    coverage: JoinCoverage | None = None

    def by(self, period: str = "day") -> pl.DataFrame:
        """Groups rolled up to day or month per provider, model, project, key and token class."""
        key = pl.col("day") if period == "day" else pl.col("day").dt.strftime("%Y-%m")
        return (
            self.groups.group_by(key.alias(period), "provider", "project_id", "api_key_id", "model", "token_class")
            .agg(
                pl.col("local").sum(), pl.col("billed").sum(), pl.col("delta").sum(),
                _sum_or_unpriced("delta_usd"), _sum_or_unpriced("billed_usd"), _sum_or_unpriced("billed_usd_at_catalog"),
                _sum_or_unpriced("price_diff_usd"), pl.col("unexplained").sum(), _sum_or_unpriced("unexplained_usd"),
                pl.col("causes").explode().drop_nulls().unique().sort().str.join(",").alias("causes"),
            )
            .with_columns(pl.when(pl.col("local") != 0).then(pl.col("delta") / pl.col("local") * 100).alias("delta_pct"))
            .sort(period, "provider", "project_id", "api_key_id", "model", "token_class")
        )

    @property
    def exit_code(self) -> int:
        return 3 if self.summary.get("unexplained_pct", 0.0) > self.summary.get("max_unexplained_pct", 2.0) else 0


@dataclass(frozen=True)
class Sides:
    fine: pl.DataFrame  # local rows per day, group, feature and language
    local: pl.DataFrame  # local tokens per GROUP (keys blanked where compared at project level)
    brows: pl.DataFrame  # billed tokens per GRAIN, service tier and context window
    breqs: pl.DataFrame  # billed request counts per GROUP
    unmapped_projects: pl.DataFrame  # (provider, project_id) logged names that join nothing
    unmapped_keys: pl.DataFrame  # (provider, api_key_id) logged names that join nothing
    rest: tuple[pl.DataFrame, ...] = ()


def _local_groups(fine: pl.DataFrame, brows: pl.DataFrame, unmapped_keys: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    sums = [pl.col(c).sum() for c in (*COUNTS, *LOCAL_CLASSES, *[f"retry_{c}" for c in RETRY_CLASSES])]
    local = fine.group_by(GROUP).agg(*sums)
    scope = key_scope(local, brows, unmapped_keys)
    return scope_keys(local, scope).group_by(GROUP).agg(*sums), scope


def _sides(requests: pl.LazyFrame, billed_usage: pl.LazyFrame, *more: pl.LazyFrame,
           days: pl.LazyFrame | None = None, identity: pl.DataFrame | None = None) -> Sides:
    """Both sides collected in one go and brought to a common grain (identity map, aliases, key scope)."""
    identity = no_identity() if identity is None else identity
    requests = to_provider_ids(requests, identity)
    days = None if days is None else to_provider_ids(days, identity)
    fine, brows, breqs, *rest = pl.collect_all(
        [local_fine(requests, days), billed_rows(billed_usage), billed_requests(billed_usage), *more], engine="streaming")
    fine = align_models(fine, brows)
    unmapped_projects, unmapped_keys = unmapped_names(fine, brows, identity)
    local, scope = _local_groups(fine, brows, unmapped_keys)
    local = apportion_writes(local, brows)
    brows = scope_keys(brows, scope).group_by(*GRAIN, "service_tier", "context_window").agg(pl.col("billed").sum())
    breqs = scope_keys(breqs, scope).group_by(GROUP).agg(pl.col("billed_requests").sum())
    return Sides(fine, local, brows, breqs, unmapped_projects, unmapped_keys, tuple(rest))


def history_rows(requests: pl.LazyFrame, billed_usage: pl.LazyFrame, days: pl.LazyFrame | None = None,
                 identity: pl.DataFrame | None = None) -> pl.DataFrame:
    """Local and billed tokens per grain row of a lookback window, for noise and drift baselines."""
    s = _sides(requests, billed_usage, days=days, identity=identity)
    return joined(local_long(s.local), s.brows.group_by(GRAIN).agg(pl.col("billed").sum()))


def _join_failures(groups: pl.DataFrame, local: pl.DataFrame, unmapped_projects: pl.DataFrame) -> pl.DataFrame:
    """Grain rows that cannot join because a logged project name maps to no provider id.

    The logged rows under such a name, and the billed rows of the same provider's projects
    that have no logged row in the period (the candidates the name may stand for), are
    "unmapped": reported in coverage, never as unlogged traffic or drift.
    """
    if unmapped_projects.height == 0:
        return groups.clear()
    logged = local.filter(pl.col("requests") > 0).select("provider", "project_id").unique()
    providers = unmapped_projects.select("provider").unique()
    candidates = (groups.filter(pl.col("billed") > 0).select("provider", "project_id").unique()
                  .join(logged, on=["provider", "project_id"], how="anti").join(providers, on="provider", how="semi"))
    names = pl.concat([unmapped_projects, candidates]).unique()
    return groups.join(names, on=["provider", "project_id"], how="semi")


def reconcile_frames(
    requests: pl.LazyFrame,
    billed_usage: pl.LazyFrame,
    cost_lines: pl.LazyFrame,
    catalog: pl.DataFrame,
    thresholds: Thresholds | None = None,
    history: pl.DataFrame | None = None,
    days: pl.LazyFrame | None = None,
    identity: pl.DataFrame | None = None,
) -> ReconcileResult:
    """The whole reconciliation on lazy frames of the requests, billed_usage and cost_lines tables.

    `history` (history_rows of the days before the period) lets a short period lean on a
    longer baseline for its noise spreads and for a steady drift ratio. `days` (the
    request_days table) stands in for raw requests on the days they do not cover.
    `identity` (finops.identity.identity_map) turns logged project and key names into
    provider ids before the join.
    """
    th = thresholds or Thresholds()
    sides = _sides(requests, billed_usage, cost_cells(cost_lines), billed_total(cost_lines), lines_without_model(cost_lines),
                   days=days, identity=identity)
    fine, local, brows, breqs = sides.fine, sides.local, sides.brows, sides.breqs
    cells, totals, modelless = sides.rest
    base = ["provider", "project_id", "api_key_id", "model", "token_class"]
    groups, tier_rows = price_groups(brows, local_long(local), cells, catalog)
    baseline = groups.select(*GRAIN, "local", "billed", "delta")
    if history is not None and history.height:
        baseline = pl.concat([baseline, history.select(baseline.columns)])
    groups = groups.join(noise_by_series(baseline), on=base, how="left")
    evidence = local.select(*GROUP, *COUNTS).join(breqs, on=GROUP, how="full", coalesce=True).with_columns(
        *[pl.col(c).fill_null(0) for c in (*COUNTS, "billed_requests")]
    )
    features = fine.group_by("provider", "project_id", "feature", "language").agg(
        pl.sum_horizontal(*INPUT_CLASSES).sum().alias("input_tokens")
    )

    by_feature = fine.group_by("day", "provider", "project_id", "model", "feature").agg(
        pl.sum_horizontal(*drift.DRIFT_CLASSES).sum().alias("local"))
    explained: list[pl.DataFrame] = []
    findings: list[Finding] = []
    failures = _join_failures(groups, local, sides.unmapped_projects)
    joins = join_coverage(groups, local, fine, failures, sides.unmapped_projects, sides.unmapped_keys, cells, modelless,
                          catalog.select("provider", "model"), tier_rows)
    if failures.height:
        explained.append(causes.explained_rows(failures.with_columns(pl.col("delta").alias("tokens")), UNMAPPED))

    def residual() -> pl.DataFrame:
        if not explained:
            return groups.with_columns(pl.col("delta").alias("residual"))
        done = pl.concat(explained).group_by(GRAIN).agg(pl.col("tokens").sum())
        return groups.join(done, on=GRAIN, how="left").with_columns(
            (pl.col("delta") - pl.col("tokens").fill_null(0)).alias("residual")).drop("tokens")

    for detect in (
        lambda: causes.unlogged(residual(), evidence, th),
        lambda: causes.retries(residual(), evidence, retry_long(local), th),
        lambda: causes.evictions(residual(), evidence, th),
        lambda: drift.drift(residual(), features, th, history, by_feature),
    ):
        found = detect()
        explained.append(found.explained)
        findings += found.findings
    token_usd = sum(f.dollar_impact or 0.0 for f in findings)
    compared = prices.compare_cells(tier_rows, cells, catalog)
    price_findings = prices.mismatches(compared, th)
    rest = causes.unexplained(residual(), th)
    findings += price_findings + rest.findings

    by_grain = pl.concat(explained).group_by(GRAIN).agg(pl.col("cause").unique().sort().alias("causes"))
    out = residual().join(by_grain, on=GRAIN, how="left").with_columns(
        pl.col("causes").fill_null([]),
        pl.col("residual").alias("unexplained"),
        (pl.col("residual") * pl.col("usd_per_million") / 1e6).alias("unexplained_usd"),
    ).select(
        *GRAIN, "local", "billed", "delta", "delta_pct", "usd_per_million", "price_row_id", "delta_usd",
        "billed_usd", "billed_usd_at_catalog", "price_diff_usd", "causes", "unexplained", "unexplained_usd",
    ).sort(GRAIN)
    # What cannot join, on both sides: billed dollars of the projects an unmapped name may stand
    # for, and the logged tokens under such names at the same rates.
    unmapped_billed = money_total(failures["billed_usd"]) if failures.height else 0.0
    unmapped_logged = float(failures.select(money_sum(pl.col("local") * pl.col("rate") / 1e6)).item()) if failures.height else 0.0
    summary = _summary(out, totals, token_usd, price_findings, cells, compared, th) | local_coverage(fine) | {
        "unmapped_billed_usd": unmapped_billed,
        "unmapped_logged_usd": unmapped_logged,
        "unmapped_projects": sides.unmapped_projects.height,
        "unmapped_keys": sides.unmapped_keys.height,
    }
    explained_tokens = pl.concat(explained).select(*GRAIN, "cause", "tokens") if explained else None
    return ReconcileResult(out, findings_frame(findings), summary, findings, explained_tokens, joins)


def _summary(groups: pl.DataFrame, totals: pl.DataFrame, token_usd: float, price_findings: list[Finding],
             cells: pl.DataFrame, compared: pl.DataFrame, th: Thresholds) -> dict[str, float]:
    usd = totals.filter(pl.col("currency") == "USD")
    billed = money_total(usd["billed"]) if usd.height else 0.0
    at_catalog = money_total(groups["billed_usd_at_catalog"])
    unexplained = money_total(groups["unexplained_usd"].abs())
    base = billed or at_catalog
    pct = unexplained / base * 100 if base else (0.0 if unexplained == 0 else 100.0)
    matched = money_total(compared["cell_billed_usd"]) if compared.height else 0.0
    return {
        "billed_usd": billed,
        "billed_usd_at_catalog": at_catalog,
        "local_usd_at_catalog": money_total(groups["local"] * groups["usd_per_million"] / 1e6),
        "explained_usd": float(token_usd),
        "price_mismatch_usd": float(sum(f.dollar_impact or 0.0 for f in price_findings)),
        "unexplained_usd": unexplained,
        "unexplained_pct": pct,
        "max_unexplained_pct": th.max_unexplained_pct,
        "unpriced_rows": int(groups["usd_per_million"].null_count()),
        "local_tokens": int(groups["local"].sum()),
        "billed_tokens": int(groups["billed"].sum()),
        "billed_usd_without_usage": round(money_total(cells["cell_billed_usd"]) - float(matched or 0.0), 6),
        "non_usd_cost_lines": int(totals.filter(pl.col("currency") != "USD")["lines"].sum()),
    }


def _between(lf: pl.LazyFrame, col: str, since: date | None, until: date | None) -> pl.LazyFrame:
    # Comparing the timestamp itself (not its date) lets Parquet statistics skip row groups.
    if since:
        lf = lf.filter(pl.col(col) >= datetime.combine(since, time(), tzinfo=timezone.utc))
    if until:
        lf = lf.filter(pl.col(col) < datetime.combine(until + timedelta(days=1), time(), tzinfo=timezone.utc))
    return lf


def _only(lf: pl.LazyFrame, provider: str | None, project: str | None, provider_col: str = "provider",
          project_col: str = "project_id") -> pl.LazyFrame:
    if provider:
        lf = lf.filter(pl.col(provider_col).str.to_lowercase() == provider.lower())
    if project:
        lf = lf.filter(pl.col(project_col) == project)
    return lf


def reconcile(
    store: Store,
    since: date | None = None,
    until: date | None = None,
    provider: str | None = None,
    project: str | None = None,
    *,
    catalog: pl.DataFrame,
    thresholds: Thresholds,
    identity: pl.DataFrame | None = None,
) -> ReconcileResult:
    """Reconcile the stored request log, billed usage and cost lines over UTC days [since, until].

    The catalog and thresholds come from the caller's finops.context.Context (`ctx.catalog`,
    `ctx.thresholds`): there is no default here, so every surface prices at the same catalog.
    `identity` (`ctx.identity`) maps the log's project and key names to provider ids.
    """
    requests = _only(_between(store.scan("requests"), "ts", since, until), provider, project)
    days = _stored_days(store, since, until, provider, project)
    usage = _only(_between(store.scan("billed_usage"), "charge_period_start", since, until), provider, project)
    costs = _only(_between(store.scan("cost_lines"), "ChargePeriodStart", since, until), provider, project,
                  "ServiceProviderName", "SubAccountId")
    th = thresholds
    history = None
    if since and th.history_days > 0:
        start = since - timedelta(days=th.history_days)
        history = history_rows(
            _only(_between(store.scan("requests"), "ts", start, since - timedelta(days=1)), provider, project),
            _only(_between(store.scan("billed_usage"), "charge_period_start", start, since - timedelta(days=1)), provider, project),
            _stored_days(store, start, since - timedelta(days=1), provider, project),
            identity,
        )
    return reconcile_frames(requests, usage, costs, catalog, th, history, days, identity)


def _stored_days(store: Store, since: date | None, until: date | None, provider: str | None,
                 project: str | None) -> pl.LazyFrame | None:
    """The request_days rows of the period, or None when the store holds none (the common case)."""
    if not store.months("request_days"):
        return None
    lf = store.scan("request_days")
    if since:
        lf = lf.filter(pl.col("day") >= since)
    if until:
        lf = lf.filter(pl.col("day") <= until)
    return _only(lf, provider, project)
