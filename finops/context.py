"""The one context every figure is computed in: store, config, prices, FX, thresholds, as-of day.

Built once at each entry point (a CLI command, the dashboard's start, a scheduled export)
with `Context.build(...)` and passed down. Nothing below an entry point reads the config
for these on its own or falls back to a default catalog: with `[pricing] override` set,
every surface prices at the merged catalog because every surface gets it from here.

Each part is read on first use and then kept (cached_property), so a command that needs
no prices never reads the catalog, yet two parts of one command never see two catalogs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from finops.config import Settings
from finops.store import Store

if TYPE_CHECKING:
    from finops.models.cogs.fx import CurrencySettings, Rates
    from finops.models.forecast.calendar import CalendarSpec
    from finops.reconcile.thresholds import Thresholds
    from finops.services.cogs import CogsSetup
    from finops.services.price_pin import ListPrices

ENV_TODAY = "FINOPS_TODAY"
SAMPLE_SOURCE = "sample"


def is_sample_source(source: str | None) -> bool:
    return bool(source) and (source == SAMPLE_SOURCE or source.startswith(SAMPLE_SOURCE + ":"))  # type: ignore[union-attr]


def resolve_today(last_day: date | None, sample: bool, pinned: date | None = None) -> date:
    """The day figures treat as today (UTC): the first day with no complete data.

    A pinned day (parameter, then $FINOPS_TODAY) wins; on the sample, today is the day
    after its last day so month-to-date figures are meaningful; otherwise the UTC date.
    """
    if pinned is not None:
        return pinned
    env = os.environ.get(ENV_TODAY)
    if env:
        try:
            return date.fromisoformat(env)
        except ValueError:
            from finops.errors import InputError

            raise InputError(f"${ENV_TODAY}: {env!r} is not a YYYY-MM-DD date") from None
    if sample and last_day is not None:
        return last_day + timedelta(days=1)
    return datetime.now(timezone.utc).date()


def data_span(store: Store) -> tuple[date | None, bool]:
    """The last UTC day with cost lines, and whether any cost line comes from the sample."""
    out = (
        store.scan("cost_lines")
        .select(pl.col("ChargePeriodStart").max().dt.date().alias("last"), pl.col("x_Source").unique().implode().alias("src"))
        .collect()
    )
    if out.height == 0:
        return None, False
    sources = out["src"][0].to_list() if out["src"][0] is not None else []
    return out["last"][0], any(is_sample_source(s) for s in sources)


@dataclass(frozen=True)
class Context:
    """What every figure is computed from. Build with `Context.build`; never per module."""

    settings: Settings
    store: Store
    pinned_today: date | None = None
    catalog_flag: Path | None = None  # a --catalog option: merged over the default instead of [pricing] override
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, settings: Settings, *, today: date | None = None, catalog: Path | None = None,
              store: Store | None = None) -> "Context":
        return cls(settings, store or Store(settings.store_dir), today, catalog)

    @property
    def config(self):  # type: ignore[no-untyped-def]
        return self.settings.config

    def section(self, dotted: str) -> dict[str, Any]:
        return self.settings.config.section(dotted)

    @cached_property
    def _span(self) -> tuple[date | None, bool]:
        return data_span(self.store)

    @property
    def last_data_day(self) -> date | None:
        return self._span[0]

    @cached_property
    def today(self) -> date:
        """The as-of day: figures use complete UTC days before it (see resolve_today)."""
        if self.pinned_today is not None:
            return self.pinned_today
        last, sample = self._span
        return resolve_today(last, sample)

    @property
    def as_of(self) -> date:
        """The last complete UTC day: the day before today."""
        return self.today - timedelta(days=1)

    @cached_property
    def catalog(self) -> pl.DataFrame:
        """The configured price catalog: list prices (genai-prices data + catalog.csv), --catalog or
        [pricing] override merged over them, then the [pricing] overrides rate card (other
        currencies converted with this context's FX rates, day by day up to today)."""
        from finops.services.pricing import configured_catalog

        return configured_catalog(self.settings.config, self.catalog_flag, rates=lambda: self.fx, last_day=self.today,
                                  listed=self.list_prices.frame)

    @cached_property
    def list_prices(self) -> "ListPrices":
        """The list prices under the catalog: pinned in the data directory once it holds data, so
        stored history keeps its prices across package upgrades (finops.services.price_pin)."""
        from finops.services.price_pin import list_prices_of

        return list_prices_of(self.settings.data_dir,
                              lambda: any(self.store.months(t) for t in ("cost_lines", "billed_usage", "requests")))

    @cached_property
    def currency_settings(self) -> "CurrencySettings":
        from finops.services.currency import currency_settings

        return currency_settings(self.settings.config)

    @property
    def reporting_currency(self) -> str:
        return self.currency_settings.reporting_currency

    @cached_property
    def fx(self) -> "Rates":
        """The dated exchange rates of [display] fx_rates (empty when none is configured)."""
        from finops.models.cogs.fx import Rates

        return Rates.load(self.currency_settings)

    @cached_property
    def identity(self) -> pl.DataFrame:
        """[identity]: the log's project and key names -> provider ids (empty when none is configured)."""
        from finops.identity import identity_map

        return identity_map(self.settings.config)

    @cached_property
    def cogs_setup(self) -> "CogsSetup":
        """[cogs] rules with this context's currency, FX rates and price catalog (the token_cost driver's prices)."""
        from finops.services.cogs import CogsSetup
        from finops.services.cogs_rules import parse_rules

        return CogsSetup(parse_rules(self.settings.config), self.currency_settings, self.fx, self.catalog)

    @cached_property
    def thresholds(self) -> "Thresholds":
        from finops.reconcile.thresholds import Thresholds

        return Thresholds.from_config(self.settings.config)

    @cached_property
    def calendar(self) -> "CalendarSpec":
        """[forecast] countries: the holiday calendar every forecast uses."""
        from finops.services.forecast import calendar_spec

        return calendar_spec(self.settings.config)
