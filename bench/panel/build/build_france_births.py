"""france_births: daily live births in France (INSEE etat civil, series T79jnais), births per day.

Source: rjdverse/rjd3toolkit, path data/Births.rda, commit bc51547deb6197e001ef63fdb1b2cf76c889fa7b
(R data set `Births`, columns date (R Date, days since 1970-01-01) and births).
Rules: read with the Python package `rdata` (not stdlib: pip install rdata); the date is converted to
an ISO day and the count copied unchanged; no duplicate dates and no non-positive values (checked).
Usage: build_france_births.py Births.rda
"""
import datetime as dt
import sys
import warnings

import rdata

from _common_b import write_series

warnings.filterwarnings("ignore", "Missing constructor")  # R class "Date": days are converted below
df = rdata.read_rda(sys.argv[1])["Births"]
out = {}
for days, births in zip(df["date"], df["births"]):
    d = dt.date(1970, 1, 1) + dt.timedelta(days=int(days))
    assert float(days).is_integer() and d not in out and int(births) > 0, (d, births)
    out[d] = int(births)
write_series("france_births", out)
