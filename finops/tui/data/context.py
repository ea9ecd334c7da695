"""What every screen needs to read the store: settings, store, "today" and the dimensions."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import polars as pl

from finops.config import Settings
from finops.store import Store

ENV_TODAY = "FINOPS_TODAY"
SAMPLE_SOURCE = "sample"


def is_sample_source(source: str | None) -> bool:
    return bool(source) and (source == SAMPLE_SOURCE or source.startswith(SAMPLE_SOURCE + ":"))  # type: ignore[union-attr]


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


def _distinct(lf: pl.LazyFrame, column: str) -> pl.LazyFrame:
    return lf.select(pl.col(column).drop_nulls().unique())


def _values(frame: pl.DataFrame) -> list[str]:
    return [v for v in frame.to_series().to_list() if v]


def read_dimensions(store: Store) -> Dimensions:
    cost = store.scan("cost_lines")
    usage = store.scan("billed_usage")
    reqs = store.scan("requests")
    # One pass of queries run together (polars runs them in parallel): this is on the cold-start path.
    queries = {
        "counts": [lf.select(pl.len()) for lf in (cost, usage, reqs)],
        "providers": [_distinct(cost, "ServiceProviderName"), _distinct(usage, "provider"), _distinct(reqs, "provider")],
        "projects": [_distinct(cost, "SubAccountId"), _distinct(usage, "project_id"), _distinct(reqs, "project_id")],
        "sources": [_distinct(cost, "x_Source"), _distinct(usage, "source"), _distinct(reqs, "source")],
        "pairs": [reqs.select("feature", "project_id").unique().drop_nulls()],
        "tagged": [_distinct(cost, "x_Feature")],
        "span": [cost.select(
            pl.col("ChargePeriodStart").min().dt.date().alias("first"),
            pl.col("ChargePeriodStart").max().dt.date().alias("last"),
        )],
    }
    flat = [q for qs in queries.values() for q in qs]
    results = iter(pl.collect_all(flat))
    got = {name: [next(results) for _ in qs] for name, qs in queries.items()}
    counts = [int(f.item()) for f in got["counts"]]
    providers = {p.lower() for f in got["providers"] for p in _values(f)}
    projects = {p for f in got["projects"] for p in _values(f)}
    feature_projects: dict[str, set[str]] = {}
    for feat, proj in got["pairs"][0].iter_rows():
        if feat and proj:
            feature_projects.setdefault(feat, set()).add(proj)
    features = set(feature_projects) | set(_values(got["tagged"][0]))
    span = got["span"][0]
    sources = {s for f in got["sources"] for s in _values(f)}
    return Dimensions(
        providers=tuple(sorted(providers)),
        projects=tuple(sorted(projects)),
        features=tuple(sorted(features)),
        feature_projects={k: tuple(sorted(v)) for k, v in sorted(feature_projects.items())},
        first_day=span["first"][0] if counts[0] else None,
        last_day=span["last"][0] if counts[0] else None,
        sources=tuple(sorted(sources)),
        rows=sum(counts),
    )


def resolve_today(dims: Dimensions, pinned: date | None = None) -> date:
    """The day the dashboard treats as today (UTC).

    A pinned day (parameter, then $FINOPS_TODAY) wins; on the sample, today is the day
    after its last day so month-to-date figures are meaningful; otherwise the UTC date.
    """
    if pinned is not None:
        return pinned
    env = os.environ.get(ENV_TODAY)
    if env:
        return date.fromisoformat(env)
    if dims.sample and dims.last_day is not None:
        return dims.last_day + timedelta(days=1)
    return datetime.now(timezone.utc).date()


@dataclass(frozen=True)
class DashboardContext:
    settings: Settings
    store: Store
    today: date
    dims: Dimensions

    @property
    def reporting_currency(self) -> str:
        value = self.settings.config.section("display").get("reporting_currency", "USD")
        return str(value).upper()

    def section(self, dotted: str) -> dict:
        return self.settings.config.section(dotted)

    @classmethod
    def open(cls, settings: Settings, today: date | None = None) -> "DashboardContext":
        store = Store(settings.store_dir)
        dims = with_configured_features(read_dimensions(store), settings)
        return cls(settings, store, resolve_today(dims, today), dims)


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
