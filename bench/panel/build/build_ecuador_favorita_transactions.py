"""ecuador_favorita_transactions: daily transactions (tickets) at 31 Corporacion Favorita grocery stores, Ecuador (EC).

Source: alexbabits/store-sales-forecasting-model, path transactions.csv, commit
293b7c016fd4b591aa232413f9b23014ea8168e4 (blob 080cb1c33a5660f378d236f3a72774588413a227, added in that commit
and unchanged since). Get it with
  git --git-dir=<mirror> show 293b7c016fd4b591aa232413f9b23014ea8168e4:transactions.csv
It is the transactions.csv of the Kaggle competition "Store Sales - Time Series Forecasting" (Corporacion
Favorita, Ecuador): columns date,store_nbr,transactions, one row per store and day on which the store had
transactions, 2013-01-01 .. 2017-08-15, 83,488 rows; in this copy the dates are written M/D/YYYY.

Rules: every row must have a valid date, a store number 1..54 and a non-negative integer count, and no
(date, store) twice. The value is the sum over a fixed set of 31 stores, those with a row on every day of
the file on which 40 or more stores have one (STORES below; the script checks that this is so). A day is
kept only if all 31 stores have a row on it; otherwise (the chain-wide closures on 25 Dec and 1 Jan, and
2016-01-01 .. 2016-01-04, where the file holds 0, 36 or 14 stores) it is left out. Nothing is filled.
usage: build_ecuador_favorita_transactions.py transactions.csv
"""
import csv
import datetime as dt
from collections import defaultdict

from _common_d import args, write_series

STORES = (2, 3, 4, 5, 6, 8, 9, 11, 13, 15, 16, 19, 26, 27, 28, 31, 33, 34, 37, 38, 39, 40, 41, 44, 45, 46,
          47, 48, 49, 50, 51)

(path,) = args(1, "transactions.csv")
byday = defaultdict(dict)
with open(path, newline="", encoding="utf-8") as f:
    r = csv.reader(f)
    assert next(r) == ["date", "store_nbr", "transactions"]
    for date, store, n in r:
        m, d, y = map(int, date.split("/"))
        day, s = dt.date(y, m, d), int(store)
        assert 1 <= s <= 54 and n.isdigit() and s not in byday[day], (date, store, n)
        byday[day][s] = int(n)
assert (min(byday), max(byday)) == (dt.date(2013, 1, 1), dt.date(2017, 8, 15)), (min(byday), max(byday))
full = [s for s in range(1, 55) if all(s in v for v in byday.values() if len(v) >= 40)]
assert tuple(full) == STORES, full
out = {day: sum(v[s] for s in STORES) for day, v in byday.items() if all(s in v for s in STORES)}
assert all(x > 0 for x in out.values())
write_series("ecuador_favorita_transactions", out)
