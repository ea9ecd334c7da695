"""Prefix growth and TTL advice (issue 21 items 2-3, docs/cache.md), on frames built here and in [cache]."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from finops.config import ConfigFile
from finops.errors import ConfigError
from finops.models.cache import prefix, ttl
from finops.models.cache.money import rates
from finops.models.pricing.catalog import load_catalog
from finops.services.cache import settings

START = datetime(2026, 6, 1, tzinfo=timezone.utc)  # a Monday
SONNET = "claude-sonnet-4-5-20250929"


def _requests(weeks: int, growth: float, per_day: int = 24, feature: str = "agent") -> pl.DataFrame:
    rows = []
    for d in range(weeks * 7):
        for i in range(per_day):
            size = 10_000 * (1 + growth) ** (d / 7) * (0.8 + 0.4 * ((i * 37) % 11) / 10)
            rows.append({"ts": START + timedelta(days=d, minutes=60 * i), "feature": feature, "provider": "anthropic",
                         "model": SONNET, "prefix_tokens": int(size)})
    return pl.DataFrame(rows, schema=prefix.PREFIX_ROWS)


def _cost(feature: str = "agent") -> pl.DataFrame:
    return pl.DataFrame({"feature": [feature], "requests_30d": [720.0], "usd_per_prefix_token": [0.3e-6]})


def test_a_growing_prefix_is_measured_and_is_a_finding() -> None:
    reqs = _requests(14, 0.05)
    end = (START + timedelta(weeks=14) - timedelta(days=1)).date()  # a Sunday: the last week is complete
    out = prefix.growth(prefix.weekly(reqs), _cost(), end, prefix.GrowthRule())
    row = out.row(0, named=True)
    assert row["weeks"] == 12
    assert row["growth_pct_per_week"] == pytest.approx(5.0, abs=0.3)
    assert row["finding"] is True
    assert row["p90_last"] > row["median_last"] > row["median_first"]
    expected = (row["median_last"] - row["median_first"]) * 720 * 0.3e-6
    assert row["added_usd_per_month"] == pytest.approx(expected)


def test_a_steady_prefix_is_not_a_finding_and_unpriced_stays_unpriced() -> None:
    reqs = _requests(14, 0.0)
    end = (START + timedelta(weeks=14) - timedelta(days=1)).date()
    cost = _cost().with_columns(pl.lit(None, pl.Float64).alias("usd_per_prefix_token"))
    row = prefix.growth(prefix.weekly(reqs), cost, end, prefix.GrowthRule()).row(0, named=True)
    assert abs(row["growth_pct_per_week"]) < 0.5 and row["finding"] is False
    assert row["added_usd_per_month"] is None


def test_too_few_weeks_give_no_trend() -> None:
    reqs = _requests(3, 0.05)
    end = (START + timedelta(weeks=3) - timedelta(days=1)).date()
    assert prefix.growth(prefix.weekly(reqs), _cost(), end, prefix.GrowthRule()).height == 0


def _arrivals(minutes: float, n: int = 500, provider: str = "anthropic", model: str = SONNET) -> pl.DataFrame:
    return pl.DataFrame({"ts": [START + timedelta(minutes=minutes * i) for i in range(n)], "feature": ["f"] * n,
                         "provider": [provider] * n, "model": [model] * n, "prefix_tokens": [20_000] * n},
                        schema=prefix.PREFIX_ROWS)


def _rates(provider: str = "anthropic", model: str = SONNET) -> pl.DataFrame:
    keys = pl.DataFrame({"day": [date(2026, 6, 1)], "provider": [provider], "model": [model]})
    return rates(keys, load_catalog()).drop("day")


def test_ttl_advice_one_hour_for_ten_minute_gaps_five_minutes_for_two() -> None:
    slow = ttl.advice(_arrivals(10), _rates(), 30).row(0, named=True)
    # every gap is 10 minutes: 5m TTL writes every time ($3.75/M), 1h TTL reads after the first write ($0.30/M)
    assert slow["advice"] == "1h"
    assert slow["usd_per_month_5m"] == pytest.approx(500 * 20_000 * 3.75 / 1e6)
    assert slow["usd_per_month_1h"] == pytest.approx((20_000 * 6.0 + 499 * 20_000 * 0.30) / 1e6)
    assert slow["saving_usd_per_month"] == pytest.approx(slow["usd_per_month_5m"] - slow["usd_per_month_1h"])
    fast = ttl.advice(_arrivals(2), _rates(), 30).row(0, named=True)
    assert fast["advice"] == "5m" and fast["within_5m"] == pytest.approx(499 / 500)
    assert fast["saving_usd_per_month"] == pytest.approx(20_000 * (6.0 - 3.75) / 1e6)


def test_openai_is_modelled_as_billed_without_advice() -> None:
    model = "gpt-4.1-mini-2025-04-14"
    row = ttl.advice(_arrivals(10, provider="openai", model=model), _rates("openai", model), 30).row(0, named=True)
    assert row["advice"].startswith("automatic")
    assert row["usd_per_month_5m"] is None and row["saving_usd_per_month"] is None
    # every gap above 5 minutes: the prefix is billed uncached ($0.40/M for gpt-4.1-mini)
    assert row["usd_per_month_automatic"] == pytest.approx(500 * 20_000 * 0.40 / 1e6)


@pytest.mark.parametrize("text,key", [
    ("[cache]\nmiss_min_drop = 2\n", "cache.miss_min_drop"),
    ("[cache]\nprefix_window_weeks = 0\n", "cache.prefix_window_weeks"),
    ("[cache]\nprefix_growth_max_pct_per_week = 'fast'\n", "cache.prefix_growth_max_pct_per_week"),
    ("[cache]\nmiss_window_days = 5\nmiss_min_days = 9\n", "cache.miss_min_days"),
    ("[cache]\ncolour = 1\n", "cache.colour"),
])
def test_bad_cache_settings_are_one_line_errors_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "finops.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        settings(ConfigFile.load(path))
    msg = err.value.one_line()
    assert key in msg and str(path) in msg and "\n" not in msg


def test_cache_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "finops.toml"
    path.write_text("[cache]\nmiss_min_drop = 0.4\nprefix_growth_max_pct_per_week = 3.5\nttl_window_days = 14\n")
    conf = settings(ConfigFile.load(path))
    assert (conf.miss.min_drop, conf.growth.max_pct_per_week, conf.ttl_window_days) == (0.4, 3.5, 14)
