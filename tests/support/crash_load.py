"""A multi-month, two-table load and a merge loop, run in a subprocess that a test kills.

    python -m tests.support.crash_load <store> load     # the load below, one transaction
    python -m tests.support.crash_load <store> loop     # merge ingests until killed
    python -m tests.support.crash_load <store> ingest-loop A.jsonl B.jsonl
                                                        # `finops ingest`'s own code on A, B, A, ... until killed

`base` and `load` are the states before and after the load; `state(store)` is what a reader
compares them by.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from finops.store import Store

MONTHS = (1, 2, 3)


def requests(month: int, ids: range, tokens: int) -> pl.DataFrame:
    return pl.DataFrame({
        "ts": [datetime(2026, month, 1 + i % 28, i % 24, tzinfo=timezone.utc) for i in ids],
        "request_id": [f"m{month}-r{i}" for i in ids],
        "provider": "openai",
        "model": "gpt-test",
        "input_tokens": tokens,
    })


def usage(month: int, quantity: int) -> pl.DataFrame:
    return pl.DataFrame({
        "charge_period_start": [datetime(2026, month, d, tzinfo=timezone.utc) for d in range(1, 11)],
        "charge_period_end": [datetime(2026, month, d + 1, tzinfo=timezone.utc) for d in range(1, 11)],
        "source": "openai", "provider": "openai", "model": "gpt-test", "token_class": "input", "project_id": "",
        "api_key_id": "", "service_tier": "", "context_window": "", "region": "",
        "quantity": quantity,
    })


def base(store: Store) -> None:
    with store.transaction():
        for m in (1, 2):
            store.upsert("requests", requests(m, range(0, 2000), tokens=1))
        store.upsert("billed_usage", usage(1, 100))


def load(store: Store) -> None:
    """Changed rows in January (a merge), new keys in February and March (new parts), the bill's
    January restated and February added (a merge, a new month), old January usage days dropped."""
    with store.transaction():
        store.upsert("requests", requests(1, range(1000, 3000), tokens=2))
        store.upsert("requests", requests(2, range(2000, 2500), tokens=3))
        store.upsert("requests", requests(3, range(0, 1500), tokens=4))
        store.upsert("billed_usage", pl.concat([usage(1, 200), usage(2, 300)]))
        store.delete_where("billed_usage", pl.col("charge_period_start") < datetime(2026, 1, 3, tzinfo=timezone.utc))


def state(store: Store) -> tuple:
    """What a reader sees, from one snapshot: rows and token sums per month, and the bill."""
    m = store.manifest()
    req = store.scan("requests", m).group_by(pl.col("ts").dt.month()).agg(pl.len(), pl.col("input_tokens").sum()).sort("ts")
    bill = store.scan("billed_usage", m).select(pl.len(), pl.col("quantity").sum())
    return tuple(map(tuple, req.collect().rows())), bill.collect().row(0)


def loop(store: Store) -> None:
    """Merge ingests for ever: every row of every month gets the same new token count each time."""
    k = 1
    while True:
        k += 1
        with store.transaction():
            for m in MONTHS:
                store.upsert("requests", requests(m, range(0, 3000), tokens=k))


def ingest_loop(store: Store, logs: list[Path]) -> None:
    """The request-log ingest the CLI runs, over the same keys with other values, for ever."""
    from finops.connectors.request_logs import ingest_request_files

    k = 0
    while True:
        ingest_request_files(store, [logs[k % len(logs)]], "generic")
        k += 1


if __name__ == "__main__":
    root, what = Path(sys.argv[1]), sys.argv[2]
    if what == "ingest-loop":
        ingest_loop(Store(root), [Path(p) for p in sys.argv[3:]])
    else:
        {"load": load, "loop": loop}[what](Store(root))
