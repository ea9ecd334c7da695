"""Write amplification (issue 21 item 1, docs/cache.md): cache writes never read back within their TTL.

The pure judgement on requests built here (read in time, read too late, a 1-hour write, a
write whose TTL runs past the data, another feature's reads); the sample's figure against
an independent reading of the committed log (a plain loop over each series' requests).
"""

from __future__ import annotations

import bisect
import json
import shutil
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from finops.cli import app
from finops.numbers import pct
from finops.models.cache.writes import unread_writes

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _requests(rows: list[tuple[float, str, int, int, int]]) -> pl.LazyFrame:
    """(minutes after T0, feature, reads, writes, of which 1h) -> request rows of one provider, model and project."""
    return pl.DataFrame({
        "ts": [T0 + timedelta(minutes=m) for m, *_ in rows], "provider": ["anthropic"] * len(rows),
        "model": ["claude-sonnet-4-5"] * len(rows), "project_id": ["wrk"] * len(rows), "api_key_id": ["k"] * len(rows),
        "feature": [r[1] for r in rows], "cached_input_tokens": [r[2] for r in rows],
        "cache_write_tokens": [r[3] for r in rows], "cache_write_1h_tokens": [r[4] for r in rows],
    }).lazy()


def test_a_write_is_read_back_only_by_a_later_read_of_its_series_within_its_ttl() -> None:
    rows = [
        (0, "chat", 0, 1000, 0),  # read at +4 min: read back
        (4, "chat", 900, 0, 0),
        (5, "chat", 0, 100, 0),  # next read at +10 min 0.6 s: 5 min 0.6 s late, unread (not rounded to whole seconds)
        (10.01, "chat", 50, 0, 0),
        (11, "chat", 0, 2000, 0),  # next read of chat at +17 (6 min): unread (5m) ...
        (12, "other", 5000, 0, 0),  # ... another feature's read does not count
        (17, "chat", 1500, 0, 0),
        (20, "chat", 0, 3000, 3000),  # a 1-hour write read 30 min later: read back
        (50, "chat", 2500, 0, 0),
        (60, "chat", 0, 400, 0),  # TTL ends 65 min, data ends 63 min: not judged
    ]
    horizon = T0 + timedelta(minutes=63)
    out = unread_writes(_requests(rows), horizon).collect()
    chat = out.filter(pl.col("feature") == "chat").row(0, named=True)
    assert chat["writes_judged"] == 1000 + 100 + 2000 + 3000
    assert (chat["unread_5m"], chat["unread_1h"]) == (100 + 2000, 0)
    assert out.filter(pl.col("feature") == "other").height == 0  # no write: nothing to judge
    # a 1-hour write never read, with the data reaching past its hour: unread
    late = unread_writes(_requests([(0, "chat", 0, 700, 700)]), T0 + timedelta(hours=2)).collect().row(0, named=True)
    assert (late["writes_judged"], late["unread_1h"]) == (700, 700)


def _independent(log: pl.DataFrame, horizon: datetime) -> tuple[int, int]:
    """Judged and unread write tokens by a plain loop: each series' read times, the first read after each write."""
    reads: dict[tuple, list[datetime]] = defaultdict(list)
    writes: list[tuple[tuple, datetime, int]] = []
    for r in log.iter_rows(named=True):
        key = (r["provider"], r["model"], r["project_id"] or "", r["feature"] or "")
        if r["cached_input_tokens"]:
            reads[key].append(r["ts"])
        if r["cache_write_tokens"]:
            writes.append((key, r["ts"], r["cache_write_tokens"]))
    judged = unread = 0
    ttl = timedelta(minutes=5)  # the sample logs no 1-hour writes
    for times in reads.values():
        times.sort()
    for key, ts, tokens in writes:
        times = reads[key]
        i = bisect.bisect_right(times, ts)
        read = i < len(times) and times[i] - ts <= ttl
        if read or horizon - ts >= ttl:
            judged += tokens
            unread += 0 if read else tokens
    return judged, unread


def test_sample_write_amplification_is_the_logs_unread_writes(finops_home: Path, sample_dir: Path) -> None:
    for name in ("finops.toml", "fx_rates.csv"):
        shutil.copy(REPO / "sample_data" / name, finops_home / name)
    result = CliRunner().invoke(app, ["cache", "--format", "json"], catch_exceptions=False)
    doc = json.loads(result.output)
    fig = next(f for f in doc["figures"] if f["name"] == "cache_write_amplification")
    log = pl.read_parquet(sample_dir / "requests" / "requests.parquet").filter(~pl.col("model").str.contains("embedding"))
    assert log["cache_write_1h_tokens"].fill_null(0).sum() == 0
    end = datetime.fromisoformat(doc["end"]).replace(tzinfo=timezone.utc) + timedelta(days=1)
    judged, unread = _independent(log, end)
    assert fig["writes_judged"] == judged and fig["writes"] == log["cache_write_tokens"].sum()
    assert fig["writes_unread"] == unread
    assert fig["value"] == pytest.approx(unread / judged * 100, rel=1e-12)
    assert fig["provenance"] == "estimated" and 50 < fig["value"] < 95  # sparse traffic: most 5-minute writes expire
    # the premium those writes paid for nothing: unread tokens x (5m write rate - uncached rate), per feature
    rows = {r["feature"]: r for r in doc["rows"]}
    assert sum(r["writes_unread"] for r in rows.values()) == fig["writes_unread"]
    assert rows["rag-search"]["write_amplification_pct"] is None  # OpenAI: automatic caching, no write to judge
    sonnet = rows["code-agent"]  # claude-sonnet-4-5: $3.75 vs $3.00 per million
    assert sonnet["unread_premium_usd"] == pytest.approx(sonnet["writes_unread"] * 0.75 / 1e6, rel=1e-6)
    assert fig["unread_premium_usd"] == pytest.approx(sum(r["unread_premium_usd"] for r in rows.values()))
    table = CliRunner().invoke(app, ["cache", "--format", "table", "--wide"], catch_exceptions=False).output
    assert f"Write amplification · writes not read within TTL · estimated: {pct(fig['value'])}" in table
    assert "writes unread" in table
