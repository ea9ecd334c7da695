"""zurich_ewz_electricity: daily electricity delivered by ewz in the city of Zurich (grid levels NE5 + NE7).

Source: nzzdev/energyconsumption-zurich-model, path data/consumption/final_train.parquet, commit
6f42f06f721c276a8dc50ac6abe41183ad2959e3 (blob b1a76c656e3b937a091746a9decf31f9b85f7b15; the file was
deleted from the repository in the next commit, a059749b60979ace36031ebfc05e7574f2e20021, so the named
commit must be used). Get it with
  git --git-dir=<mirror> show 6f42f06f721c276a8dc50ac6abe41183ad2959e3:data/consumption/final_train.parquet
The repository's src/PrepareTrainData.ipynb (same commit) built it from the Stadt Zurich open data
"ewz_stromabgabe_netzebenen_stadt_zuerich" (quarter-hourly kWh, timestamps in UTC), converted to
Europe/Berlin (= Zurich time) and summed per local calendar date, 2010-01-01 .. 2021-12-31; it also
joined a daily temperature (not used).

Reader library: pyarrow (the file is Parquet).
Rules: value = NE5Consumption + NE7Consumption, added exactly as decimals of the stored doubles' shortest
repr (kWh per day). Every date must appear once. 2010-01-01 is left out: it is the first day of the
file, and its first local hour (2009-12-31 23:00 UTC) may lie before the start of the open-data series,
so it cannot be shown complete. Non-positive values would be rejected (there are none).
usage: build_zurich_ewz_electricity.py final_train.parquet
"""
import datetime as dt
from decimal import Decimal

import pyarrow.parquet as pq

from _common_d import args, write_series

(path,) = args(1, "final_train.parquet")
t = pq.read_table(path).to_pydict()
out = {}
for d, ne5, ne7 in zip(t["Date"], t["NE5Consumption"], t["NE7Consumption"]):
    assert isinstance(d, dt.date) and d not in out, d
    assert ne5 is not None and ne7 is not None and ne5 > 0 and ne7 > 0, (d, ne5, ne7)
    out[d] = Decimal(repr(ne5)) + Decimal(repr(ne7))
first = min(out)
assert first == dt.date(2010, 1, 1), first
del out[first]
write_series("zurich_ewz_electricity", out)
