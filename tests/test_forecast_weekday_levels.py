"""The weekday-levels member (models/forecast/weekday_levels.py) on series whose truth we set: a
weekday profile that moves, AR(1) departures, a level shift, holiday days; and in the forecaster."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from finops.models.forecast.calendar import CalendarSpec
from finops.models.forecast.model import LONG, LONG_WEEKDAYS, SHIFT_SDS, forecast
from finops.models.forecast.weekday_levels import weekday_levels

N = 700
WEEKDAYS = np.arange(N) % 7  # day 0 is a Monday
OLD = np.array([0.0, 0.0, 0.0, 0.0, 0.0, -0.4, -0.5])
NEW = np.array([0.0, 0.0, 0.0, 0.0, 0.0, -0.1, -0.1])  # the weekends came back (a course site out of term)


def _ar1(phi: float, sd: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = np.zeros(N)
    for t in range(1, N):
        e[t] = phi * e[t - 1] + sd * rng.standard_normal()
    return e


def test_the_levels_follow_a_weekday_profile_that_moved() -> None:
    d = OLD[WEEKDAYS] + 0.02 * np.random.default_rng(0).standard_normal(N)
    d[-70:] = NEW[WEEKDAYS[-70:]] + 0.02 * np.random.default_rng(1).standard_normal(70)
    fit = weekday_levels(d, np.zeros(N, bool), WEEKDAYS, SHIFT_SDS)
    assert fit.levels - fit.levels[0] == pytest.approx(NEW, abs=0.05)


@pytest.mark.parametrize("phi", [0.0, 0.7])
def test_the_ar1_coefficient_is_measured_on_the_days_departures(phi: float) -> None:
    d = OLD[WEEKDAYS] + _ar1(phi, 0.05, seed=2)
    fit = weekday_levels(d, np.zeros(N, bool), WEEKDAYS, SHIFT_SDS)
    # The levels absorb part of each departure (a rate per week), so the coefficient reads a little low.
    assert fit.phi == pytest.approx(phi, abs=0.2)
    ahead = fit.predict((N + np.arange(28)) % 7)
    # Four weeks out the departure has faded: the forecast is the weekday levels.
    assert ahead[-7:] == pytest.approx(fit.levels[(N + 21 + np.arange(7)) % 7], abs=0.01)


def test_a_level_shift_moves_every_weekday_at_once() -> None:
    d = OLD[WEEKDAYS] + 0.02 * np.random.default_rng(3).standard_normal(N)
    d[-10:] += 0.7  # a launch ten days ago
    fit = weekday_levels(d, np.zeros(N, bool), WEEKDAYS, SHIFT_SDS)
    assert fit.levels == pytest.approx(OLD + 0.7, abs=0.06)
    assert fit.last == 0.0  # the shift is in the levels, not carried as a departure


def test_holiday_days_do_not_move_the_levels() -> None:
    d = OLD[WEEKDAYS] + 0.0
    transient = np.zeros(N, bool)
    d[-3:] = -2.0  # a three-day close at the very end: holiday terms explain it, not the levels
    transient[-3:] = True
    fit = weekday_levels(d, transient, WEEKDAYS, SHIFT_SDS)
    assert fit.levels == pytest.approx(OLD, abs=1e-9)
    assert fit.age == 3


def test_the_member_tracks_a_moved_weekday_profile_the_single_level_member_misses() -> None:
    end = date(2026, 6, 30)
    days = [end - timedelta(days=N - 1 - i) for i in range(N)]
    wd = np.array([d.weekday() for d in days])
    rng = np.random.default_rng(4)
    z = np.log(1000.0) + OLD[wd] + 0.03 * rng.standard_normal(N)
    z[-84:] = np.log(1000.0) + NEW[wd[-84:]] + 0.03 * rng.standard_normal(84)
    y = np.exp(z)
    truth = 1000.0 * np.exp(NEW[[(end + timedelta(days=k)).weekday() for k in range(1, 29)]])
    spec = CalendarSpec(countries={"US": 1.0}, yearly=False)
    weekdays = forecast(days, y, 28, spec, family=(LONG_WEEKDAYS,))
    single = forecast(days, y, 28, spec, family=(LONG,))
    err_w = np.mean(np.abs(np.log(weekdays.yhat / truth)))
    err_l = np.mean(np.abs(np.log(single.yhat / truth)))
    assert err_w < 0.05 < err_l


def test_a_holiday_week_is_not_a_level_shift() -> None:
    """The last week is a trough, five of its days holidays: its two ordinary days are no new level."""
    d = OLD[WEEKDAYS] + 0.02 * np.random.default_rng(5).standard_normal(N)
    d[-7:] -= 1.0
    transient = np.zeros(N, bool)
    transient[-7:-2] = True
    fit = weekday_levels(d, transient, WEEKDAYS, SHIFT_SDS)
    held = WEEKDAYS[-7:-2]
    assert fit.levels[held] == pytest.approx(OLD[held], abs=0.1)
