"""wiki_microsoft_office_views: daily page views of the English Wikipedia article "Microsoft_Office".

Source: winedarksea/AutoTS, path autots/datasets/data/holidays.zip (member holidays.csv, column
wiki_Microsoft_Office), commit 6e2137a990910c7faa4239d3330fab839adaa480.
Rules: the values are already daily; copied unchanged (day from `datetime`); empty cells would be
left out (there are none); no date repeats. Usage: build_wiki_microsoft_office_views.py holidays.zip
"""
import csv
import datetime as dt
import io
import sys
import zipfile

from _common_b import num, write_series

with zipfile.ZipFile(sys.argv[1]) as z:
    rows = csv.DictReader(io.TextIOWrapper(z.open("holidays.csv"), encoding="utf-8", newline=""))
    out = {}
    for r in rows:
        d, v = dt.date.fromisoformat(r["datetime"]), r["wiki_Microsoft_Office"].strip()
        assert d not in out, d
        if v:
            out[d] = num(v)
write_series("wiki_microsoft_office_views", out)
