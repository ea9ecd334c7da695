"""The same request from a gateway log and an OTel export is one request."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from finops.connectors.request_logs import ingest_request_files
from finops.store import Store

DATA = Path(__file__).parent / "data" / "request_logs"
OTEL, LITELLM = DATA / "otel_genai_spans.jsonl", DATA / "litellm_spend_logs.csv"
DISTINCT_INPUT = 1200 + 4000 + 900 + 2000 + 900 + 5000  # otel's three, litellm's three others


def test_gateway_after_otel_is_counted_once_and_fills_gaps(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    assert ingest_request_files(store, [OTEL]).result.added == 3
    lite = ingest_request_files(store, [LITELLM])
    assert (lite.result.added, lite.merged) == (3, 1)
    rows = store.read("requests")
    assert rows.height == 6 and rows["request_id"].n_unique() == 6 and rows["input_tokens"].sum() == DISTINCT_INPUT
    shared = rows.filter(pl.col("request_id") == "chatcmpl-otel-001").row(0, named=True)
    assert shared["source"] == "requests:otel+requests:litellm" and shared["feature"] == "support-bot"  # the first source keeps its values
    assert shared["project_id"] == "proj_support" and shared["cached_input_tokens"] == 512  # gaps filled from the gateway


def test_order_and_batching_do_not_change_the_counts(tmp_path: Path) -> None:
    totals = []
    for i, batches in enumerate(([[LITELLM], [OTEL]], [[OTEL, LITELLM]], [[LITELLM, OTEL]])):
        store = Store(tmp_path / f"store{i}")
        for files in batches:
            ingest_request_files(store, files)
        rows = store.read("requests")
        totals.append((rows.height, rows["input_tokens"].sum(), rows["output_tokens"].sum()))
    assert totals == [(6, DISTINCT_INPUT, 310 + 800 + 450 + 600 + 0 + 300)] * 3


def test_logged_counts_replace_estimated_ones(tmp_path: Path) -> None:
    estimated = tmp_path / "text.csv"
    estimated.write_text("ts,request_id,provider,model,prompt,completion\n"
                         "2025-12-01T00:00:00Z,chatcmpl-otel-001,openai,gpt-4.1-mini,"
                         "hello there this is a prompt,short answer\n")
    store = Store(tmp_path / "store")
    ingest_request_files(store, [estimated])
    assert store.read("requests")["provenance"].to_list() == ["estimated"]
    ingest_request_files(store, [OTEL])
    row = store.read("requests").filter(pl.col("request_id") == "chatcmpl-otel-001").row(0, named=True)
    assert (row["input_tokens"], row["output_tokens"], row["provenance"]) == (1200, 310, "logged")
