"""Refit the year-end weeks' factor by how far ahead they start (models/forecast/model.py, YEAR_END_AHEAD_WIDEN).

Run by hand, niced: `nice -n 19 python -m bench.year_end_factors [--panel bench/panel [--split dev,final]]
[--series births_us,power_de,...] [--jobs 2]` (the same series and origins as bench.forecast_panel).

Every origin (every `--step` days) whose 28-day horizon reaches the year-end weeks is forecast once;
its year-end days' bands are then recomputed for every factor of a grid in place of the one in
force (the forecast's own error model, those days' widening rescaled), so one fit serves every
candidate. Groups: the weeks start within 6 days of the first forecast day (or have started), 7-13
days ahead, 14 or more (model.YEAR_END_AHEAD_DAYS). Printed, per group, with each series weighted
alike:

- coverage at the factors in force and at 1.0, and the factor that centres each band over all
  series (the 80% band's body and the 95% band's tails are fitted apart, as the model applies them);
- each split left out in turn: the factor fitted on the other splits, scored on the left-out one,
  against the factors in force and none (root mean square miss from target, a 95% miss counted double);
- persistence: the correlation of a series' mean 80% coverage over its earlier year-ends with the
  next year-end's. A factor per series would rest on it: near zero, a series' own year-ends say
  nothing of its next one beyond what its bands already learned from them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.forecast_anchors import HORIZON, Series, dense_cuts, load
from bench.forecast_panel import panel_entries

if TYPE_CHECKING:
    from finops.models.forecast.paths import ErrorModel

GRID = np.round(np.arange(0.70, 1.501, 0.02), 2)
GROUPS = ("within 6 days or started", "7-13 days ahead", "14+ days ahead")
ANCHORS = "anchors"  # the split label of the built-in series (--series)


@dataclass
class YearEndDays:
    """One series' scored year-end days: every year-end day of every origin's horizon that was observed."""
    name: str
    split: str
    group: np.ndarray  # per day: how far ahead its weeks started at its origin (index into GROUPS)
    block: np.ndarray  # per day: its year-end's year (December's)
    in80: np.ndarray  # (days, len(GRID)): inside the 80% band with that factor on the day's group
    in95: np.ndarray


def rebanded(errors: ErrorModel, alone: np.ndarray, current: np.ndarray, grid: np.ndarray = GRID
             ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(lo80, hi80, lo95, hi95) of a forecast's error model for each factor of `grid` on the days `alone`,
    in place of `current` (per day: (80% band factor, 95% tails factor) in force there)."""
    out = []
    for g in grid:
        body = np.where(alone, errors.widen / current[:, 0] * g, errors.widen)
        tail = np.where(alone, errors.widen_tail / current[:, 1] * g, errors.widen_tail)
        out.append(dataclasses.replace(errors, widen=body, widen_tail=tail).bands())
    return out


def score(spec: str, split: str, step: int, min_history: int, max_train: int) -> YearEndDays:
    from threadpoolctl import threadpool_limits

    from finops.models.forecast import model
    from finops.models.forecast.calendar import CalendarSpec
    from finops.models.forecast.seasons import in_year_end

    threadpool_limits(1)
    s: Series = load(spec)
    group, block, in80, in95 = [], [], [], []
    for cut in dense_cuts(s, step, min_history):
        future = s.days[cut: cut + HORIZON]
        if not in_year_end(future).any():
            continue
        lo = max(0, cut - max_train)
        fc = model.forecast(s.days[lo:cut], s.y[lo:cut], HORIZON, CalendarSpec(countries={s.country: 1.0}))
        alone = model._season_alone(future)
        if fc.errors is None or alone is None or fc.errors.widen is None:
            continue  # no back-test origins behind it: no year-end widening to refit
        g = model.ahead_groups(alone)
        current = np.array([model.YEAR_END_AHEAD_WIDEN[k] for k in g])
        actual = s.y[cut: cut + HORIZON]
        bands = rebanded(fc.errors, alone, current)
        keep = alone & s.observed[cut: cut + HORIZON]
        group += list(g[keep])
        block += [d.year if d.month == 12 else d.year - 1 for d, k in zip(future, keep) if k]
        in80.append(np.stack([((actual >= b[0]) & (actual <= b[1]))[keep] for b in bands], axis=1))
        in95.append(np.stack([((actual >= b[2]) & (actual <= b[3]))[keep] for b in bands], axis=1))
    empty = np.zeros((0, len(GRID)), dtype=bool)
    return YearEndDays(s.name, split, np.array(group, dtype=np.int64), np.array(block, dtype=np.int64),
                       np.concatenate(in80) if in80 else empty, np.concatenate(in95) if in95 else empty)


def coverage(rows: list[YearEndDays], group: int, level: int) -> np.ndarray | None:
    """Per factor of GRID: the mean over series (each alike) of the share of the group's days inside the band."""
    per = [(r.in80 if level == 80 else r.in95)[r.group == group].mean(axis=0) for r in rows if (r.group == group).any()]
    return np.mean(per, axis=0) if per else None


def fitted(rows: list[YearEndDays], group: int, level: int) -> float:
    """The factor of GRID whose coverage comes nearest the level (the smallest of equals)."""
    c = coverage(rows, group, level)
    return float("nan") if c is None else float(GRID[int(np.argmin(np.abs(c - level / 100)))])


def at(factor: float) -> int:
    return int(np.argmin(np.abs(GRID - factor)))


def persistence(rows: list[YearEndDays], factors: np.ndarray) -> tuple[float, int]:
    """(correlation, pairs) of a series' mean 80% coverage over its earlier year-ends with the next
    year-end's, every year-end after the first two, at `factors` (per group, the 80% band's factor)."""
    past, now = [], []
    for r in rows:
        hit = r.in80[np.arange(len(r.group)), [at(factors[g]) for g in r.group]]
        years = [hit[r.block == b].mean() for b in np.unique(r.block)]
        for i in range(2, len(years)):
            past.append(np.mean(years[:i]))
            now.append(years[i])
    if len(past) < 3:
        return float("nan"), len(past)
    return float(np.corrcoef(past, now)[0, 1]), len(past)


def _miss(c: float, level: int) -> float:
    return (1 if level == 80 else 2) * 100 * (c - level / 100)


def report(rows: list[YearEndDays], current: tuple[tuple[float, float], ...]) -> None:
    print(f"\n{len(rows)} series, {sum(len(r.group) for r in rows)} year-end days; each series weighted alike\n")
    print("| weeks start | series | days | factor in force (80 / 95) | 80% / 95% with it | with none | "
          "fitted on all (80 / 95) |")
    print("|---|---|---|---|---|---|---|")
    for g, label in enumerate(GROUPS):
        c80, c95 = coverage(rows, g, 80), coverage(rows, g, 95)
        if c80 is None or c95 is None:
            continue
        n = sum(int((r.group == g).sum()) for r in rows)
        have = sum((r.group == g).any() for r in rows)
        b, t = current[g]
        print(f"| {label} | {have} | {n} | {b:.2f} / {t:.2f} | {c80[at(b)]:.1%} / {c95[at(t)]:.1%} | "
              f"{c80[at(1.0)]:.1%} / {c95[at(1.0)]:.1%} | {fitted(rows, g, 80):.2f} / {fitted(rows, g, 95):.2f} |")
    splits = sorted({r.split for r in rows})
    if len(splits) > 1:
        print("\nEach split left out: its cells (80% / 95%) with the factors in force, with none, and with the "
              "factors fitted on the other splits\n")
        print("| left out | weeks start | in force | none | fitted on the rest (factors) |")
        print("|---|---|---|---|---|")
        misses: dict[str, list[float]] = {"in force": [], "none": [], "fitted on the rest": []}
        for sp in splits:
            out, rest = [r for r in rows if r.split == sp], [r for r in rows if r.split != sp]
            for g, label in enumerate(GROUPS):
                c80, c95 = coverage(out, g, 80), coverage(out, g, 95)
                if c80 is None or c95 is None:
                    continue
                f80, f95 = fitted(rest, g, 80), fitted(rest, g, 95)
                cells = {"in force": (c80[at(current[g][0])], c95[at(current[g][1])]), "none": (c80[at(1.0)], c95[at(1.0)]),
                         "fitted on the rest": (c80[at(f80)], c95[at(f95)])}
                for k, (a, b) in cells.items():
                    misses[k] += [_miss(a, 80) ** 2, _miss(b, 95) ** 2]
                print(f"| {sp} | {label} | " + " | ".join(f"{a:.1%} / {b:.1%}" for a, b in cells.values())
                      + f" ({f80:.2f} / {f95:.2f}) |")
        print("\nroot mean square miss from target, points (a 95% miss counted double): "
              + ", ".join(f"{k} {np.sqrt(np.mean(v)):.2f}" for k, v in misses.items()))
    r, pairs = persistence(rows, np.array([b for b, _ in current]))
    print(f"\npersistence: correlation of a series' earlier year-ends' mean 80% coverage with its next year-end's, "
          f"{r:+.2f} over {pairs} year-ends")


def main() -> None:
    from finops.models.forecast.model import YEAR_END_AHEAD_WIDEN

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panel", type=Path, action="append", default=[], help="a directory with series.json (repeatable)")
    ap.add_argument("--split", default="all", help="the panel entries of these splits only, comma-separated")
    ap.add_argument("--series", default="", help=f"comma-separated built-in names or PATH.csv[:COUNTRY] files (split '{ANCHORS}')")
    ap.add_argument("--step", type=int, default=14, help="days between origins")
    ap.add_argument("--min-history", type=int, default=730, help="days behind every origin, at least")
    ap.add_argument("--max-train", type=int, default=4 * 365 + 1, help="days of history each fit sees, at most")
    ap.add_argument("--jobs", type=int, default=1, help="series scored in parallel, one core each")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    todo = [(v, ANCHORS) for v in args.series.split(",") if v]
    for d in args.panel:
        todo += panel_entries(d, args.split)
    if not todo:
        raise SystemExit("nothing to score: give --series and/or --panel")
    print(f"{len(todo)} series; origins every {args.step} days whose horizon reaches the year-end weeks", flush=True)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(score, sp, split, args.step, args.min_history, args.max_train) for sp, split in todo]
        rows = [f.result() for f in futures]
    report(rows, YEAR_END_AHEAD_WIDEN)


if __name__ == "__main__":
    main()
