"""Local token counting for logs with text but no counts: offline tiktoken or the documented estimate."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import polars as pl
import pytest

from finops.connectors import token_count
from finops.connectors.request_logs import ingest_request_files
from finops.store import Store

DATA = Path(__file__).parent / "data" / "request_logs"


@pytest.fixture(autouse=True)
def _fresh_encodings():
    token_count.load_encoding.cache_clear()
    yield
    token_count.load_encoding.cache_clear()


def test_without_cached_encodings_the_estimate_is_used_and_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    store = Store(tmp_path / "store")
    report = ingest_request_files(store, [DATA / "text_only.csv"])
    assert report.notes == [token_count.ESTIMATE_NOTE]
    rows = store.read("requests").sort("request_id")
    assert set(rows["provenance"]) == {"estimated"}
    ja = rows.row(0, named=True)  # 28 kana/kanji at 1 token, two "。" at 1/4 each, rounded up
    assert (ja["input_tokens"], ja["output_tokens"]) == (28 + 1, 6)
    en = rows.row(1, named=True)
    assert en["input_tokens"] == -(-len("Summarise the attached contract in three bullet points please.") // 4)


def test_empty_cache_dir_means_no_cache_and_no_download(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # tiktoken would download here; we must not
    assert token_count.cache_dir() is None and token_count.load_encoding("o200k_base") is None


def test_a_corrupt_cached_file_is_ignored_not_refetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    name = hashlib.sha1(token_count.URL.format(name="cl100k_base").encode()).hexdigest()
    (tmp_path / name).write_bytes(b"not an encoding\n")
    assert token_count.load_encoding("cl100k_base") is None
    assert (tmp_path / name).exists()  # tiktoken would have deleted it and downloaded again


def test_a_cached_encoding_is_used_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A byte-level vocabulary (each byte one token) stands in for the real file, which this
    # machine does not have; the cache lookup, loading and counting are tiktoken's own.
    vocab = b"".join(base64.b64encode(bytes([i])) + b" %d\n" % i for i in range(256))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    name = hashlib.sha1(token_count.URL.format(name="cl100k_base").encode()).hexdigest()
    (tmp_path / "cache" / name).write_bytes(vocab)
    monkeypatch.setitem(token_count.EXPECTED_SHA256, "cl100k_base", hashlib.sha256(vocab).hexdigest())
    expr, note = token_count.count_expr("text", "model")
    assert "tiktoken (cl100k_base" in note
    texts = ["hello", "héllo", None]
    counts = pl.DataFrame({"text": texts, "model": ["gpt-4.1", "claude-sonnet-4-5", "gpt-4.1"]}).select(expr).to_series()
    assert counts.to_list() == [5, 6, 0]  # UTF-8 bytes: é is two
