"""Forecasting: beats the planner's baselines, calibrated intervals, trough guard, DST-correct budgets."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from finops.config import ConfigFile
from finops.errors import ConfigError
from models.forecast import budgets
from models.forecast.backtest import backtest
from models.forecast.calendar import CalendarSpec
from models.forecast.guard import trough_guard
from models.forecast.model import forecast
from models.forecast.series import daily_series
from models.forecast.service import outside_interval

SPEC = CalendarSpec(countries={"US": 0.55, "DE": 0.28, "JP": 0.17})


@pytest.fixture(scope="module")
def series(sample_store_path: Path) -> dict[str, pl.DataFrame]:
    from finops.store import Store

    store = Store(sample_store_path)
    return {m: daily_series(store, m, "total").sort("day") for m in ("dollars", "tokens")}


@pytest.mark.parametrize("metric", ["dollars", "tokens"])
def test_model_beats_both_baselines_with_calibrated_intervals(series, metric: str) -> None:
    s = series[metric]
    scores = {sc.model: sc for sc in backtest(s["day"].to_list(), s["value"].to_numpy(), 28, 10, spec=SPEC)}
    assert scores["model"].mase < scores["seasonal_naive_7"].mase
    assert scores["model"].mase < scores["trailing_28d_mean"].mase
    assert 0.75 <= scores["model"].coverage80 <= 0.85
    assert scores["model"].coverage95 >= 0.85


def test_holiday_trough_guard_fires_and_forecast_ignores_the_trough(series) -> None:
    s = series["tokens"].filter(pl.col("day") <= date(2026, 1, 4))
    after = series["tokens"].filter(pl.col("day").is_between(date(2026, 1, 5), date(2026, 2, 1)))["value"].to_numpy()
    days, y = s["day"].to_list(), s["value"].to_numpy()
    warning = trough_guard(days, y, 28, SPEC)
    assert warning is not None and warning.understatement_pct > 5
    assert any("Christmas" in h for h in warning.holidays)
    fc = forecast(days, y, 28, SPEC)
    trailing = y[-28:].mean()
    assert fc.yhat.mean() > 1.1 * trailing  # the trough is not the new baseline
    assert abs(fc.yhat.mean() - after.mean()) < abs(trailing - after.mean()) / 2


def test_no_guard_without_holidays() -> None:
    days = [date(2026, 2, 1) + timedelta(days=i) for i in range(120)]
    y = np.array([100.0 + (5 if d.weekday() < 5 else -40) for d in days])
    assert trough_guard(days, y, 28, CalendarSpec(countries={"US": 1.0})) is None


def test_short_series_falls_back_and_says_so() -> None:
    days = [date(2026, 9, 1) + timedelta(days=i) for i in range(90)]
    fc = forecast(days, np.linspace(10, 20, 90), 14, SPEC)
    assert any("yearly seasonality left out" in n for n in fc.notes)
    tiny = forecast(days[:30], np.full(30, 5.0), 7, SPEC)
    assert tiny.method.startswith("weekday mean") and tiny.notes


def test_intervals_are_ordered(series) -> None:
    s = series["dollars"]
    fc = forecast(s["day"].to_list(), s["value"].to_numpy(), 60, SPEC)
    assert (fc.lo95 <= fc.lo80).all() and (fc.lo80 <= fc.yhat).all() and (fc.yhat <= fc.hi80).all() and (fc.hi80 <= fc.hi95).all()


@pytest.mark.parametrize(
    ("tz", "when", "hours"),
    [
        ("America/Los_Angeles", datetime(2026, 3, 15, tzinfo=timezone.utc), 31 * 24 - 1),  # DST starts Mar 8
        ("America/Los_Angeles", datetime(2026, 11, 15, tzinfo=timezone.utc), 30 * 24 + 1),  # DST ends Nov 1
        ("Europe/Berlin", datetime(2026, 3, 15, tzinfo=timezone.utc), 31 * 24 - 1),  # Mar 29
        ("Europe/Berlin", datetime(2026, 10, 15, tzinfo=timezone.utc), 31 * 24 + 1),  # Oct 25
        ("Asia/Tokyo", datetime(2026, 3, 15, tzinfo=timezone.utc), 31 * 24),
    ],
)
def test_budget_windows_follow_daylight_saving(tz: str, when: datetime, hours: int) -> None:
    start, end = budgets.window(when, tz)
    assert (end - start) == timedelta(hours=hours)
    local = start.astimezone(__import__("zoneinfo").ZoneInfo(tz))
    assert (local.day, local.hour, local.minute) == (1, 0, 0)


def test_budget_window_spans_utc_days_in_proportion() -> None:
    start, end = budgets.window(datetime(2026, 11, 15, tzinfo=timezone.utc), "America/Los_Angeles")
    assert start == datetime(2026, 11, 1, 7, tzinfo=timezone.utc)  # PDT midnight, DST ends later that night
    assert budgets.overlap_share(date(2026, 11, 1), start, end) == pytest.approx(17 / 24)
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(31)]
    assert sum(budgets.overlap_share(d, start, end) for d in days) * 24 == pytest.approx(30 * 24 + 1)


def test_budget_exhaustion_and_probability() -> None:
    b = budgets.Budget("test", 1000.0, "UTC")
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(10)]
    fc_days = [date(2026, 11, 11) + timedelta(days=i) for i in range(20)]
    now = datetime(2026, 11, 11, tzinfo=timezone.utc)
    sure = budgets.status(b, days, np.full(10, 50.0), fc_days, np.full(20, 60.0), np.full(20, 55.0), np.full(20, 65.0), now)
    assert sure.spent_usd == pytest.approx(500.0)
    assert sure.probability_hit == 1.0
    assert sure.hit_at is not None and date(2026, 11, 18) <= sure.hit_at.date() <= date(2026, 11, 20)
    unlikely = budgets.status(b, days, np.full(10, 10.0), fc_days, np.full(20, 10.0), np.full(20, 9.0), np.full(20, 11.0), now)
    assert unlikely.probability_hit == 0.0 and unlikely.hit_at is None


def test_bad_budget_config_names_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "finops.toml"
    path.write_text('[display]\ntimezone = "UTC"\n\n[[budgets]]\nname = "x"\nmonthly_usd = -5\n')
    with pytest.raises(ConfigError, match=r"finops.toml:6: budgets.monthly_usd"):
        budgets.load_budgets(ConfigFile.load(path))


def test_anomaly_days_are_flagged_with_their_size() -> None:
    days = [date(2025, 6, 1) + timedelta(days=i) for i in range(300)]
    rng = np.random.default_rng(3)
    y = np.array([100 * (0.5 if d.weekday() >= 5 else 1.0) for d in days]) * rng.lognormal(0, 0.03, 300)
    y[290] *= 3
    rows = outside_interval(days, y, "total", 60, CalendarSpec(countries={"US": 1.0}))
    flagged = {r[0]: r[6] for r in rows}
    assert days[290] in flagged and flagged[days[290]] > 50
    others = [v for d, v in flagged.items() if d != days[290]]
    assert len(others) <= 8  # noise days outside a 95% band: about 5% of 60, with slack
    assert flagged[days[290]] > 10 * max(abs(v) for v in others)
