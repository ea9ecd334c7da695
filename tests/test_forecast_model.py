"""The forecaster's behaviour on synthetic series whose truth we set: per-holiday effects,
known events, a level shift, interval coverage; the events calendar from finops.toml and CSV."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays
import numpy as np
import pytest

from finops.config import ConfigError, ConfigFile
from finops.forecast_config import calendar_spec
from finops.models.forecast import model
from finops.models.forecast.backtest import backtest
from finops.models.forecast.calendar import CalendarSpec, design, holiday_names, holiday_terms, yearly_harmonic
from finops.models.forecast.events import Event
from finops.models.forecast.model import _past_choice_var, forecast, one_thread, recalibration, selection_errors
from finops.models.forecast.paths import ErrorModel

US = CalendarSpec(countries={"US": 1.0})
WEEKDAY = np.array([0.0, 0.05, 0.05, 0.05, 0.0, -0.4, -0.5])


def synth(end: date, years: int = 4, effects: dict[str, float] | None = None, events: dict[date, float] | None = None,
          noise: float = 0.03, seed: int = 0) -> tuple[list[date], np.ndarray]:
    """Daily series (through `end`) on a log scale: weekday, yearly wave, named US holidays, events, noise."""
    n = 365 * years
    days = [end - timedelta(days=n - 1 - i) for i in range(n)]
    cal = holidays.country_holidays("US", years=range(days[0].year, end.year + 2))
    rng = np.random.default_rng(seed)
    z = np.log(1000.0) + np.array([WEEKDAY[d.weekday()] + 0.1 * np.sin(2 * np.pi * d.timetuple().tm_yday / 365.25)
                                   for d in days])
    for i, d in enumerate(days):
        for name in cal.get_list(d) if d in cal else []:
            z[i] += (effects or {}).get(name.replace(" (observed)", ""), 0.0)
        z[i] += (events or {}).get(d, 0.0)
    return days, np.exp(z + noise * rng.standard_normal(n))


def _ratio(fc, day: date) -> float:  # type: ignore[no-untyped-def]
    """The forecast on `day` over the mean of the same weekday a week before and after."""
    idx = {d: i for i, d in enumerate(fc.days)}
    return float(fc.yhat[idx[day]] / np.mean([fc.yhat[idx[day - timedelta(days=7)]], fc.yhat[idx[day + timedelta(days=7)]]]))


def test_each_holiday_gets_its_own_effect() -> None:
    """Two holidays with very different true effects: a pooled holiday term would give both the same."""
    days, y = synth(date(2026, 6, 20), effects={"Independence Day": -0.6, "Labor Day": -0.15})
    fc = forecast(days, y, 100, US)
    assert _ratio(fc, date(2026, 7, 3)) == pytest.approx(np.exp(-0.6), abs=0.08)  # observed (Friday)
    assert _ratio(fc, date(2026, 9, 7)) == pytest.approx(np.exp(-0.15), abs=0.06)  # Labor Day (Monday)


def test_the_last_days_before_christmas_are_learned_one_by_one() -> None:
    """22 and 23 Dec take their own dips (travel, the first days off), each learned from earlier years;
    with Christmas's window cut to a day either side, 23 Dec falls back to an ordinary Wednesday."""
    dips = {date(year, 12, day): effect for year in range(2022, 2026) for day, effect in ((22, -0.15), (23, -0.4))}
    days, y = synth(date(2026, 11, 30), events=dips)
    fc = forecast(days, y, 40, US)
    # Most of 23 Dec's dip, not all: in 2022 Christmas's day off was Monday 26 Dec, and a window
    # counts from the day off, so that year 23 Dec is also "Christmas Day-3" (log ratio -0.27 here).
    assert -0.45 < np.log(_ratio(fc, date(2026, 12, 23))) < -0.22
    assert _ratio(fc, date(2026, 12, 22)) == pytest.approx(np.exp(-0.15), abs=0.06)
    narrow = forecast(days, y, 40, CalendarSpec(countries={"US": 1.0}, holiday_windows=(("Christmas Day", 1, 1),)))
    assert _ratio(narrow, date(2026, 12, 23)) > 0.9


@pytest.mark.parametrize("country", ["US", "DE", "GB", "FR", "AU", "CL", "BR"])
def test_christmas_reaches_three_days_back_in_every_country_that_keeps_it(country: str) -> None:
    """The built-in windows match holiday names, which the `holidays` package gives in English for every country."""
    days = [date(2024, 12, 15) + timedelta(days=i) for i in range(20)]
    x, names = design(days, days[0], CalendarSpec(countries={country: 1.0}))
    hit = x[:, names.index(f"h:{country}:Christmas Day-3")]
    assert [d for d, v in zip(days, hit) if v] == [date(2024, 12, 22)]


def test_holiday_names_do_not_follow_the_machines_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a German desktop the holidays package would name DE's Christmas "Erster Weihnachtstag":
    its window would be lost, and the forecast and the dashboard's marks would differ from a server's."""
    from finops.models.forecast import calendar
    from finops.models.forecast.regions import country_calendar

    for var, value in (("LANGUAGE", "de"), ("LC_ALL", "de_DE.UTF-8"), ("LANG", "de_DE.UTF-8")):
        monkeypatch.setenv(var, value)
    calendar._calendar.cache_clear()
    calendar._named.cache_clear()
    try:
        assert holidays.country_holidays("DE", years=2024)[date(2024, 12, 25)] == "Erster Weihnachtstag"
        days = [date(2024, 12, 15) + timedelta(days=i) for i in range(20)]
        _, names = design(days, days[0], CalendarSpec(countries={"DE": 1.0}))
        assert "h:DE:Christmas Day-3" in names
        assert country_calendar("DE", range(2024, 2025))[date(2024, 12, 25)] == "Christmas Day"
    finally:
        calendar._calendar.cache_clear()
        calendar._named.cache_clear()


def _summer_closure(days: list[date], depth: float = -0.3) -> dict[date, float]:
    """A fortnight's dip every year, 1-14 Aug: a yearly feature too sharp for ten harmonics."""
    return {d: depth for d in days if d.month == 8 and d.day <= 14}


def test_sixteen_harmonics_draw_a_sharp_yearly_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    end = date(2026, 7, 20)
    span = [end - timedelta(days=i) for i in range(-40, 365 * 4)]
    days, y = synth(end, events=_summer_closure(span))

    def shape_error() -> float:
        """Mean absolute error of the dip's drawn shape over the 40 days (the long member alone: the
        recent one keeps four harmonics), against the same series without it."""
        fc = forecast(days, y, 40, US, family=(model.LONG,))
        base = forecast(days, synth(end)[1], 40, US, family=(model.LONG,))
        truth = np.array([_summer_closure([d]).get(d, 0.0) for d in fc.days])
        return float(np.mean(np.abs(np.log(fc.yhat / base.yhat) - truth)))

    sharp = shape_error()
    monkeypatch.setattr(model, "LONG_FOURIER", 10)
    assert sharp < 0.8 * shape_error()


def _sharp_amplitude(y: np.ndarray, days: list[date]) -> float:
    """Root sum of squares of the long fit's coefficients on yearly harmonics 11-16."""
    dz = model._make_design(days, [], US)
    z = np.log(y)
    fit = model._fit_long(dz.x, z, dz.transient, dz.penalty, 28, dz.prior_sd)
    names = np.array(dz.names)[fit.keep]
    sharp = np.array([yearly_harmonic(n) > model.SMOOTH_FOURIER for n in names])
    return float(np.sqrt(np.sum(fit.gamma[sharp] ** 2)))


@pytest.mark.parametrize(("noise", "kept"), [(0.03, (0.9, 1.0)), (0.25, (0.0, 0.7))])
def test_sharp_harmonics_are_kept_on_a_smooth_series_and_shrunk_on_a_noisy_one(
        monkeypatch: pytest.MonkeyPatch, noise: float, kept: tuple[float, float]) -> None:
    """The prior is scaled by the fit's residual spread: weather-like noise would otherwise be drawn
    into harmonics 11-16 as if it came back every year."""
    end = date(2026, 7, 20)
    days, y = synth(end, noise=noise, events=_summer_closure([end - timedelta(days=i) for i in range(365 * 4)]))
    shrunk = _sharp_amplitude(y, days)
    monkeypatch.setattr(model, "SHARP_FOURIER_PRIOR_SD", 1e6)
    free = _sharp_amplitude(y, days)
    assert kept[0] <= shrunk / free <= kept[1]


def test_known_event_effect_is_learned_and_applied_to_its_future_date() -> None:
    past = [date(y, 11, 3) for y in (2023, 2024, 2025)]
    future = date(2026, 7, 15)
    truth = {d + timedelta(days=k): 0.7 for d in past + [future] for k in range(2)}
    days, y = synth(date(2026, 6, 30), years=4, events=truth)
    sale = Event("partner sale", tuple((d, d + timedelta(days=1)) for d in past + [future]))
    with_event = forecast(days, y, 40, CalendarSpec(countries={"US": 1.0}, events=(sale,)))
    without = forecast(days, y, 40, US)
    assert _ratio(with_event, future) == pytest.approx(np.exp(0.7), rel=0.15)
    assert _ratio(without, future) == pytest.approx(1.0, abs=0.1)
    # The event's days are not "ordinary": the band there is drawn from holiday/event errors.
    i = with_event.days.index(future)
    assert with_event.lo80[i] < with_event.yhat[i] < with_event.hi80[i]


def test_level_shift_moves_the_forecast_within_days() -> None:
    """A launch doubles the series 10 days before the end: the next four weeks sit near the new level."""
    days, y = synth(date(2026, 5, 31), years=3, noise=0.02)
    y = y.copy()
    y[-10:] *= 2.0
    fc = forecast(days, y, 28, US)
    unshifted = forecast(days[:-10], y[:-10], 38, US)
    ratio = fc.yhat.sum() / unshifted.yhat[10:].sum()
    assert 1.75 <= ratio <= 2.2, (ratio, fc.method)


def _season(days: list[date]) -> np.ndarray:
    return np.array([(d.month == 12 and d.day >= 20) or (d.month == 1 and d.day <= 7) for d in days])


def test_year_end_widening_touches_the_year_end_weeks_only(monkeypatch: pytest.MonkeyPatch) -> None:
    days, y = synth(date(2026, 11, 30), years=3)
    wide = forecast(days, y, 28, US)
    monkeypatch.setattr(model, "YEAR_END_WIDEN", ((1.0, 1.0), (1.0, 1.0)))
    monkeypatch.setattr(model, "YEAR_END_AHEAD_WIDEN", ((1.0, 1.0),) * 3)
    plain = forecast(days, y, 28, US)
    season = _season(wide.days)
    assert np.array_equal(wide.yhat, plain.yhat)
    assert np.array_equal(wide.hi80[~season], plain.hi80[~season]) and np.array_equal(wide.lo95[~season], plain.lo95[~season])
    # The weeks start 19 days after the first forecast day, all their days past the 14-day lead: both bands wider.
    assert np.all(wide.hi80[season] - wide.lo80[season] > plain.hi80[season] - plain.lo80[season])
    assert np.all(wide.hi95[season] - wide.lo95[season] > plain.hi95[season] - plain.lo95[season])


@pytest.mark.parametrize(("last", "wider"), [(date(2026, 11, 30), True), (date(2026, 12, 12), False)])
def test_the_year_end_factor_follows_how_far_ahead_the_weeks_start(monkeypatch: pytest.MonkeyPatch, last: date,
                                                                    wider: bool) -> None:
    # 19 days ahead: the same-weeks errors came from forecasts made nearer the weeks, too narrow;
    # 7 days ahead: from forecasts made further out as well, too wide (model.YEAR_END_AHEAD_WIDEN).
    days, y = synth(last, years=3)
    fc = forecast(days, y, 28, US)
    monkeypatch.setattr(model, "YEAR_END_AHEAD_WIDEN", ((1.0, 1.0),) * 3)
    lead_only = forecast(days, y, 28, US)
    season = _season(fc.days)
    width, before = fc.hi80 - fc.lo80, lead_only.hi80 - lead_only.lo80
    assert np.all((width[season] > before[season]) == wider) and np.array_equal(width[~season], before[~season])


def test_intervals_cover_as_stated_on_a_series_with_known_noise() -> None:
    days, y = synth(date(2026, 3, 31), years=4, effects={"Thanksgiving Day": -0.5, "Christmas Day": -0.7},
                    noise=0.08, seed=3)
    sc = backtest(days, y, 28, 20, 14, spec=US, forecasters={"model": lambda d, v, h, s: forecast(d, v, h, s)})[0]
    assert 0.72 <= sc.coverage80 <= 0.88
    assert 0.88 <= sc.coverage95 <= 0.99


def test_recalibration_widens_when_blocks_disagree_and_not_when_they_agree() -> None:
    """Holiday errors whose level differs by year (one draw of bias per year) are wider than the
    pooled errors of the other years promise; exchangeable blocks need no factor; one block: none."""
    rng = np.random.default_rng(3)
    blocks = np.repeat(np.arange(3), 200).reshape(30, 20)
    kind = np.ones(blocks.shape, dtype=bool)
    same = 0.05 * rng.standard_normal(blocks.shape)
    assert 0.85 <= recalibration(same, blocks, kind) <= 1.2
    biased = same + np.array([0.0, 0.12, -0.1])[blocks]
    assert recalibration(biased, blocks, kind) >= 1.5
    assert recalibration(biased, np.zeros_like(blocks), kind) == 1.0
    assert recalibration(biased, blocks, np.zeros_like(kind)) == 1.0  # no errors of that kind


def test_widened_days_spread_around_their_median_and_stay_nested() -> None:
    rng = np.random.default_rng(4)
    cal = 0.02 + 0.05 * rng.standard_normal((20, 28))
    plain = ErrorModel.from_calibration(np.full(28, np.log(100.0)), 1.0, cal)
    wide = ErrorModel.from_calibration(np.full(28, np.log(100.0)), 1.0, cal)
    days = np.arange(28) % 7 == 0
    wide.widened(days, 2.0)
    (lo, hi), (wlo, whi) = plain.bands()[:2], wide.bands()[:2]
    assert np.allclose(wlo[~days], lo[~days]) and np.allclose(whi[~days], hi[~days])
    assert (whi[days] - wlo[days] > 1.8 * (hi[days] - lo[days])).all()
    b = wide.bands()
    assert (b[2] <= b[0]).all() and (b[0] <= wide.point()).all() and (wide.point() <= b[1]).all() and (b[1] <= b[3]).all()
    sims = wide.simulate(4000, seed=1)
    inside = (sims >= wlo) & (sims <= whi)
    assert 0.75 <= inside[:, days].mean() <= 0.85


def test_tails_spread_by_their_own_factor_and_paths_follow_both() -> None:
    """A body factor of 1 and a tail factor of 2: the 80% band is unchanged, the 95% band's ends move
    twice as far from the median, and simulated paths cover each band as it now says."""
    rng = np.random.default_rng(5)
    cal = 0.05 * rng.standard_normal((40, 28))
    plain = ErrorModel.from_calibration(np.full(28, np.log(100.0)), 1.0, cal)
    tails = ErrorModel.from_calibration(np.full(28, np.log(100.0)), 1.0, cal)
    days = np.ones(28, dtype=bool)
    tails.widened(days, 1.0, 2.0)
    (lo80, hi80, lo95, hi95), (tlo80, thi80, tlo95, thi95) = plain.bands(), tails.bands()
    assert np.allclose(tlo80, lo80) and np.allclose(thi80, hi80)
    assert (np.log(thi95 / 100.0) > 1.8 * np.log(hi95 / 100.0)).all()
    assert (np.log(tlo95 / 100.0) < 1.8 * np.log(lo95 / 100.0)).all()
    sims = tails.simulate(6000, seed=2)
    assert 0.77 <= ((sims >= tlo80) & (sims <= thi80)).mean() <= 0.83
    assert 0.93 <= ((sims >= tlo95) & (sims <= thi95)).mean() <= 0.97


def test_model_choice_variance_widens_the_95_band_only() -> None:
    """Members that disagree by 0.1 (log) on every day: the 80% band stays, the 95% band's half-widths
    become sqrt(q^2 + 1.96^2 x 0.01) around the errors' median, and paths follow it."""
    rng = np.random.default_rng(6)
    cal = 0.05 * rng.standard_normal((40, 28))
    plain = ErrorModel.from_calibration(np.full(28, np.log(100.0)), 1.0, cal)
    mixed = ErrorModel.from_calibration(np.full(28, np.log(100.0)), 1.0, cal)
    mixed.choice_var = np.full(28, 0.1**2)
    (lo80, hi80, lo95, hi95), (mlo80, mhi80, mlo95, mhi95) = plain.bands(), mixed.bands()
    assert np.allclose(mlo80, lo80) and np.allclose(mhi80, hi80)
    med = np.log(plain.quantile(0.5) + 1.0)  # the model works on log(y + offset), offset 1 here
    q = np.log(hi95 + 1.0) - med
    assert np.allclose(np.log(mhi95 + 1.0) - med, np.sqrt(q**2 + 1.96**2 * 0.01), atol=1e-3)
    sims = mixed.simulate(6000, seed=3)
    assert 0.93 <= ((sims >= mlo95) & (sims <= mhi95)).mean() <= 0.97


def test_blend_weights_follow_the_back_test_and_fall_back_to_equal() -> None:
    w = model.blend_weights(np.array([0.10, 0.11, 0.20]))
    assert w.sum() == pytest.approx(1.0)
    assert w[1] / w[0] == pytest.approx((0.10 / 0.11) ** model.BLEND_POWER)
    assert w[2] < 0.001  # twice the best member's error: next to no say
    assert model.blend_weights(np.full(3, np.inf)) == pytest.approx([1 / 3] * 3)  # no back-test origins


def test_selection_errors_undo_the_winners_luck() -> None:
    """Five members with errors from one distribution: the one with the smallest back-test errors
    is only the luckiest, and banding with its own errors would promise too much. The errors of
    choosing on the other origins are as large as any member's really are."""
    rng = np.random.default_rng(11)
    members = tuple(f"m{i}" for i in range(5))
    cuts = np.arange(60) * 28  # origins 28 days apart: none shares a forecast day with another
    luck_in_sample, honest, typical = [], [], []
    for _ in range(40):
        errors = {m: rng.standard_normal((60, 28)) * (1 + 0.1 * rng.standard_normal((60, 1))) for m in members}
        best = min(members, key=lambda m: float(np.mean(np.abs(errors[m]))))
        luck_in_sample.append(float(np.mean(np.abs(errors[best]))))
        honest.append(float(np.mean(np.abs(selection_errors(errors, members, cuts, 28)))))
        typical.append(float(np.mean([np.mean(np.abs(e)) for e in errors.values()])))
    population = float(np.mean(typical))
    assert np.mean(luck_in_sample) < 0.98 * population
    assert np.mean(honest) == pytest.approx(population, rel=0.01)


def test_selection_errors_take_each_origins_row_from_the_member_the_others_choose() -> None:
    """Origins 0 and 1 overlap (7 days apart). Member b wins in sample on origin 0 alone; each origin's
    row comes from the member the origins sharing no day with it choose."""
    a, b = np.full((4, 28), 0.1), np.full((4, 28), 0.2)
    a[0], b[0] = 1.0, 0.0
    cuts = np.array([100, 93, 50, 10])
    out = selection_errors({"a": a, "b": b}, ("a", "b"), cuts, 28)
    assert np.array_equal(out, np.stack([a[0], a[1], b[2], b[3]]))  # 0 and 1: chosen on 2 and 3 (a); 2, 3: on 0 (b)
    lone = selection_errors({"a": a[:2], "b": b[:2]}, ("a", "b"), cuts[:2], 28)
    assert np.array_equal(lone, b[:2])  # every origin overlaps the other: the in-sample choice (b, 0.10 vs 0.55)


def test_past_choice_var_is_the_back_tests_disagreement_by_horizon() -> None:
    """At an origin, member a's prediction minus b's is b's error minus a's: the mean square of that
    per horizon day, the last calibrated day's carried beyond (the forecast adds only today's excess)."""
    a = np.zeros((3, 7))
    b = np.tile(np.arange(7) * 0.1, (3, 1))
    c = -b
    past = _past_choice_var({"a": a, "b": b, "c": c}, "a", ("a", "b", "c"), 10)
    assert np.allclose(past, [(0.1 * min(i, 6)) ** 2 for i in range(10)])
    assert np.array_equal(_past_choice_var({"a": a}, "a", ("a",), 5), np.zeros(5))


def test_year_end_days_take_the_same_weeks_errors_alone() -> None:
    """A day marked `seasonal_alone` is banded with earlier years' errors at the same time of year
    only; an unmarked day pools them with its group (here: every holiday's, spread ten times less)."""
    rng = np.random.default_rng(7)
    cal = 0.01 * rng.standard_normal((20, 7))
    special = np.zeros((20, 7), dtype=bool)
    special[:, 3] = True
    season = 0.2 * rng.standard_normal(60)
    mu, marked = np.full(2, np.log(100.0)), np.array([True, True])
    pooled = ErrorModel.from_calibration(mu, 1.0, cal, special=special, special_days=marked, seasonal=[season, season])
    alone = ErrorModel.from_calibration(mu, 1.0, cal, special=special, special_days=marked, seasonal=[season, season],
                                        seasonal_alone=np.array([True, False]))
    hi80 = alone.quantile(0.9)
    centred = season - np.median(season)
    assert np.log(hi80[0] + 1.0) - np.log(100.0) == pytest.approx(float(np.quantile(centred, 0.9)), abs=1e-9)
    assert hi80[1] == pytest.approx(pooled.quantile(0.9)[1])
    assert hi80[0] > pooled.quantile(0.9)[0]  # the holidays' narrow errors no longer dilute the season's


def test_year_end_days_alone_are_banded_around_the_forecast() -> None:
    """Earlier year-ends all missed upwards (the model has since learned from them): the band of a day
    banded with those errors alone keeps their spread but not their miss, so it straddles the forecast."""
    rng = np.random.default_rng(3)
    cal = 0.01 * rng.standard_normal((20, 7))
    season = 0.3 + 0.05 * rng.standard_normal(40)  # every error above zero
    errors = ErrorModel.from_calibration(np.full(1, np.log(100.0)), 1.0, cal, seasonal=[season],
                                         seasonal_alone=np.array([True]))
    lo80, hi80, lo95, hi95 = errors.bands()
    assert lo80[0] < 100.0 - 1.0 < hi80[0]  # the point forecast is exp(mu) - offset = 99
    spread = np.log(hi80[0] + 1.0) - np.log(lo80[0] + 1.0)
    assert spread == pytest.approx(float(np.quantile(season, 0.9) - np.quantile(season, 0.1)), abs=1e-9)


def test_choice_is_reported_with_every_members_score() -> None:
    days, y = synth(date(2026, 3, 31), years=2)
    fc = forecast(days, y, 28, US)
    assert fc.method.split(",")[0] in fc.choice
    assert set(fc.choice) >= {"recent regression + AR(7)", "long-memory calendar + local level"}
    assert fc.choice[fc.method.split(",")[0]] == min(fc.choice.values())


def test_numerical_libraries_run_on_one_thread_inside_the_forecaster() -> None:
    from threadpoolctl import threadpool_info

    with one_thread():
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())


def test_events_from_toml_and_csv(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("name,start,end,before,after\n"
                                         "incident,2026-02-03,2026-02-04,0,2\n"
                                         "partner sale,2026-11-27,,1,0\n", encoding="utf-8")
    (tmp_path / "finops.toml").write_text(
        '[forecast]\ncountries = { US = 1.0 }\nevents_file = "events.csv"\n'
        'holiday_windows = { "Christmas" = [3, 1] }\n\n'
        '[[forecast.events]]\nname = "partner sale"\ndates = ["2025-11-28", "2024-11-29..2024-12-01"]\nwindow = [1, 0]\n',
        encoding="utf-8")
    spec = calendar_spec(ConfigFile.load(tmp_path / "finops.toml"))
    events = {e.name: e for e in spec.events}
    assert events["partner sale"].spans == ((date(2024, 11, 29), date(2024, 12, 1)), (date(2025, 11, 28), date(2025, 11, 28)),
                                            (date(2026, 11, 27), date(2026, 11, 27)))
    assert (events["incident"].before, events["incident"].after) == (0, 2)
    assert events["incident"].window_days() == {date(2026, 2, 5), date(2026, 2, 6)}
    assert spec.window("Christmas Day") == (3, 1)


@pytest.mark.parametrize(("row", "message"), [
    ("incident,2026-02-31,,0,0", "events.csv:3: start: '2026-02-31' is not a YYYY-MM-DD date"),
    ("incident,2026-02-03,2026-02-01,0,0", "events.csv:3: end: 2026-02-01 is before start 2026-02-03"),
    ("incident,2026-02-03,,x,0", "events.csv:3: before: 'x' is not a whole number of days"),
])
def test_bad_event_rows_name_file_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    (tmp_path / "events.csv").write_text(f"name,start,end,before,after\nlaunch,2026-01-05,,0,0\n{row}\n", encoding="utf-8")
    (tmp_path / "finops.toml").write_text('[forecast]\nevents_file = "events.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        calendar_spec(ConfigFile.load(tmp_path / "finops.toml"))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bad_toml_event_names_the_key_and_line(tmp_path: Path) -> None:
    (tmp_path / "finops.toml").write_text('[forecast]\n\n[[forecast.events]]\nname = "launch"\ndates = ["soon"]\n',
                                          encoding="utf-8")
    with pytest.raises(ConfigError, match=r"finops.toml:5: forecast.events.dates: event 'launch': 'soon' is not a date"):
        calendar_spec(ConfigFile.load(tmp_path / "finops.toml"))


def test_a_subdivision_brings_its_own_holidays(tmp_path: Path) -> None:
    """Quebec's Saint-Jean-Baptiste (24 June) is a holiday for "CA-QC" traffic, not for "CA"."""
    (tmp_path / "finops.toml").write_text('[forecast]\ncountries = { "CA-QC" = 0.7, US = 0.3 }\n', encoding="utf-8")
    spec = calendar_spec(ConfigFile.load(tmp_path / "finops.toml"))
    assert spec.countries == {"CA-QC": 0.7, "US": 0.3}
    day = [date(2026, 6, 24)]
    assert holiday_names(day, spec.countries) == {day[0]: "Saint John the Baptist Day (CA-QC)"}
    assert holiday_names(day, {"CA": 1.0}) == {}
    assert holiday_terms(day, spec.countries)["holiday"][0] == pytest.approx(0.7)


def test_an_unknown_subdivision_is_a_one_line_config_error(tmp_path: Path) -> None:
    (tmp_path / "finops.toml").write_text('[forecast]\ncountries = { "CA-QQ" = 1.0 }\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        calendar_spec(ConfigFile.load(tmp_path / "finops.toml"))
    assert "forecast.countries" in str(err.value) and "'CA-QQ'" in str(err.value) and "\n" not in str(err.value)


def test_ordinary_days_95_tails_are_spread_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """ORDINARY_TAIL_WIDEN moves only the ordinary days' 95% band outwards: their 80% band and the point
    forecast stay as the back-test set them (a horizon, 11 Jul - 7 Aug, that no US holiday touches)."""
    days, y = synth(date(2026, 7, 10), years=3)
    wide = forecast(days, y, 28, US)
    monkeypatch.setattr(model, "ORDINARY_TAIL_WIDEN", 1.0)
    plain = forecast(days, y, 28, US)
    assert np.array_equal(wide.yhat, plain.yhat)
    assert np.array_equal(wide.lo80, plain.lo80) and np.array_equal(wide.hi80, plain.hi80)
    assert (wide.hi95 > plain.hi95).all() and (wide.lo95 < plain.lo95).all()


@pytest.mark.parametrize("hostile, message", [
    ("nan", r"1 value\(s\) are not finite numbers, the first on 2024-03-01"),
    ("inf", r"1 value\(s\) are not finite numbers, the first on 2024-03-01"),
    ("gap", r"days must be consecutive, but 2024-03-02 follows 2024-02-29"),
    ("short", r"120 days but 119 values"),
])
def test_input_the_model_cannot_read_is_refused_with_the_day_named(hostile: str, message: str) -> None:
    days = [date(2023, 12, 1) + timedelta(days=i) for i in range(120)]
    y = np.full(120, 100.0)
    if hostile in ("nan", "inf"):
        y[days.index(date(2024, 3, 1))] = np.nan if hostile == "nan" else np.inf
    elif hostile == "gap":
        days = [d if d < date(2024, 3, 1) else d + timedelta(days=1) for d in days]
    else:
        y = y[:-1]
    with pytest.raises(ValueError, match=message):
        model.forecast(days, y, 28)
