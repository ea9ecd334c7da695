"""What every screen needs: the core finops.context.Context plus the filter dimensions.

The dashboard builds one core Context at start (`DashboardContext.open`); every loader
reads the store, catalog, FX rates, thresholds and "today" from it, never on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import polars as pl

from finops.config import Settings
from finops.context import ENV_TODAY, SAMPLE_SOURCE, Context, is_sample_source  # noqa: F401  (re-exported)
from finops.context import resolve_today as _resolve_today
from finops.store import Store


@dataclass(frozen=True)
class Dimensions:
    """The values the filters can take and the span of the data, read once per refresh."""

    providers: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    feature_projects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    first_day: date | None = None
    last_day: date | None = None  # last UTC day with cost lines
    sources: tuple[str, ...] = ()
    rows: int = 0  # rows across all tables

    @property
    def empty(self) -> bool:
        return self.rows == 0

    @property
    def sample(self) -> bool:
        """True when any stored row comes from the embedded sample."""
        return any(is_sample_source(s) for s in self.sources)


def _values(frame: pl.DataFrame, column: str) -> set[str]:
    return {v for v in frame[column].to_list() if v}


def read_dimensions(store: Store) -> Dimensions:
    """Providers, projects, features, sources and the span, from one streaming group-by per table.

    Each table is scanned once down to its distinct combinations (a few hundred rows), so
    memory does not grow with the table: the requests table can hold tens of millions of rows.
    """
    cps = pl.col("ChargePeriodStart")
    queries = [
        store.scan("cost_lines").group_by("ServiceProviderName", "SubAccountId", "x_Source", "x_Feature").agg(
            pl.len().alias("rows"), cps.min().dt.date().alias("first"), cps.max().dt.date().alias("last")),
        store.scan("billed_usage").group_by("provider", "project_id", "source").agg(pl.len().alias("rows")),
        store.scan("requests").group_by("provider", "project_id", "source", "feature").agg(pl.len().alias("rows")),
    ]
    # On the cold-start path: polars runs the three scans in parallel.
    cost, usage, reqs = pl.collect_all(queries, engine="streaming")
    providers = {p.lower() for p in _values(cost, "ServiceProviderName") | _values(usage, "provider") | _values(reqs, "provider")}
    projects = _values(cost, "SubAccountId") | _values(usage, "project_id") | _values(reqs, "project_id")
    feature_projects: dict[str, set[str]] = {}
    for feat, proj in reqs.select("feature", "project_id").iter_rows():
        if feat and proj:
            feature_projects.setdefault(feat, set()).add(proj)
    features = set(feature_projects) | _values(cost, "x_Feature")
    sources = _values(cost, "x_Source") | _values(usage, "source") | _values(reqs, "source")
    return Dimensions(
        providers=tuple(sorted(providers)),
        projects=tuple(sorted(projects)),
        features=tuple(sorted(features)),
        feature_projects={k: tuple(sorted(v)) for k, v in sorted(feature_projects.items())},
        first_day=cast(date, cost["first"].min()) if cost.height else None,
        last_day=cast(date, cost["last"].max()) if cost.height else None,
        sources=tuple(sorted(sources)),
        rows=int(cost["rows"].sum()) + int(usage["rows"].sum()) + int(reqs["rows"].sum()),
    )


def resolve_today(dims: Dimensions, pinned: date | None = None) -> date:
    """The day the dashboard treats as today (UTC): finops.context.resolve_today over the dimensions."""
    return _resolve_today(dims.last_day, dims.sample, pinned)


@dataclass(frozen=True)
class DashboardContext:
    core: Context
    dims: Dimensions

    @property
    def settings(self) -> Settings:
        return self.core.settings

    @property
    def store(self) -> Store:
        return self.core.store

    @property
    def today(self) -> date:
        return self.core.today

    @property
    def reporting_currency(self) -> str:
        return self.core.reporting_currency

    def section(self, dotted: str) -> dict:
        return self.core.section(dotted)

    @classmethod
    def open(cls, settings: Settings, today: date | None = None) -> "DashboardContext":
        store = Store(settings.store_dir)
        dims = with_configured_features(read_dimensions(store), settings)
        # Today comes from the dimensions already read, so the core context needs no second scan.
        return cls(Context.build(settings, today=resolve_today(dims, today), store=store), dims)


def with_configured_features(dims: Dimensions, settings: Settings) -> Dimensions:
    """Add the sub-accounts `[cogs.features]` assigns to a feature (vendor projects, say)."""
    from dataclasses import replace

    mapping = settings.config.section("cogs").get("features", {})
    if not isinstance(mapping, dict) or not mapping:
        return dims
    merged = {k: set(v) for k, v in dims.feature_projects.items()}
    for project, feature in mapping.items():
        if isinstance(feature, str):
            merged.setdefault(feature, set()).add(str(project))
    return replace(
        dims,
        feature_projects={k: tuple(sorted(v)) for k, v in sorted(merged.items())},
        features=tuple(sorted(set(dims.features) | set(merged))),
    )
