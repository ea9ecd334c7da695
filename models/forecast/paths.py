"""Forecast error distributions from back-test errors: interval bands and simulated paths.

The errors are the model's own out-of-sample errors (on its fitting scale, usually log) at
recent origins (split conformal; models/forecast/model.py rescales them to the series'
noise now, normalised conformal), pooled by horizon bucket. Bands are their empirical
quantiles. Sums over days (a month's spend, a budget window) need joint paths: errors of
one forecast are correlated across days (a level error persists), so a path draws one
shared shock and one shock per day, mixed so that path totals err as much as the
back-test's totals did (see `path_correlation`), and maps them through the empirical
quantiles. Independent days would make monthly intervals far too narrow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

BUCKET_EDGES = (7, 14, 28, 56, 91)
MAX_RHO = 0.95
Z80, Z95 = float(ndtri(0.9)), float(ndtri(0.975))  # normal scores of the 80% and 95% bands' upper ends


def _buckets(horizon: int) -> list[tuple[int, int]]:
    out, lo = [], 0
    for edge in BUCKET_EDGES:
        if lo >= horizon:
            break
        out.append((lo, min(edge, horizon)))
        lo = edge
    if lo < horizon:
        out.append((lo, horizon))
    return out


def path_correlation(cal: np.ndarray) -> float:
    """Equicorrelation of a path's daily errors that reproduces the back-test's errors of path totals.

    For h days with mean-square error s2 and correlation r, the total's mean-square error is
    h * s2 * (1 + (h - 1) * r); solved for r from the (origins, h) errors. Mean squares, not
    variances, so a shared bias counts as shared error.
    """
    n, h = cal.shape
    if n < 2 or h < 2:
        return 0.5
    s2 = float(np.mean(cal**2))
    if s2 <= 0:
        return 0.5
    totals = float(np.mean(cal.sum(axis=1) ** 2))
    return float(np.clip((totals / (h * s2) - 1) / (h - 1), 0.0, MAX_RHO))


def _tail_weight(p: np.ndarray | float) -> np.ndarray:
    """How far quantile p sits in the tail: 0 within the 80% band's quantiles, 1 from the 95% band's
    outwards, linear in the normal score between (so a simulated path's errors stay one monotone
    distribution when the body and the tails are spread by different factors)."""
    return np.clip((np.abs(ndtri(np.clip(p, 1e-12, 1 - 1e-12))) - Z80) / (Z95 - Z80), 0.0, 1.0)


def _quantile(sorted_sample: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """Linear-interpolated quantiles of a sorted sample (numpy's default method), vectorised over p."""
    grid = np.linspace(0.0, 1.0, len(sorted_sample))
    return np.interp(p, grid, sorted_sample)


@dataclass
class ErrorModel:
    mu: np.ndarray  # log-scale centre per forecast day
    offset: float  # the model works on log(y + offset)
    buckets: list[np.ndarray]  # sorted log-scale error samples, one per horizon bucket
    bucket_of: np.ndarray  # per forecast day, its bucket
    scale: np.ndarray  # per forecast day, the factor on its bucket's errors (1 within the calibrated horizon)
    rho: float  # correlation of any two days' errors within a path
    log: bool = True  # the model's scale: log(y + offset), or y itself
    widen: np.ndarray | None = None  # per forecast day, a factor on its errors' distances from their median
    widen_tail: np.ndarray | None = None  # the same from the 95% band's quantiles outwards (None: as `widen`)
    choice_var: np.ndarray | None = None  # per forecast day, variance of which model is right (tails only)

    def widened(self, days: np.ndarray, factor: float, tail: float | None = None) -> None:
        """Spread the error distributions of `days` (a boolean mask) by `factor` around their medians,
        and their tails (from the 95% band's quantiles outwards) by `tail` when given; in between,
        the factor moves from one to the other with the quantile's normal score."""
        base = np.ones(len(self.mu)) if self.widen is None else self.widen
        base_tail = base if self.widen_tail is None else self.widen_tail
        self.widen = np.where(days, base * factor, base)
        self.widen_tail = np.where(days, base_tail * (factor if tail is None else tail), base_tail)

    def _shaped(self, values: np.ndarray, med: np.ndarray | float, p: np.ndarray | float,
                cols: np.ndarray | slice) -> np.ndarray:
        """`values`, quantiles p of the days `cols`' errors: spread around their median `med` by the days'
        factors, scaled for the days' horizon, and in the tails joined by the days' model-choice variance."""
        if self.widen is not None:
            body = self.widen[cols]
            tail = body if self.widen_tail is None else self.widen_tail[cols]
            values = med + (values - med) * (body + _tail_weight(p) * (tail - body))
        scale = self.scale[cols]
        values = values * scale
        if self.choice_var is None:
            return values
        # Added in quadrature at the quantile's normal score, as independent errors' variances add.
        centre = med * scale
        z = ndtri(np.clip(p, 1e-12, 1 - 1e-12))
        return centre + np.sign(z) * np.sqrt((values - centre) ** 2 + _tail_weight(p) * z**2 * self.choice_var[cols])

    @classmethod
    def from_calibration(cls, mu: np.ndarray, offset: float, cal: np.ndarray, rho: float | None = None,
                         log: bool = True, special: np.ndarray | None = None, special_days: np.ndarray | None = None,
                         min_special: int = 20, seasonal: list[np.ndarray | None] | None = None,
                         seasonal_alone: np.ndarray | None = None) -> "ErrorModel":
        """Per-day error distributions for len(mu) days from (origins, h) back-test errors.

        `special` marks back-test errors on holiday/event days and `special_days` the forecast's
        own such days: with at least `min_special` of them, those days draw from their own
        group (all horizons pooled) and ordinary days from the rest, so a quiet autumn does
        not set the band of Christmas week, nor Christmas the band of an ordinary week.
        `seasonal`, per forecast day, holds back-test errors from the same time of year in
        earlier years (or None): they join that day's group, or replace it on the days
        `seasonal_alone` marks.
        """
        horizon, h = len(mu), cal.shape[1]
        spans = _buckets(h)
        use_special = (special is not None and special_days is not None and int(special.sum()) >= min_special
                       and special_days.any())
        ordinary = ~special if use_special and special is not None else np.ones(cal.shape, dtype=bool)
        buckets = []
        for a, b in spans:
            part = cal[:, a:b][ordinary[:, a:b]]
            buckets.append(np.sort(part if part.size else cal[:, a:b].ravel()))
        days = np.arange(horizon)
        bucket_of = np.array([next((k for k, (a, b) in enumerate(spans) if a <= i < b), len(spans) - 1) for i in days])
        if use_special and special is not None and special_days is not None:
            buckets.append(np.sort(cal[special]))
            bucket_of = np.where(special_days[:horizon], len(buckets) - 1, bucket_of)
        if seasonal is not None:
            # The same time of year in earlier years: its errors join the day's group, so a
            # season the recent origins never saw (the year-end weeks in November) is not
            # banded with autumn's errors alone.
            bucket_of = bucket_of.copy()
            for i, extra in enumerate(seasonal[:horizon]):
                if extra is not None and extra.size:
                    alone = seasonal_alone is not None and bool(seasonal_alone[i])
                    if alone:
                        # Centred on the forecast: the median of one or two earlier year-ends' errors is
                        # their miss, which the long-memory calendar has since learned from; kept, it
                        # shifted the band twice (visitors 2018: the 80% band's lower half 1-3% wide).
                        extra = extra - np.median(extra)
                    buckets.append(np.sort(extra if alone else np.concatenate([buckets[bucket_of[i]], extra])))
                    bucket_of[i] = len(buckets) - 1
        # Past the calibrated horizon: widen the errors as sqrt(h), a random-walk level.
        scale = np.where(days < h, 1.0, np.sqrt((days + 1) / h))
        return cls(np.asarray(mu, dtype=float), offset, buckets, bucket_of, scale,
                   path_correlation(cal) if rho is None else rho, log)

    def _errors(self, p: float) -> np.ndarray:
        per_bucket = np.array([float(_quantile(b, p)) for b in self.buckets])
        med = np.array([float(_quantile(b, 0.5)) for b in self.buckets])[self.bucket_of]
        return self._shaped(per_bucket[self.bucket_of], med, p, slice(None))

    def _back(self, values: np.ndarray) -> np.ndarray:
        return np.clip(np.exp(values) - self.offset if self.log else values, 0, None)

    def quantile(self, p: float) -> np.ndarray:
        return self._back(self.mu + self._errors(p))

    def point(self) -> np.ndarray:
        # The model's own centre, not shifted by the median back-test error: that median moves
        # with the few recent origins and, in the back-test, costs accuracy (MASE 0.818 vs 0.835).
        return self._back(self.mu)

    def bands(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """lo80, hi80, lo95, hi95, nested around the point forecast."""
        yhat = self.point()
        lo80, hi80 = np.minimum(self.quantile(0.10), yhat), np.maximum(self.quantile(0.90), yhat)
        return lo80, hi80, np.minimum(self.quantile(0.025), lo80), np.maximum(self.quantile(0.975), hi80)

    def simulate(self, n: int = 2000, seed: int = 0) -> np.ndarray:
        """(n, horizon) sample paths of daily values."""
        rng = np.random.default_rng(seed)
        shared = rng.standard_normal((n, 1))
        # Drawn day by day (one block of n per day), so the first k days of the paths are the same
        # whatever the horizon: a month's simulated total does not depend on how far ahead was asked.
        daily = rng.standard_normal((len(self.mu), n)).T
        u = ndtr(np.sqrt(self.rho) * shared + np.sqrt(1 - self.rho) * daily)
        out = np.empty_like(u)
        for k, bucket in enumerate(self.buckets):
            cols = np.flatnonzero(self.bucket_of == k)
            p = u[:, cols]
            out[:, cols] = self._shaped(_quantile(bucket, p), float(_quantile(bucket, 0.5)), p, cols)
        return self._back(self.mu[None, :] + out)
