"""COGS from the store: read the stored tables and finops.toml, call the pure COGS models.

The CLI and the dashboard call these; everything below them is pure functions over
polars frames. `months=None` means every month with cost lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from finops.config import ConfigFile
from finops.errors import InputError
from finops.models.cogs import allocate as _allocate
from finops.models.cogs import drivers as _drivers
from finops.models.cogs import review as _review
from finops.models.cogs import statement as _statement
from finops.models.cogs import unit_economics as _ue
from finops.models.cogs import whatif as _whatif
from finops.models.cogs.fx import CurrencySettings, Rates
from finops.models.cogs.rules import CogsRules
from finops.services.cogs_rules import parse_rules
from finops.services.currency import currency_settings
from finops.store import Store


@dataclass(frozen=True)
class CogsSetup:
    """The parsed `[cogs]` rules, the reporting currency and its rates, and the price catalog.

    The catalog weighs each feature's tokens (the `token_cost` driver) and prices what-ifs:
    it is the context's (default merged with `[pricing] override`, `Context.cogs_setup`), never a default of its own.
    """

    rules: CogsRules
    currency: CurrencySettings
    rates: Rates
    catalog: pl.DataFrame

    @classmethod
    def from_config(cls, config: ConfigFile, catalog: pl.DataFrame) -> "CogsSetup":
        currency = currency_settings(config)
        return cls(parse_rules(config), currency, Rates.load(currency), catalog)

    @property
    def reporting_currency(self) -> str:
        return self.currency.reporting_currency


def months_with_costs(store: Store) -> list[str]:
    frame = store.scan("cost_lines").select(pl.col("ChargePeriodStart").dt.strftime("%Y-%m").unique().alias("m")).collect()
    return sorted(m for m in frame["m"].to_list() if m)


def _check_month(month: str) -> str:
    try:
        date.fromisoformat(month + "-01")
    except ValueError:
        raise InputError(f"--month: expected YYYY-MM, got {month!r}") from None
    return month


def _span(months: list[str]) -> tuple[date, date]:
    first = date.fromisoformat(min(months) + "-01")
    last = date.fromisoformat(max(months) + "-01")
    end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return first, end


def load_lines(store: Store, months: list[str]) -> pl.DataFrame:
    return (
        store.scan("cost_lines")
        .filter(pl.col("ChargePeriodStart").dt.strftime("%Y-%m").is_in(months))
        .collect()
    )


def requests_for(store: Store, months: list[str]) -> pl.LazyFrame:
    start, end = _span(months)
    return _drivers.window(store.scan("requests"), start, end)


def resolve_months(store: Store, months: list[str] | None) -> list[str]:
    available = months_with_costs(store)
    if months is None:
        return available
    for m in months:
        _check_month(m)
        if m not in available:
            span = f"{available[0]}..{available[-1]}" if available else "none"
            raise InputError(f"no cost lines for {m} in {store.root}; months with cost lines: {span}")
    return months


def allocation(store: Store, setup: CogsSetup, months: list[str] | None = None) -> pl.DataFrame:
    """Every cost line of the months, allocated to (feature, project) in both currencies."""
    months = resolve_months(store, months)
    if not months:
        return pl.DataFrame()
    lines = load_lines(store, months)
    table = _drivers.build_drivers(lines, requests_for(store, months), setup.rules, setup.catalog)
    return _allocate.allocate(lines, table, setup.rules, setup.rates, setup.reporting_currency)


def tasks(store: Store, months: list[str]) -> pl.DataFrame:
    return _drivers.tasks_by_month(requests_for(store, months)).filter(pl.col("month").is_in(months))


def unit_economics(store: Store, setup: CogsSetup, month: str | None = None) -> pl.DataFrame:
    """Cost per task, per 1,000 tasks, inference share and margin per feature (one month or all)."""
    months = resolve_months(store, [month] if month else None)
    alloc = allocation(store, setup, months)
    if alloc.height == 0:
        return alloc
    return _ue.unit_economics(alloc, tasks(store, months), setup.rules)


def statement(store: Store, setup: CogsSetup, month: str, kind: str, owner: str) -> _statement.Statement:
    alloc = allocation(store, setup, [month])
    return _statement.statement(alloc, month, kind, owner, setup.rules)


def review(store: Store, setup: CogsSetup, month: str | None = None) -> pl.DataFrame:
    """Human review per feature: items, cost, cost per item and the share of tasks sent to review."""
    months = resolve_months(store, [month] if month else None)
    alloc = allocation(store, setup, months)
    if alloc.height == 0:
        return alloc
    return _review.review_summary(alloc, load_lines(store, months), tasks(store, months), setup.rules)


def billed_usage(store: Store, months: list[str]) -> pl.DataFrame:
    return (
        store.scan("billed_usage")
        .filter(pl.col("charge_period_start").dt.strftime("%Y-%m").is_in(months))
        .select("charge_period_start", "provider", "model", "project_id", "token_class", "quantity")
        .collect()
    )


def what_if(store: Store, setup: CogsSetup, month: str, scenario: _whatif.Scenario) -> pl.DataFrame:
    alloc = allocation(store, setup, [month])
    return _whatif.what_if(
        alloc, billed_usage(store, [month]), tasks(store, [month]), scenario, setup.rates, setup.reporting_currency,
        setup.catalog,
    )
