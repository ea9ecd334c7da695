"""brazil_ons_load: load of Brazil's interconnected system (SIN), MWmed per day (ONS "Carga de Energia Diaria").

Source: matheus-vizzotto/projecao_demanda_eletrica, path data/daily_load.csv, commit
ab457dff4f3869b8869bfbda321733ad01620ff2 (columns id_reg, desc_reg, date, load_mwmed).
Rules: the day is the first 10 characters of `date` (it mixes `YYYY-MM-DD` and `YYYY-MM-DD 00:00:00`);
rows with an empty value are dropped (53, among them a stray `2013-02-02 00:00:01` SUL row); after
that no (day, subsystem) may repeat. A day is kept only if all four subsystems N, NE, S, SE have a
value; its value is their sum (exact sum of the source texts, written as the shortest float repr).
Usage: build_brazil_ons_load.py FILE
"""
import datetime as dt
import sys

from _common_b import num, read_rows, total, write_series

cells = {}
for r in read_rows(sys.argv[1]):
    if not r["load_mwmed"].strip():
        continue
    key = (dt.date.fromisoformat(r["date"][:10]), r["id_reg"])
    assert key not in cells, key
    cells[key] = num(r["load_mwmed"])
days = {}
for (d, reg), v in cells.items():
    days.setdefault(d, {})[reg] = v
write_series("brazil_ons_load",
             {d: total(list(regs.values())) for d, regs in days.items() if set(regs) == {"N", "NE", "S", "SE"}})
