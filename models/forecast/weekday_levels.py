"""A level per weekday, smoothed week to week, with the last day's departure fading out (AR(1)).

The fourth member of the forecaster's family (models/forecast/model.py), on the calendar-adjusted
series the long-memory model leaves. Its siblings carry one level for every weekday, so a weekday
profile that moves (a course site's weekends in term and out of it, a grid's Mondays after a
tariff change) waits for the two-year calendar fit to notice. Here each weekday keeps its own level,
exponentially smoothed over that weekday's days: the seasonal (0,1,1) of a SARIMA, the form that
won the SARIMAX reference its lead on the visitors series (MASE 0.952 against our 0.999). A last
day above its weekday's level is partly carried into the next days, fading by the AR(1)
coefficient measured on the past year's one-day-ahead errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from finops.models.forecast import reductions

RATES = (0.1, 0.2, 0.35, 0.5, 0.7)  # candidate smoothing rates, per week, of the weekday levels
SCORED_WEEKS_AHEAD = (1, 2, 4)  # a rate is chosen by its errors carrying each level this many weeks
SCORED_DAYS = 365
MAX_PHI = 0.95
MIN_AR_DAYS = 28
# A level shift is read off a week or more: a run of 4 days is four weekdays' single surprises, and
# term starts on the course site (visitors) made them without a lasting shift (MASE 0.919 -> 0.933
# with the long member's 4-day segment as well).
SHIFT_SEGMENTS = (14, 7)


@dataclass(frozen=True)
class WeekdayLevels:
    levels: np.ndarray  # (7,) by weekday, 0 = Monday
    phi: float  # how much of a day's departure from its weekday level is left the next day
    last: float  # the last ordinary day's departure
    age: int  # days from that day to the end of the history (holiday days after it do not count)
    rate: float

    def predict(self, weekdays: np.ndarray) -> np.ndarray:
        """The next len(weekdays) days after the history, on the calendar-adjusted scale."""
        steps = np.arange(1, len(weekdays) + 1) + self.age
        return self.levels[weekdays] + self.phi**steps * self.last


def weekday_levels(d: np.ndarray, transient: np.ndarray, weekdays: np.ndarray, shift_sds: float,
                   shift_segments: tuple[int, ...] = SHIFT_SEGMENTS) -> WeekdayLevels:
    """Fit on the calendar-adjusted series `d` (consecutive days; `weekdays` 0 = Monday).

    Holiday and event days (`transient`) carry their weekday's previous ordinary value: their
    leftovers belong to the calendar's holiday terms, not to the weekday's level. If the last
    `shift_segments` days (the first that qualifies; at least half of them ordinary) all sit more than
    `shift_sds` robust SDs on one side of their weekdays' levels before them, it is a level shift (a
    launch): every weekday's level moves by their median at once, as the long model's level does,
    instead of a week's smoothing rate.
    """
    n = len(d)
    weeks = n // 7
    if weeks < 2:
        return WeekdayLevels(np.full(7, float(np.mean(d)) if n else 0.0), 0.0, 0.0, 0, RATES[0])
    skip = n - 7 * weeks  # the first few days, so that every row is one weekday over the same weeks
    grid = d[skip:].reshape(weeks, 7).T  # (7, weeks): row i is the weekday of day skip + i
    held = transient[skip:].reshape(weeks, 7).T
    col = np.arange(weeks)
    carried = np.maximum.accumulate(np.where(~held, col, 0), axis=1)
    v = np.take_along_axis(grid, carried, axis=1)
    first = max(0, weeks - SCORED_DAYS // 7)
    scored = (col >= first)[None, :] & ~held
    # Per lead k, the scored weeks' values and where they sit, found once for every rate: only the
    # last year's columns can be scored, so each rate's levels are read there alone.
    targets = []
    for k in SCORED_WEEKS_AHEAD:
        lo = max(k, first)
        if weeks > k and scored[:, lo:].any():
            targets.append((lo - k, weeks - k, scored[:, lo:], v[:, lo:][scored[:, lo:]]))
    best: tuple[float, float, np.ndarray] | None = None
    for a in RATES:
        lev = lfilter([a], [1.0, a - 1.0], v, axis=1, zi=(1.0 - a) * v[:, :1])[0]
        err = 0.0
        for start, stop, mask, target in targets:
            err += reductions.mean_abs(target - lev[:, start:stop][mask])
        if best is None or err < best[0]:
            best = (err, a, lev)
    assert best is not None
    _, rate, lev = best
    rows = weekdays[skip: skip + 7]
    levels = np.empty(7)
    levels[rows] = lev[:, -1]
    # Back to day order: the level after each day, and the level that day was forecast with.
    post = lev.T.reshape(-1)
    prior = np.concatenate([np.full(7, np.nan), post[:-7]])
    days = d[skip:]
    ordinary = ~transient[skip:]
    departure = days - post
    surprise = days - prior
    pair = ordinary[1:] & ordinary[:-1] & np.isfinite(surprise[1:])
    pair[: max(0, len(pair) - SCORED_DAYS)] = False
    phi = 0.0
    if pair.sum() >= MIN_AR_DAYS:
        x, y = departure[:-1][pair], surprise[1:][pair]
        den = float(x @ x)
        phi = float(np.clip((x @ y) / den, 0.0, MAX_PHI)) if den > 0 else 0.0
    last = int(np.flatnonzero(ordinary)[-1]) if ordinary.any() else len(days) - 1
    departure_last = float(departure[last])
    recent = np.isfinite(surprise) & ordinary
    recent[: max(0, len(days) - SCORED_DAYS)] = False
    sd = 1.4826 * reductions.median(np.abs(surprise[recent])) if recent.any() else 0.0
    m = len(days)
    for k in shift_segments:
        if sd <= 0 or m <= k + 7:
            continue
        t = np.arange(m - k, m)
        before = t - 7 * ((t - (m - k)) // 7 + 1)  # the same weekday's last day before the segment
        moved = (days[t] - post[before])[ordinary[t]]
        # Read off ordinary days, and only when they are most of the segment: the few ordinary days
        # inside a year-end trough (2-4 Jan) sit low without being a new level.
        if 2 * moved.size >= k and (np.all(moved > shift_sds * sd) or np.all(moved < -shift_sds * sd)):
            base = np.arange(m - k - 7, m - k)
            levels[weekdays[skip + base]] = post[base] + float(np.median(moved))
            departure_last = 0.0
            break
    return WeekdayLevels(levels, phi, departure_last, len(days) - 1 - last, rate)
