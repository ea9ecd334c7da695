"""Forecast accuracy and speed: our model against a SARIMAX reference and the planner's baselines.

Run by hand: `python -m bench.forecast [--origins 10] [--series total,provider,project]
[--sarimax-on total] [--sarimax-origins 5] [--no-sarimax]`. SARIMAX fits take seconds to a
minute each, so the reference runs on fewer series and origins; our model is scored again on
exactly those origins ("ours@ref") for a like-for-like comparison.

1. Fit time per series on two years of daily data (a 730-day sample generated in memory):
   our `forecast()` (fit + 16 calibration refits + intervals), one bare fit, and the SARIMAX
   reference fit.
2. Rolling-origin backtest on the loaded sample (28-day horizon, origins every 14 days):
   MASE, sMAPE, 80%/95% coverage and seconds per fit for each model, per series and pooled.

The reference is the one the issue names: SARIMAX(1,0,1)(0,1,1,7) on log(y + offset) with 10
yearly Fourier pairs and holiday dummies (day before, day, day after; traffic-weighted) as
exogenous regressors, intervals from its own state-space variance.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from finops.models.forecast.backtest import BASELINES, backtest
from finops.models.forecast.calendar import YEARLY_PERIOD, CalendarSpec, _calendar, future_days
from finops.models.forecast.model import _fit, _offset, design, forecast

REPO = Path(__file__).resolve().parents[1]
SPEC = CalendarSpec(countries={"US": 0.55, "DE": 0.28, "JP": 0.17})  # as in sample_data/finops.toml


@dataclass
class RefForecast:
    yhat: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray


def reference_exog(days: list[date], spec: CalendarSpec) -> np.ndarray:
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    cols = []
    for k in range(1, 11):
        cols += [np.sin(2 * np.pi * k * doy / YEARLY_PERIOD), np.cos(2 * np.pi * k * doy / YEARLY_PERIOD)]
    total = sum(spec.countries.values())
    hol = np.zeros((len(days), 3))
    for country, share in spec.countries.items():
        cal = _calendar(country, days[0].year - 1, days[-1].year + 1)
        for i, d in enumerate(days):
            for j, off in enumerate((1, 0, -1)):  # day before, day, day after the holiday
                if d + timedelta(days=off) in cal:
                    hol[i, j] += share / total
    return np.column_stack(cols + [hol])


def sarimax_reference(days: list[date], y: np.ndarray, horizon: int, spec: CalendarSpec) -> RefForecast:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    x = reference_exog(days + future_days(days[-1], horizon), spec)
    offset = _offset(np.asarray(y, dtype=float))
    z = np.log(np.clip(y, 0, None) + offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(z, exog=x[: len(days)], order=(1, 0, 1), seasonal_order=(0, 1, 1, 7)).fit(disp=False)
        fc = res.get_forecast(horizon, exog=x[len(days):])
    back = lambda v: np.clip(np.exp(np.asarray(v)) - offset, 0, None)  # noqa: E731
    c80, c95 = np.asarray(fc.conf_int(alpha=0.2)), np.asarray(fc.conf_int(alpha=0.05))
    return RefForecast(back(fc.predicted_mean), back(c80[:, 0]), back(c80[:, 1]), back(c95[:, 0]), back(c95[:, 1]))


def two_year_series() -> tuple[list[date], np.ndarray]:
    from finops.sample.generate import GeneratorConfig, generate

    sample = generate(GeneratorConfig(days=730, end=date(2027, 5, 24)))  # catalog prices start in 2025
    daily = sample.priced.group_by("day").agg(pl.col("billed_usd").sum()).sort("day")
    return daily["day"].to_list(), daily["billed_usd"].to_numpy()


def _median_seconds(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def fit_times(with_sarimax: bool) -> None:
    days, y = two_year_series()
    x, _ = design(days, days[0], SPEC)
    z = np.log(y + _offset(y))
    print(f"\nFit time per series on {len(days)} days of daily spend (median of repeats):")
    print(f"  ours, forecast() 90 days incl. 16 calibration refits and intervals: {_median_seconds(lambda: forecast(days, y, 90, SPEC), 7) * 1000:8.1f} ms")
    print(f"  ours, one bare fit (ridge + Huber pass + AR(7)):                    {_median_seconds(lambda: _fit(x, z), 21) * 1000:8.1f} ms")
    if with_sarimax:
        print(f"  SARIMAX(1,0,1)(0,1,1,7) + 20 Fourier + 3 holiday regressors, one fit: {_median_seconds(lambda: sarimax_reference(days, y, 90, SPEC), 2) * 1000:8.1f} ms")


def sample_series(kinds: list[str]) -> list[tuple[str, list[date], np.ndarray]]:
    from finops.sample.load import load_sample
    from finops.store import Store
    from finops.services.forecast import daily_series

    root = Path(tempfile.mkdtemp(prefix="bench-forecast-")) / "store"
    store = Store(root)
    load_sample(store, REPO / "sample_data")
    out = []
    for metric in ("dollars", "tokens"):
        for by in kinds:
            data = daily_series(store, metric, by)
            for name in sorted(data["series"].unique().to_list()):
                s = data.filter(pl.col("series") == name).sort("day")
                if s["value"].tail(28).sum() > 0:
                    out.append((f"{metric}/{by}/{name}", s["day"].to_list(), s["value"].to_numpy()))
    return out


def _row(name: str, label: str, sc) -> dict:  # type: ignore[no-untyped-def]
    print(f"  {name:34s} {label:18s} MASE {sc.mase:6.3f}  sMAPE {sc.smape:5.1f}%  "
          f"cov80 {'-' if sc.coverage80 is None else f'{sc.coverage80:.2f}'}  {sc.seconds_per_fit * 1000:9.1f} ms/fit", flush=True)
    return {"series": name, "model": label, "mase": sc.mase, "smape_pct": sc.smape, "cov80": sc.coverage80,
            "cov95": sc.coverage95, "s_per_fit": sc.seconds_per_fit}


def _pooled(frame: pl.DataFrame, title: str) -> None:
    pooled = frame.group_by("model").agg(
        pl.len().alias("series"), pl.col("mase").mean(), pl.col("smape_pct").mean(), pl.col("cov80").mean(),
        pl.col("cov95").mean(), (pl.col("s_per_fit").mean() * 1000).alias("ms_per_fit"),
    ).sort("mase")
    print(f"\n{title}")
    with pl.Config(tbl_rows=20, tbl_cols=10, float_precision=3, tbl_hide_dataframe_shape=True):
        print(pooled)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", type=int, default=10)
    ap.add_argument("--series", default="total,provider,project", help="comma list of total, provider, project, model")
    ap.add_argument("--sarimax-on", default="total", help="series kinds the SARIMAX reference runs on")
    ap.add_argument("--sarimax-origins", type=int, default=5)
    ap.add_argument("--no-sarimax", action="store_true", help="skip the (slow) SARIMAX reference")
    args = ap.parse_args()
    fit_times(not args.no_sarimax)
    ours = lambda d, v, h, s: forecast(d, v, h, s)  # noqa: E731
    rows, ref_rows = [], []
    print(f"\nBacktest: 28-day horizon, {args.origins} origins every 14 days")
    series = sample_series(sorted(set(args.series.split(",")) | set(args.sarimax_on.split(","))))
    for name, days, y in series:
        if name.split("/")[1] in args.series.split(","):
            for sc in backtest(days, y, 28, args.origins, 14, spec=SPEC, forecasters={"ours": ours, **BASELINES}):
                rows.append(_row(name, sc.model, sc))
        if not args.no_sarimax and name.split("/")[1] in args.sarimax_on.split(","):
            models = {"ours@ref": ours, "sarimax_ref": sarimax_reference, **{f"{k}@ref": v for k, v in BASELINES.items()}}
            for sc in backtest(days, y, 28, args.sarimax_origins, 14, spec=SPEC, forecasters=models):
                ref_rows.append(_row(name, sc.model, sc))
    _pooled(pl.DataFrame(rows), f"Pooled over {len({r['series'] for r in rows})} sample series, {args.origins} origins x 28 days:")
    if ref_rows:
        _pooled(pl.DataFrame(ref_rows), f"Against the SARIMAX reference: {len({r['series'] for r in ref_rows})} series, "
                                        f"{args.sarimax_origins} origins x 28 days:")


if __name__ == "__main__":
    main()
