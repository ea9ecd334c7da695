"""gb_national_demand: Great Britain National Demand (ND), MWh per settlement day = sum of half-hourly MW x 0.5 h.

Source: github RamiKrispin/UKgrid, path data/UKgrid.rda (data frame `UKgrid`), commit
7cfbd256bc00d21d264eedb86d62a8a610256cce. Read with a minimal stdlib reader of R's serialization (_common_a.read_rda)
instead of the Python `rdata` package; the values are the same.
Rules: TIMESTAMP is UTC midnight of SETTLEMENT_DATE + (period-1) x 30 min on a regular 48-slot grid, so the UTC date is
the settlement day and the period is recovered from the time. Kept: days with 48 non-missing ND values that are not a
clock-change day; spring clock-change days (last Sunday of March) with exactly periods 1..46 present. Left out: the
autumn clock-change days (last Sunday of October; 50 periods in the source, the grid kept only 1..48).
Usage: python build_gb_national_demand.py UKgrid.rda
"""
import collections
import datetime as dt
import sys

from _common_a import read_rda, write_series


def last_sunday(year, month):
    d = dt.date(year, month, 31)
    return d - dt.timedelta(days=(d.weekday() + 1) % 7)


def main(path):
    df = read_rda(path)["UKgrid"]
    cols = dict(zip(df["attr"]["names"], df["value"]))
    ts, nd = cols["TIMESTAMP"]["value"], cols["ND"]
    assert cols["TIMESTAMP"]["attr"]["tzone"] == ["UTC"] and len(set(ts)) == len(ts)
    periods = collections.defaultdict(dict)  # day -> {period: ND}
    for t, v in zip(ts, nd):
        stamp = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=t)
        if v is not None:
            periods[stamp.date()][stamp.hour * 2 + stamp.minute // 30 + 1] = v
    out = {}
    for day, pv in periods.items():
        spring, autumn = day == last_sunday(day.year, 3), day == last_sunday(day.year, 10)
        want = set(range(1, 47)) if spring else set(range(1, 49))
        if not autumn and set(pv) == want:
            out[day] = sum(pv.values()) / 2
    write_series("gb_national_demand", out)


if __name__ == "__main__":
    main(sys.argv[1])
