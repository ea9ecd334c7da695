"""bench.year_end_factors's pieces that the refit of the year-end factor rests on: re-banding one fit for
another factor, series weighted alike, the factor that centres a band, and the persistence check."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from bench.year_end_factors import GRID, YearEndDays, at, coverage, fitted, persistence, rebanded
from finops.models.forecast import model
from finops.models.forecast.model import forecast
from finops.models.forecast.seasons import in_year_end
from tests.test_forecast_model import US, synth


def test_rebanding_at_the_factor_in_force_gives_the_forecasts_own_bands_and_moves_only_the_weeks() -> None:
    days, y = synth(date(2026, 11, 30), years=3)
    fc = forecast(days, y, 28, US)
    alone = in_year_end(fc.days)
    assert fc.errors is not None and alone.any()
    body, tail = model.YEAR_END_AHEAD_WIDEN[2]  # the weeks start 19 days ahead
    current = np.tile([body, tail], (len(fc.days), 1))
    (lo80, hi80, _, _), (_, _, lo95, hi95), (wlo80, whi80, wlo95, whi95) = rebanded(
        fc.errors, alone, current, np.array([body, tail, 1.5]))
    assert np.allclose(lo80, fc.lo80) and np.allclose(hi80, fc.hi80)
    assert np.allclose(lo95, fc.lo95) and np.allclose(hi95, fc.hi95)
    assert np.all(whi80[alone] - wlo80[alone] > fc.hi80[alone] - fc.lo80[alone])
    assert np.allclose(whi95[~alone], fc.hi95[~alone]) and np.allclose(wlo80[~alone], fc.lo80[~alone])


def _rows(name: str, split: str, years: dict[int, float], days: int = 20, group: int = 2) -> YearEndDays:
    """A series whose year-end days of each year are covered at the given share with every factor of
    GRID at or above 1.0, none below it."""
    block, hits = [], []
    for year, share in years.items():
        block += [year] * days
        hits += [i < round(share * days) for i in range(days)]
    hit = np.array(hits)[:, None] & (GRID >= 1.0)[None, :]
    return YearEndDays(name, split, np.full(len(block), group), np.array(block), hit, hit)


def test_series_count_alike_and_the_fitted_factor_is_the_first_that_reaches_the_level() -> None:
    small = _rows("small", "a", {2020: 1.0}, days=5)
    big = _rows("big", "b", {2020: 0.6, 2021: 0.6}, days=50)
    c = coverage([small, big], 2, 80)
    assert c is not None and c[at(1.0)] == pytest.approx(0.8) and c[at(0.9)] == 0.0
    assert fitted([small, big], 2, 80) == 1.0
    assert coverage([small, big], 0, 80) is None


def test_persistence_reads_series_that_keep_their_coverage_year_after_year() -> None:
    steady = [_rows("high", "a", {y: 0.95 for y in range(2010, 2016)}),
              _rows("low", "a", {y: 0.65 for y in range(2010, 2016)}),
              _rows("mid", "a", {y: 0.8 + 0.05 * (-1) ** y for y in range(2010, 2016)})]
    r, pairs = persistence(steady, np.ones(3))
    assert pairs == 12 and r > 0.9
