"""Shared fixtures: a store loaded with the committed sample data (built once per session).

Tests that only read should use `sample_store`; tests that write must copy it first
with `sample_store_copy` so they never change what other tests see.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

# Under `pytest -n N` each worker gets one polars thread, so the workers together use as many
# threads as there are cores: with a pool per worker, the pools' idle spinning took the cores
# from each other (the suite 468 -> 416 s on two cores; the ingest fuzzer 158 -> 90 CPU-s).
# That the figures do not depend on the thread count is itself tested
# (tests/test_thread_counts.py runs the CLI with several). Set before any test imports polars.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("POLARS_MAX_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "sample_data"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def ground_truth() -> dict:
    return json.loads((SAMPLE_DIR / "ground_truth.json").read_text())


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from finops.sample.load import load_sample
    from finops.store import Store

    root = tmp_path_factory.mktemp("sample-store") / "store"
    load_sample(Store(root), SAMPLE_DIR)
    return root


@pytest.fixture()
def sample_store(sample_store_path: Path):
    """The loaded sample store, read-only by convention."""
    from finops.store import Store

    return Store(sample_store_path)


@pytest.fixture()
def sample_store_copy(sample_store_path: Path, tmp_path: Path):
    """A private, writable copy of the loaded sample store."""
    from finops.store import Store

    dest = tmp_path / "store"
    shutil.copytree(sample_store_path, dest)
    return Store(dest)


@pytest.fixture()
def finops_home(sample_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir (FINOPS_HOME) whose store is a copy of the loaded sample; for CLI tests."""
    home = tmp_path / "home"
    shutil.copytree(sample_store_path, home / "store")
    monkeypatch.setenv("FINOPS_HOME", str(home))
    monkeypatch.delenv("FINOPS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return home
