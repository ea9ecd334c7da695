"""Our forecaster's calibration over a panel of daily series, pooled, with the uncertainty of the reading.

Run by hand, niced: `nice -n 19 python -m bench.forecast_panel [--panel bench/panel [--split dev]]
[--series births_us,power_de,...] [--step 14] [--jobs 2]` (bench/panel/SOURCES.md: the panel's series).

Why a panel: one series' year-end cell holds 5-15 year-ends, and each year's errors move together
(one level error, one trough deeper or shallower than the last), so a single series reads its
year-end coverage to about +-10 points; tuning on three series then fits their luck. Pooling many
series and resampling whole (series, year) blocks says what the pooled figure is worth.

For every series (the built-in names of bench.forecast_anchors, and the `day,value` CSV files a
panel directory lists in its series.json as [{"name", "file", "country", "split"}, ...]): origins every
`--step` days, each with at least `--min-history` days behind it (at most 4 years seen by each
fit), horizon 28, our forecaster and the seasonal naive (m = 7) on the same origins. Printed:

- per series: MASE (ours, the seasonal naive), 80% / 95% coverage per season;
- pooled over the series, per season: coverage with a 90% interval from a cluster bootstrap that
  resamples (series, year) blocks (the year-end weeks of 20 Dec - 7 Jan count to December's
  year), and the share of series whose own cell is inside the targets (77-83% / 93-97%);
- the year-end weeks by where the origin stands: before 6 Dec, 6-20 Dec, or inside the weeks.
"""

from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from bench.forecast_anchors import HORIZON, Series, deviations, dense_cuts, inside, load, run_model, set_family
from finops.models.forecast.seasons import SEASONS, YEAR_END_WEEKS, in_year_end

BOOTSTRAP = 2000
LEADS = ("before 6 Dec", "6-20 Dec", "inside the weeks")


@dataclass
class Scored:
    """One series' scored days (every day of every origin's horizon that was observed)."""
    name: str
    country: str
    origins: int
    mase_ours: float
    mase_naive: float
    season: np.ndarray  # per day: the product backtest's season (seasons.py)
    block: np.ndarray  # per day: its year; the year-end weeks count to December's year
    lead: np.ndarray  # per day: where its origin stands relative to the year-end weeks (LEADS)
    in80: np.ndarray
    in95: np.ndarray


def _lead(first: date) -> str:
    """Where an origin stands, by its first forecast day: its last day of data inside the year-end
    weeks, or the first forecast day in 6-20 Dec, or before."""
    if in_year_end([first - timedelta(days=1)])[0]:
        return LEADS[2]
    return LEADS[1] if first.month == 12 and first.day >= 6 else LEADS[0]


def score(spec: str, step: int, min_history: int, max_train: int) -> Scored:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    s: Series = load(spec)
    cuts = dense_cuts(s, step, min_history)
    ours = run_model(s, "ours", cuts, max_train, None)
    naive = run_model(s, "snaive", cuts, max_train, None)
    at = np.array(ours.at, dtype=np.int64)
    year = np.array([d.year for d in s.days])[at]
    month = np.array([d.month for d in s.days])[at]
    block = np.where(month == 1, year - 1, year)  # January's days of the year-end weeks are December's
    block = np.where(np.array(ours.seasons) == YEAR_END_WEEKS, block, year)
    lead_of = {c: _lead(s.days[c]) for c in set(ours.cuts)}
    lead = np.array([lead_of[c] for c in ours.cuts], dtype=object)
    return Scored(s.name, s.country, len(cuts), float(np.mean(ours.abs_scaled)), float(np.mean(naive.abs_scaled)),
                  np.array(ours.seasons, dtype=object), block, lead, np.array(ours.in80), np.array(ours.in95))


def _block_counts(s: Scored, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (series, year) block of the days `m` selects: (days, days covered at 80%, at 95%)."""
    sel = [m & (s.block == b) for b in np.unique(s.block[m])]
    return (np.array([v.sum() for v in sel], dtype=np.int64), np.array([s.in80[v].sum() for v in sel], dtype=np.int64),
            np.array([s.in95[v].sum() for v in sel], dtype=np.int64))


def pooled(scored: list[Scored], pick: list[np.ndarray], seed: int = 0) -> tuple[int, int, float, float, tuple[float, ...]]:
    """(blocks, days, 80% coverage, 95% coverage, (lo80, hi80, lo95, hi95)) of the days `pick` selects per
    series, with the 5th-95th percentiles over BOOTSTRAP resamples of whole (series, year) blocks."""
    parts = [_block_counts(s, m) for s, m in zip(scored, pick)]
    n, h80, h95 = (np.concatenate([part[i] for part in parts]) if parts else np.zeros(0, np.int64) for i in range(3))
    if not n.sum():
        return 0, 0, float("nan"), float("nan"), (float("nan"),) * 4
    idx = np.random.default_rng(seed).integers(0, len(n), size=(BOOTSTRAP, len(n)))
    boot80 = h80[idx].sum(axis=1) / n[idx].sum(axis=1)
    boot95 = h95[idx].sum(axis=1) / n[idx].sum(axis=1)
    ci = (*np.quantile(boot80, [0.05, 0.95]), *np.quantile(boot95, [0.05, 0.95]))
    return len(n), int(n.sum()), float(h80.sum() / n.sum()), float(h95.sum() / n.sum()), tuple(float(v) for v in ci)


def calibrated_twin(scored: list[Scored], pick: list[np.ndarray], level: int, draws: int = BOOTSTRAP,
                    seed: int = 0) -> float:
    """How many of these series' cells a forecaster calibrated on average would put inside the
    target, given how much a cell moves from one year to the next on this panel.

    Each series keeps its own blocks' sizes; each block's coverage is the level plus a deviation
    drawn from every series' blocks' deviations from their own series' share (pooled, so a series
    with three year-ends borrows the spread the panel shows; scaled by sqrt(k/(k-1)) for the mean
    each deviation was taken from). The expected count of cells inside the target, to read the
    observed count against: a cell outside is a miscalibration only beyond what the twin shows.
    """
    p = level / 100
    sizes, devs = [], []
    for s, m in zip(scored, pick):
        if not m.any():
            continue
        n, h80, h95 = _block_counts(s, m)
        sizes.append(n)
        if len(n) > 1:
            devs.append(deviations(n, h80 if level == 80 else h95))
    if not sizes:
        return float("nan")
    pool = np.concatenate(devs) if devs else np.zeros(1)
    rng = np.random.default_rng(seed)
    expected = 0.0
    for n in sizes:
        rates = np.clip(p + rng.choice(pool, size=(draws, len(n))), 0.0, 1.0)
        expected += float(np.mean([inside(v, level) for v in rates @ n / n.sum()]))
    return expected


def report(scored: list[Scored]) -> None:
    print("\n| series | country | origins | MASE ours | MASE seasonal naive | " +
          " | ".join(f"{k} 80% / 95% (days)" for k in SEASONS) + " |")
    print("|---|---|---|---|---|" + "---|" * len(SEASONS))
    for s in scored:
        cells = []
        for k in SEASONS:
            m = s.season == k
            cells.append(f"{s.in80[m].mean():.1%} / {s.in95[m].mean():.1%} ({m.sum()})" if m.any() else "-")
        print(f"| {s.name} | {s.country} | {s.origins} | {s.mase_ours:.3f} | {s.mase_naive:.3f} | " + " | ".join(cells) + " |")
    ratio = np.exp(np.mean(np.log([s.mase_ours / s.mase_naive for s in scored])))
    print(f"\nMASE ours / seasonal naive, geometric mean over {len(scored)} series: {ratio:.3f}")
    print("\nPooled over the series (90% interval: cluster bootstrap over (series, year) blocks; "
          "'series inside' = series whose own cell is within 77-83% / 93-97%; in brackets, how many a forecaster "
          "calibrated on average would have inside, with the panel's year-to-year spread)\n")
    print("| season | series | blocks | days | 80% cov (90% interval) | 95% cov (90% interval) | series inside 80% "
          "(a calibrated twin) | 95% (twin) |")
    print("|---|---|---|---|---|---|---|---|")
    for k in SEASONS:
        picks = [s.season == k for s in scored]
        blocks, days, c80, c95, (a, b, c, d) = pooled(scored, picks)
        have = [(s, m) for s, m in zip(scored, picks) if m.any()]
        in80 = sum(inside(s.in80[m].mean(), 80) for s, m in have)
        in95 = sum(inside(s.in95[m].mean(), 95) for s, m in have)
        twin80, twin95 = (calibrated_twin(scored, picks, level) for level in (80, 95))
        print(f"| {k} | {len(have)} | {blocks} | {days} | {c80:.1%} ({a:.1%}-{b:.1%}) | {c95:.1%} ({c:.1%}-{d:.1%}) | "
              f"{in80}/{len(have)} ({twin80:.1f}) | {in95}/{len(have)} ({twin95:.1f}) |")
    print("\nThe year-end weeks by where the origin stands\n")
    print("| origin's first forecast day | blocks | days | 80% cov (90% interval) | 95% cov (90% interval) |")
    print("|---|---|---|---|---|")
    for lead in LEADS:
        blocks, days, c80, c95, (a, b, c, d) = pooled(scored, [(s.season == YEAR_END_WEEKS) & (s.lead == lead)
                                                               for s in scored])
        print(f"| {lead} | {blocks} | {days} | {c80:.1%} ({a:.1%}-{b:.1%}) | {c95:.1%} ({c:.1%}-{d:.1%}) |")


def panel_specs(directory: Path, split: str = "all") -> list[str]:
    """The series a panel directory lists in series.json (those of the comma-separated splits `split`, or all), as
    bench.forecast_anchors.load specs."""
    return [spec for spec, _ in panel_entries(directory, split)]


def panel_entries(directory: Path, split: str = "all") -> list[tuple[str, str]]:
    """(load spec, split) of the series a panel directory lists in series.json (those of the comma-separated
    splits `split`, or all)."""
    listing = directory / "series.json"
    if not listing.exists():
        raise SystemExit(f"{listing}: no such file (a list of {{\"name\", \"file\", \"country\"}})")
    entries = []
    for i, entry in enumerate(json.loads(listing.read_text())):
        if not {"file", "country"} <= set(entry):
            raise SystemExit(f"{listing}, entry {i}: needs 'file' and 'country'")
        if split == "all" or entry.get("split") in split.split(","):
            entries.append((f"{directory / entry['file']}:{entry['country']}", str(entry.get("split", ""))))
    return entries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panel", type=Path, action="append", default=[], help="a directory with series.json (repeatable)")
    ap.add_argument("--split", default="all", help="the panel entries of these splits only, comma-separated (dev, final, final2, final3, final4, final5, final6, final7, final8, final9; default all)")
    ap.add_argument("--series", default="", help="comma-separated built-in names or PATH.csv[:COUNTRY] files")
    ap.add_argument("--step", type=int, default=14, help="days between origins")
    ap.add_argument("--min-history", type=int, default=730, help="days behind every origin, at least")
    ap.add_argument("--max-train", type=int, default=4 * 365 + 1, help="days of history each fit sees, at most")
    ap.add_argument("--jobs", type=int, default=1, help="series scored in parallel, one core each")
    ap.add_argument("--family", default="", help="ours with these members only: recent,long,drift,weekdays (default all)")
    args = ap.parse_args()
    set_family(args.family)  # before the pool forks: its workers inherit it
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    specs = [v for v in args.series.split(",") if v] + [sp for d in args.panel for sp in panel_specs(d, args.split)]
    if not specs:
        raise SystemExit("nothing to score: give --series and/or --panel")
    print(f"{len(specs)} series; origins every {args.step} days with >= {args.min_history} days behind, horizon {HORIZON}, "
          f"fits see <= {args.max_train} days, one thread per fit", flush=True)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(score, sp, args.step, args.min_history, args.max_train) for sp in specs]
        scored = []
        for f in futures:
            scored.append(f.result())
            print(f"  scored {scored[-1].name}: {scored[-1].origins} origins", flush=True)
    report(scored)


if __name__ == "__main__":
    main()
