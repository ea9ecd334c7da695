"""Budgets and quotas: DST-correct windows, exhaustion date and hour, probability, config errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from finops.config import ConfigFile
from finops.errors import ConfigError
from finops.models.forecast import budgets
from finops.services.forecast import load_budgets


@pytest.mark.parametrize(
    ("tz", "when", "hours"),
    [
        ("America/Los_Angeles", datetime(2026, 3, 15, tzinfo=timezone.utc), 31 * 24 - 1),  # DST starts Mar 8
        ("America/Los_Angeles", datetime(2026, 11, 15, tzinfo=timezone.utc), 30 * 24 + 1),  # DST ends Nov 1
        ("Europe/Berlin", datetime(2026, 3, 15, tzinfo=timezone.utc), 31 * 24 - 1),  # Mar 29
        ("Europe/Berlin", datetime(2026, 10, 15, tzinfo=timezone.utc), 31 * 24 + 1),  # Oct 25
        ("Asia/Tokyo", datetime(2026, 3, 15, tzinfo=timezone.utc), 31 * 24),
        ("Australia/Sydney", datetime(2026, 4, 15, tzinfo=timezone.utc), 30 * 24 + 1),  # southern DST ends Apr 5
    ],
)
def test_budget_windows_follow_daylight_saving(tz: str, when: datetime, hours: int) -> None:
    start, end = budgets.window(when, tz)
    assert (end - start) == timedelta(hours=hours)
    local = start.astimezone(ZoneInfo(tz))
    assert (local.day, local.hour, local.minute) == (1, 0, 0)
    assert end.astimezone(ZoneInfo(tz)).day == 1 and end.astimezone(ZoneInfo(tz)).hour == 0


def test_window_of_an_instant_just_before_local_midnight_is_the_local_month() -> None:
    # 2026-03-01 07:30 UTC is still February in Los Angeles (23:30 PST).
    start, end = budgets.window(datetime(2026, 3, 1, 7, 30, tzinfo=timezone.utc), "America/Los_Angeles")
    assert start == datetime(2026, 2, 1, 8, tzinfo=timezone.utc) and end == datetime(2026, 3, 1, 8, tzinfo=timezone.utc)


def test_dst_start_and_end_days_count_their_real_hours() -> None:
    """The day DST starts has 23 local hours, the day it ends 25; UTC-day buckets split at the right hour."""
    start, end = budgets.window(datetime(2026, 3, 15, tzinfo=timezone.utc), "America/Los_Angeles")
    assert start == datetime(2026, 3, 1, 8, tzinfo=timezone.utc)  # PST midnight
    assert end == datetime(2026, 4, 1, 7, tzinfo=timezone.utc)  # PDT midnight, after DST started Mar 8
    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(32)]
    shares = {d: budgets.overlap_share(d, start, end) for d in days}
    assert shares[date(2026, 3, 1)] == pytest.approx(16 / 24)
    assert shares[date(2026, 3, 8)] == pytest.approx(1.0)  # a UTC day is 24 h whatever LA's clocks do
    assert shares[date(2026, 4, 1)] == pytest.approx(7 / 24)
    assert sum(shares.values()) * 24 == pytest.approx(31 * 24 - 1)

    start, end = budgets.window(datetime(2026, 11, 15, tzinfo=timezone.utc), "America/Los_Angeles")
    assert start == datetime(2026, 11, 1, 7, tzinfo=timezone.utc)  # PDT midnight, DST ends later that night
    assert budgets.overlap_share(date(2026, 11, 1), start, end) == pytest.approx(17 / 24)
    nov = [date(2026, 11, 1) + timedelta(days=i) for i in range(31)]
    assert sum(budgets.overlap_share(d, start, end) for d in nov) * 24 == pytest.approx(30 * 24 + 1)


def test_hour_profile_weights_partial_days() -> None:
    start, end = budgets.window(datetime(2026, 11, 15, tzinfo=timezone.utc), "America/Los_Angeles")
    night = np.zeros(24)
    night[:7] = 1.0  # all traffic 00:00-07:00 UTC: before the LA month starts on Nov 1
    assert budgets.overlap_share(date(2026, 11, 1), start, end, night / night.sum()) == 0.0
    assert budgets.overlap_share(date(2026, 12, 1), start, end, night / night.sum()) == pytest.approx(1.0)


def test_budget_exhaustion_and_probability() -> None:
    b = budgets.Budget("test", 1000.0, "UTC")
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(10)]
    fc_days = [date(2026, 11, 11) + timedelta(days=i) for i in range(20)]
    now = datetime(2026, 11, 11, tzinfo=timezone.utc)
    sure = budgets.status(b, days, np.full(10, 50.0), fc_days, np.full(20, 60.0), np.full(20, 55.0), np.full(20, 65.0), now)
    assert sure.spent == pytest.approx(500.0) and sure.spent_usd == sure.spent
    assert sure.probability_hit == 1.0
    assert sure.hit_at is not None and date(2026, 11, 18) <= sure.hit_at.date() <= date(2026, 11, 20)
    unlikely = budgets.status(b, days, np.full(10, 10.0), fc_days, np.full(20, 10.0), np.full(20, 9.0), np.full(20, 11.0), now)
    assert unlikely.probability_hit == 0.0 and unlikely.hit_at is None


def test_exhaustion_hour_from_paths_in_both_timezones() -> None:
    """Flat 100/day from exact paths: a 1,452-token cap is passed in the 10:00-11:00 UTC hour of June 15."""
    b = budgets.Budget("quota", None, "Europe/Berlin", monthly_tokens=1452.0)
    start, _ = budgets.window(datetime(2026, 6, 10, tzinfo=timezone.utc), "Europe/Berlin")
    assert start == datetime(2026, 5, 31, 22, tzinfo=timezone.utc)  # CEST midnight
    fc_days = [date(2026, 5, 31) + timedelta(days=i) for i in range(32)]
    paths = np.full((50, 32), 100.0)
    st = budgets.status(b, [], np.array([]), fc_days, paths[0], paths[0], paths[0], datetime(2026, 5, 31, 22, tzinfo=timezone.utc),
                        paths=paths)
    # 2 h of May 31 (UTC) are in the window: 8.33; June 1-14 add 1,400; 43.67 more is 10.5 h of June 15.
    assert st.probability_hit == 1.0
    assert st.hit_at == datetime(2026, 6, 15, 10, tzinfo=timezone.utc)
    assert st.hit_in("Europe/Berlin") == "2026-06-15 12:00 CEST"
    assert st.hit_in("America/Los_Angeles") == "2026-06-15 03:00 PDT"
    assert st.expected == pytest.approx(100 * 30, rel=1e-6)  # June is 30 Berlin days: 2 h + 29 d + 22 h
    assert b.fmt(st.expected) == "3,000 tokens"


def test_already_hit_reports_the_hour_it_happened() -> None:
    b = budgets.Budget("cap", 250.0, "UTC")
    days = [date(2026, 7, 1) + timedelta(days=i) for i in range(5)]
    profile = np.zeros(24)
    profile[12:18] = 1.0  # all spend 12:00-18:00 UTC
    st = budgets.status(b, days, np.full(5, 100.0), [date(2026, 7, 6)], np.array([100.0]), np.array([90.0]),
                        np.array([110.0]), datetime(2026, 7, 6, tzinfo=timezone.utc), hour_profile=profile)
    assert st.already_hit and st.probability_hit == 1.0
    assert st.hit_at == datetime(2026, 7, 3, 14, tzinfo=timezone.utc)  # 200 by Jul 2, +50 = half of Jul 3's 6 hours


def _config(tmp_path: Path, body: str) -> ConfigFile:
    path = tmp_path / "finops.toml"
    path.write_text(body)
    return ConfigFile.load(path)


def test_bad_budget_config_names_key_and_line(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '[display]\ntimezone = "UTC"\n\n[[budgets]]\nname = "x"\nmonthly_usd = -5\n')
    with pytest.raises(ConfigError, match=r"finops.toml:6: budgets.monthly_usd"):
        load_budgets(cfg)
    with pytest.raises(ConfigError, match=r"exactly one of monthly_usd or monthly_tokens"):
        load_budgets(_config(tmp_path, '[[budgets]]\nname = "x"\nmonthly_usd = 5\nmonthly_tokens = 9\n'))
    with pytest.raises(ConfigError, match=r"unknown timezone 'Mars/Base'"):
        load_budgets(_config(tmp_path, '[[budgets]]\nname = "x"\nmonthly_usd = 5\nreset_timezone = "Mars/Base"\n'))


def test_token_quotas_load_only_when_asked(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '[[budgets]]\nname = "a"\nmonthly_usd = 5\n\n[[budgets]]\nname = "q"\nmonthly_tokens = 1_000_000\n')
    assert [b.name for b in load_budgets(cfg)] == ["a"]  # callers that only handle dollars
    both = load_budgets(cfg, ("usd", "tokens"))
    assert [(b.name, b.unit, b.cap) for b in both] == [("a", "usd", 5.0), ("q", "tokens", 1e6)]


def test_budget_statuses_on_the_sample_match_the_store(sample_store, sample_dir: Path) -> None:
    """As of mid-March 2026 (DST started Mar 8 in LA): spend so far equals the store's, to the cent."""
    from finops.services.forecast import budget_statuses

    cfg = ConfigFile.load(sample_dir / "finops.toml")
    now = datetime(2026, 3, 15, tzinfo=timezone.utc)
    statuses = {s.budget.name: s for s in budget_statuses(sample_store, cfg, now=now)}
    assert set(statuses) == {"AI inference (all providers)", "Anthropic agents workspace", "OpenAI token quota"}

    lines = sample_store.scan("cost_lines").filter(
        pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency") == "USD")
    ).with_columns(pl.col("ChargePeriodStart").dt.date().alias("day"))
    daily = lines.group_by("day").agg(pl.col("BilledCost").sum()).collect()
    by_day = dict(zip(daily["day"], daily["BilledCost"]))
    # LA month from 2026-03-01 08:00 UTC: 16/24 of Mar 1, then all of Mar 2..14 (Mar 15 has not begun).
    expected = by_day[date(2026, 3, 1)] * 16 / 24 + sum(by_day[date(2026, 3, d)] for d in range(2, 15))
    total = statuses["AI inference (all providers)"]
    assert total.spent == pytest.approx(expected, abs=0.005)
    assert total.window_end - total.window_start == timedelta(hours=31 * 24 - 1)
    assert total.lo80 <= total.expected <= total.hi80

    usage = sample_store.scan("billed_usage").filter(
        (pl.col("provider") == "openai") & (pl.col("unit") == "tokens")
        & (pl.col("charge_period_start").dt.date().is_between(date(2026, 3, 1), date(2026, 3, 14)))
    ).select(pl.col("quantity").sum()).collect().item()
    quota = statuses["OpenAI token quota"]
    assert quota.budget.unit == "tokens" and quota.spent == pytest.approx(usage)
    assert 0.0 <= quota.probability_hit <= 1.0
