"""chile_death_registrations: deaths registered per day in Chile (Registro Civil), all comunas summed.

Source: mitmedialab/Vida_Modeling,
Data/Santiago/Misc/Datos-COVID19-master/output/producto32/Defunciones.csv,
commit 2cfb1bb4c57b603030e3d1e45f2ae8f45073e060 (MinCiencia Datos-COVID19 product 32).
Rules: wide file `Region,Codigo region,Comuna,Codigo comuna,<ISO day>...`; every cell a non-negative
integer; the day's value is the sum over all rows (all kept); the last column (2020-08-29, possibly
partial) is left out.
usage: build_chile_death_registrations.py Defunciones.csv
"""
import csv
import datetime as dt
from _common_c import args, is_nonneg_int, write_series

(path,) = args(1, "Defunciones.csv")
with open(path, newline="", encoding="utf-8") as f:
    r = csv.reader(f)
    head = next(r)
    assert head[:4] == ["Region", "Codigo region", "Comuna", "Codigo comuna"]
    days = [dt.date.fromisoformat(c) for c in head[4:]]
    assert len(set(days)) == len(days)
    sums = [0] * len(days)
    for row in r:
        assert len(row) == len(head) and all(is_nonneg_int(c) for c in row[4:]), row[:4]
        sums = [s + int(c) for s, c in zip(sums, row[4:])]
last = max(days)
write_series("chile_death_registrations", {d: s for d, s in zip(days, sums) if d != last})
