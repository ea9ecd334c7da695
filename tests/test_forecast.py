"""Forecasting: beats the planner's baselines, calibrated intervals, trough guard, fallbacks, anomalies."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from finops.models.forecast.backtest import backtest, origin_interval
from finops.models.forecast.calendar import CalendarSpec, holiday_terms
from finops.models.forecast.guard import trough_guard
from finops.models.forecast.model import forecast
from finops.services.forecast import daily_series
from finops.models.forecast.anomalies import outside_interval

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
    assert scores["model"].origins == 10
    assert scores["model"].mase < scores["seasonal_naive_7"].mase
    assert scores["model"].mase < scores["trailing_28d_mean"].mase
    assert 0.75 <= scores["model"].coverage80 <= 0.85
    assert 0.88 <= scores["model"].coverage95 <= 0.99
    assert scores["seasonal_naive_7"].coverage80 is None  # baselines carry no intervals


def test_holiday_trough_guard_fires_and_forecast_ignores_the_trough(series) -> None:
    s = series["tokens"].filter(pl.col("day") <= date(2026, 1, 4))
    after = series["tokens"].filter(pl.col("day").is_between(date(2026, 1, 5), date(2026, 2, 1)))["value"].to_numpy()
    days, y = s["day"].to_list(), s["value"].to_numpy()
    warning = trough_guard(days, y, 28, SPEC)
    assert warning is not None and warning.understatement_pct > 5
    assert any("Christmas" in h for h in warning.holidays)
    assert warning.window_mean == pytest.approx(y[-28:].mean())
    fc = forecast(days, y, 28, SPEC)
    trailing = y[-28:].mean()
    assert fc.yhat.mean() > 1.1 * trailing  # the trough is not the new baseline
    assert abs(fc.yhat.mean() - after.mean()) < abs(trailing - after.mean()) / 2


def test_planted_holiday_trough_in_the_last_four_weeks(series) -> None:
    """Holidays in the last 4 weeks planted at 30% of their level: the guard says so, and the
    forecast of ordinary days barely moves while the trailing mean drops with the trough."""
    s = series["dollars"].filter(pl.col("day") <= date(2026, 6, 7))
    days, y = s["day"].to_list(), s["value"].to_numpy()
    weight = holiday_terms(days[-28:], SPEC.countries)
    hit = (weight["holiday"] + weight["shoulder"]) > 0
    assert hit.sum() >= 3  # Ascension, Memorial Day, Pentecost Monday and their shoulders
    planted = y.copy()
    planted[-28:][hit] *= 0.3
    warning = trough_guard(days, planted, 28, SPEC)
    assert warning is not None
    assert warning.understatement_pct > 5
    assert any("Memorial Day" in h for h in warning.holidays)
    assert warning.window_mean == pytest.approx(planted[-28:].mean())
    assert warning.holiday_free_mean == pytest.approx(y[-28:].mean(), rel=0.08)  # the window without the trough

    before, after = forecast(days, y, 28, SPEC), forecast(days, planted, 28, SPEC)
    ahead = holiday_terms(after.days, SPEC.countries)
    ordinary = ~np.any([v > 0 for v in ahead.values()], axis=0)
    window_drop = 1 - planted[-28:].mean() / y[-28:].mean()
    forecast_drop = 1 - after.yhat[ordinary].mean() / before.yhat[ordinary].mean()
    assert window_drop > 0.08
    assert forecast_drop < window_drop / 3  # the trough is not the new baseline
    assert after.yhat.sum() > 1.05 * planted[-28:].mean() * 28


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
    assert np.allclose(tiny.yhat, 5.0)


def test_inactive_series_forecasts_zero() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(200)]
    y = np.r_[np.full(150, 10.0), np.zeros(50)]
    fc = forecast(days, y, 30, SPEC)
    assert fc.method == "inactive series" and not fc.yhat.any() and fc.notes


def test_intervals_are_ordered_and_sums_are_wider_than_independent_days(series) -> None:
    s = series["dollars"]
    fc = forecast(s["day"].to_list(), s["value"].to_numpy(), 60, SPEC)
    assert (fc.lo95 <= fc.lo80).all() and (fc.lo80 <= fc.yhat).all() and (fc.yhat <= fc.hi80).all() and (fc.hi80 <= fc.hi95).all()
    paths = fc.simulate(2000, seed=1)
    assert paths.shape == (2000, 60)
    # Each simulated day keeps the daily interval...
    inside = ((paths >= fc.lo80) & (paths <= fc.hi80)).mean()
    assert 0.75 <= inside <= 0.85
    # ...and totals spread more than if days erred independently (errors persist).
    rng = np.random.default_rng(0)
    shuffled = np.take_along_axis(paths, rng.permuted(np.tile(np.arange(2000), (60, 1)), axis=1).T, axis=0)
    assert paths.sum(axis=1).std() > shuffled.sum(axis=1).std()


def test_anomaly_days_are_flagged_with_their_size() -> None:
    days = [date(2025, 6, 1) + timedelta(days=i) for i in range(300)]
    rng = np.random.default_rng(3)
    y = np.array([100 * (0.5 if d.weekday() >= 5 else 1.0) for d in days]) * rng.lognormal(0, 0.03, 300)
    y[290] *= 3
    rows = outside_interval(days, y, "total", 60, CalendarSpec(countries={"US": 1.0}))
    excess = {r[0]: r[8] for r in rows}
    assert days[290] in excess and excess[days[290]] == pytest.approx(y[290] - y[290] / 3, rel=0.1)
    others = [v for d, v in excess.items() if d != days[290]]
    assert len(others) <= 8  # noise days outside a 95% band: about 5% of 60, with slack
    assert excess[days[290]] > 10 * max(abs(v) for v in others)


def test_many_zero_days_fit_on_the_original_scale() -> None:
    """A weekday-only batch job: log scale would turn every weekend into an outlier; the model says it switched."""
    days = [date(2025, 9, 1) + timedelta(days=i) for i in range(300)]
    rng = np.random.default_rng(5)
    y = np.array([0.0 if d.weekday() >= 5 else 50.0 for d in days]) * rng.lognormal(0, 0.05, 300)
    fc = forecast(days, y, 14, CalendarSpec(countries={"US": 1.0}))
    assert any("original scale" in n for n in fc.notes)
    weekend = np.array([d.weekday() >= 5 for d in fc.days])
    assert fc.yhat[weekend].max() < 3 and abs(fc.yhat[~weekend].mean() - 50) < 5
    assert (fc.lo80 <= fc.yhat).all() and (fc.yhat <= fc.hi80).all()


def test_each_day_has_one_season_for_the_coverage_checks() -> None:
    """Year-end weeks first (20 Dec-7 Jan), then the days a holiday or event term touches, else ordinary."""
    from finops.models.forecast.events import Event
    from finops.models.forecast.seasons import ORDINARY, SPECIAL, YEAR_END_WEEKS, season_of

    launch = Event("launch", ((date(2026, 3, 10), date(2026, 3, 10)),), after=2)
    spec = CalendarSpec(countries={"US": 1.0}, events=(launch,))
    days = [date(2026, 12, 19), date(2026, 12, 20), date(2026, 12, 25), date(2027, 1, 7), date(2027, 1, 8),
            date(2026, 7, 4), date(2026, 3, 12), date(2026, 3, 13), date(2026, 5, 13)]
    got = list(season_of(days, spec))
    assert got == [ORDINARY, YEAR_END_WEEKS, YEAR_END_WEEKS, YEAR_END_WEEKS, ORDINARY, SPECIAL, SPECIAL, ORDINARY, ORDINARY]
    assert list(season_of(days, CalendarSpec(countries={}))) == [ORDINARY, *[YEAR_END_WEEKS] * 3, *[ORDINARY] * 5]


def test_a_forecast_into_a_year_end_the_history_never_held_says_so() -> None:
    """A series younger than its first year-end: the trough is not in the forecast, and its notes say so."""
    from finops.models.forecast.model import forecast

    rng = np.random.default_rng(3)
    start = date(2026, 5, 1)
    days = [start + timedelta(days=i) for i in range(214)]  # to 30 Nov
    y = 100 + 10 * rng.standard_normal(len(days))
    young = forecast(days, y, 40)
    assert any("year-end weeks" in n and "does not hold" in n and "guess" in n for n in young.notes)
    older = [date(2025, 11, 1) + timedelta(days=i) for i in range(395)]  # one year-end behind it
    assert not any("year-end weeks" in n for n in forecast(older, 100 + 10 * rng.standard_normal(395), 40).notes)
    assert not any("year-end weeks" in n for n in forecast(days, y, 14).notes)  # the horizon stops short of 20 Dec


def test_a_first_year_end_takes_the_traffics_own_holiday_effect() -> None:
    """A series younger than its first year-end cannot learn the year-end days: they take the
    pooled holiday effect the series did learn, instead of the ordinary level through Christmas."""
    from finops.models.forecast.calendar import holiday_names
    from finops.models.forecast.model import forecast

    rng = np.random.default_rng(5)
    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(281)]  # to 6 Dec
    off = set(holiday_names(days, {"US": 1.0}))
    y = np.array([(60.0 if d in off else 100.0) * (1 + 0.03 * rng.standard_normal()) for d in days])
    spec = CalendarSpec(countries={"US": 1.0})
    f = forecast(days, y, 30, spec)
    by_day = dict(zip(f.days, f.yhat))
    ordinary = np.mean([by_day[date(2026, 12, d)] for d in (8, 9, 10, 15, 16, 17)])
    assert by_day[date(2026, 12, 28)] < 0.95 * ordinary  # a Monday in the year-end days, no holiday itself (100 before)
    assert by_day[date(2026, 12, 18)] > 0.9 * ordinary  # before them: ordinary


def test_a_coverages_interval_resamples_whole_origins() -> None:
    # Three origins of 4 days: two wholly covered, one wholly missed. A day-level bootstrap would read
    # 12 draws; resampling origins gives only 0, 1/3, 2/3 or 1, and a wide interval around 2/3.
    inside = np.array([True] * 8 + [False] * 4)
    origin = np.repeat([0, 1, 2], 4)
    low, high = origin_interval(inside, origin)
    assert low <= 1 / 3 + 1e-12 and high == 1.0
    assert {round(v * 3, 9) for v in (low, high)} <= {0.0, 1.0, 2.0, 3.0}
    # Every origin alike (3 of 4 covered each): no spread.
    assert origin_interval(np.tile([True, True, True, False], 3), origin) == (0.75, 0.75)
    assert origin_interval(np.array([], dtype=bool), np.array([], dtype=int)) is None
