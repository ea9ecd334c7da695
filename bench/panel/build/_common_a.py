"""Shared helpers for the build_<name>.py scripts of the dev/final panel series (stdlib only).

write_series() writes bench/panel/<name>.csv: header `day,value`, ISO days ascending, LF endings; a value that
is an integer (or a float with no fractional part) is written without a decimal point, any other with repr().
hourly_pjm() cuts the Kaggle PJM hour-ending files into days; wiki_column() reads AutoTS's holidays.zip;
read_rda() is a minimal reader of R's XDR serialization (version 2, as in .rda files), enough for a data frame
of numeric/integer/character columns.
"""
import bz2
import collections
import csv
import datetime as dt
import gzip
import io
import lzma
import struct
import zipfile

import _panel_csv


def fmt(v):
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
        return str(int(v))
    return repr(float(v))


def write_series(name, values):
    return _panel_csv.write_series(name, values, fmt)


def hourly_pjm(path):
    """Daily sums of a Kaggle PJM hourly file (`YYYY-MM-DD HH:MM:SS,MW`, hour-ending, local prevailing time).

    A row belongs to day (ts - 1h). A day is kept when it has hour-ending 01..24 once each; or it is a Mar/Apr Sunday
    with 23 rows, only hour-ending 03 absent (spring forward); or an Oct/Nov Sunday with 25 rows where hour-ending 02
    appears twice with different values (fall back, both summed).
    """
    rows = collections.defaultdict(list)  # day -> [(hour-ending 1..24, value)]
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for ts, v in reader:
            t = dt.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S") - dt.timedelta(hours=1)
            rows[t.date()].append((t.hour + 1, float(v)))
    out = {}
    for day, hv in sorted(rows.items()):
        c = collections.Counter(h for h, _ in hv)
        sunday = day.weekday() == 6
        full = len(hv) == 24 and set(c) == set(range(1, 25))
        spring = (sunday and day.month in (3, 4) and len(hv) == 23
                  and set(c) == set(range(1, 25)) - {3} and max(c.values()) == 1)
        fall = (sunday and day.month in (10, 11) and len(hv) == 25 and set(c) == set(range(1, 25))
                and c[2] == 2 and len({v for h, v in hv if h == 2}) == 2)
        if full or spring or fall:
            out[day] = sum(v for _, v in hv)
    return out


def read_rda(path):
    """Objects of an .rda file (R XDR serialization v2) as {name: value}. Vectors become lists (NA -> None);
    an object with attributes becomes {"value": ..., "attr": {...}}; a data frame's columns are its "value"."""
    raw = open(path, "rb").read()
    opener = {b"BZh": bz2.decompress, b"\x1f\x8b": gzip.decompress, b"\xfd7z": lzma.decompress}
    for magic, fn in opener.items():
        if raw.startswith(magic):
            raw = fn(raw)
    assert raw[:7] == b"RDX2\nX\n", raw[:7]
    r = _RReader(raw, 7)
    assert r.int() == 2, "only serialization version 2 is supported"
    r.int(), r.int()
    node = r.item()  # a pairlist of (tag, value)
    return dict(node["pairs"])


class _RReader:
    NA_INT = -2147483648

    def __init__(self, buf, pos):
        self.buf, self.pos, self.refs = buf, pos, []

    def int(self):
        (v,) = struct.unpack_from(">i", self.buf, self.pos)
        self.pos += 4
        return v

    def vec(self, code, n, size):
        v = struct.unpack_from(f">{n}{code}", self.buf, self.pos)
        self.pos += n * size
        return v

    def item(self):
        flags = self.int()
        t, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if t in (254, 242):  # NILVALUE, EMPTYENV
            return None
        if t == 255:  # REFSXP
            return self.refs[(flags >> 8) - 1]
        if t == 1:  # SYMSXP
            name = self.item()
            self.refs.append(name)
            return name
        if t == 9:  # CHARSXP
            n = self.int()
            if n == -1:
                return None
            s = self.buf[self.pos:self.pos + n].decode("utf-8", "replace")
            self.pos += n
            return s
        if t in (2, 17):  # LISTSXP / pairlist: attributes, tag, car, cdr
            pairs = []
            while True:
                attr = self.item() if has_attr else None
                tag = self.item() if has_tag else None
                pairs.append((tag, self.item()))
                flags = self.int()
                if flags & 0xFF != 2:
                    assert flags & 0xFF == 254, flags
                    return {"pairs": pairs, "attr": attr}
                has_attr, has_tag = flags & (1 << 9), flags & (1 << 10)
        if t in (10, 13):  # LGLSXP, INTSXP
            value = [None if x == self.NA_INT else x for x in self.vec("i", self.int(), 4)]
        elif t == 14:  # REALSXP (R's NA_real_ and NaN both become None)
            value = [None if x != x else x for x in self.vec("d", self.int(), 8)]
        elif t in (16, 19, 20):  # STRSXP, VECSXP, EXPRSXP
            value = [self.item() for _ in range(self.int())]
        else:
            raise ValueError(f"unsupported SEXP type {t}")
        if has_attr:
            return {"value": value, "attr": dict(self.item()["pairs"])}
        return value


def wiki_column(zip_path, column):
    """{day: value} of one column of holidays.csv inside AutoTS's holidays.zip (index column `datetime`)."""
    out = {}
    with zipfile.ZipFile(zip_path) as z:
        for row in csv.DictReader(io.StringIO(z.read("holidays.csv").decode("utf-8"))):
            day = dt.date.fromisoformat(row["datetime"][:10])
            assert day not in out, f"duplicate {day}"
            if row[column] != "":
                out[day] = float(row[column])
    return out
