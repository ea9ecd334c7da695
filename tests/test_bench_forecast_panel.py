"""bench.forecast_panel's pieces that its figures rest on: the day,value reader and the pooled coverage."""

from __future__ import annotations

import math
import json
from pathlib import Path

import numpy as np
import pytest

from bench.forecast_anchors import load
from bench.forecast_panel import Scored, calibrated_twin, pooled


def test_a_daily_csv_loads_with_its_gaps_filled_and_not_scored(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text("day,value\n2024-01-01,10\n2024-01-02,12\n2024-01-04,16\n", encoding="utf-8")
    s = load(f"{path}:ca-qc")
    assert (s.name, s.country) == ("visits", "CA-QC")
    assert [d.day for d in s.days] == [1, 2, 3, 4]
    assert s.y.tolist() == [10.0, 12.0, 14.0, 16.0]  # the missing day interpolated for fitting
    assert s.observed.tolist() == [True, True, False, True]


@pytest.mark.parametrize(("body", "message"), [
    ("date,value\n2024-01-01,1\n", "the header must be exactly day,value"),
    ("day,value\n2024-01-01,1\n2024-13-01,2\n", "row 3: expected an ISO day and a number"),
    ("day,value\n2024-01-01,1\n2024-01-02,-5\n", "row 3: value '-5' is not a finite number >= 0"),
    ("day,value\n2024-01-02,1\n2024-01-01,2\n", "row 3: day 2024-01-01 is not after the row before's 2024-01-02"),
])
def test_a_malformed_csv_stops_with_one_line_naming_file_and_row(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        load(str(path))
    text = str(stop.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def _scored(name: str, blocks: list[int], in80: list[bool]) -> Scored:
    n = len(blocks)
    season = np.array(["year-end weeks"] * n, dtype=object)
    return Scored(name, "US", 1, 1.0, 1.0, season, np.array(blocks), np.array(["6-20 Dec"] * n, dtype=object),
                  np.array(in80), np.array([True] * n))


def test_pooled_coverage_counts_days_and_resamples_whole_blocks() -> None:
    a = _scored("a", [2020, 2020, 2021, 2021], [True, True, False, False])
    b = _scored("b", [2020, 2020], [True, False])
    blocks, days, c80, c95, (lo80, hi80, lo95, hi95) = pooled([a, b], [np.ones(4, bool), np.ones(2, bool)])
    assert (blocks, days) == (3, 6)
    assert c80 == pytest.approx(3 / 6) and c95 == 1.0
    # Whole blocks (1.0, 0.0, 0.5 covered): no resample can read below 0 or above 1, and the
    # 5th-95th percentiles straddle the pooled share.
    assert 0.0 <= lo80 < c80 < hi80 <= 1.0 and lo95 == hi95 == 1.0


def test_a_calibrated_twin_puts_every_cell_inside_when_years_do_not_vary() -> None:
    # Every year covers 4 of its 5 days: no spread, so a twin centred on 80% is inside every time.
    years = [y for y in (2019, 2020, 2021) for _ in range(5)]
    steady = [_scored(name, years, [i % 5 != 4 for i in range(15)]) for name in ("a", "b")]
    assert calibrated_twin(steady, [np.ones(15, bool)] * 2, 80) == pytest.approx(2.0)


def test_a_calibrated_twin_expects_few_cells_inside_when_whole_years_hit_or_miss() -> None:
    # Whole years covered or missed (the year-end's one shared level error): with two years per
    # series a centred forecaster still reads about 0%, 50% or 100%, seldom 77-83%.
    swings = [_scored(name, [2019] * 4 + [2020] * 4, [True] * 4 + [False] * 4) for name in ("a", "b", "c")]
    assert 0.0 <= calibrated_twin(swings, [np.ones(8, bool)] * 3, 80) < 0.5
    assert math.isnan(calibrated_twin(swings, [np.zeros(8, bool)] * 3, 80))  # nothing picked


def test_panel_specs_take_the_listed_splits_only(tmp_path: Path) -> None:
    from bench.forecast_panel import panel_specs

    entries = [{"name": n, "file": f"{n}.csv", "country": "US", "split": sp}
               for n, sp in (("a", "dev"), ("b", "final"), ("c", "final4"))]
    (tmp_path / "series.json").write_text(json.dumps(entries))
    assert panel_specs(tmp_path, "dev,final") == [f"{tmp_path / 'a.csv'}:US", f"{tmp_path / 'b.csv'}:US"]
    assert panel_specs(tmp_path, "final4") == [f"{tmp_path / 'c.csv'}:US"]
    assert len(panel_specs(tmp_path)) == 3


def test_the_protocols_coverage_resamples_whole_origins_and_counts_the_worst_ones() -> None:
    from bench.forecast_anchors import Tally

    # Three origins of 4 days: all covered, all covered, none covered at 95%; 80% misses one day each.
    t = Tally([], in80=[True, True, True, False] * 3, in95=[True] * 8 + [False] * 4, seconds=[],
              cuts=[10] * 4 + [20] * 4 + [30] * 4)
    firm = t.by_origin()
    lo95, hi95, misses, worst = firm["95"]
    assert (misses, worst) == (4.0, 4.0)  # every miss is the third origin's
    # An origin is all in or all out: a resample reads 0, 1/3, 2/3 or 1, and its spread straddles 2/3.
    assert 0.0 <= lo95 < 8 / 12 < hi95 <= 1.0
    lo80, hi80, misses80, worst80 = firm["80"]
    assert (lo80, hi80, misses80, worst80) == (0.75, 0.75, 3.0, 2.0)  # each origin alike: no spread


def test_the_protocols_calibrated_twin_keeps_each_series_spread() -> None:
    from bench.forecast_anchors import Tally, calibrated_twin

    # Origins whose coverage never strays: a calibrated twin of them always reads 80% / 95%, inside.
    calm = Tally([], in80=[True] * 16 + [False] * 4, in95=[True] * 19 + [False], seconds=[], cuts=[c for c in range(20)])
    n, h80, h95 = calm.origin_counts()
    assert (n.tolist(), h80.sum(), h95.sum()) == ([1] * 20, 16.0, 19.0)
    # One day per origin is all in or all out: the twin's cells move by whole origins, so some land outside.
    p80, p95, both = calibrated_twin(n, h80, h95, draws=4000)
    assert 0.0 < both <= min(p80, p95) < 1.0
    # Twenty origins of 20 days, each covering exactly its share: no spread, the twin is always inside.
    even = Tally([], in80=([True] * 16 + [False] * 4) * 20, in95=([True] * 19 + [False]) * 20, seconds=[],
                 cuts=[c for c in range(20) for _ in range(20)])
    assert calibrated_twin(*even.origin_counts(), draws=500) == (1.0, 1.0, 1.0)
