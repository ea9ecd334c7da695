"""Load sample_data/ into the store through the same parsers the live sources use.

Provider pages go through the OpenAI and Anthropic page parsers, the request log
through the requests table, and the COGS bills through their ingesters, so loading the
sample exercises the real code paths. Loading twice changes nothing.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from finops.errors import InputError
from finops.store import Store, UpsertResult

SAMPLE_SOURCE_PREFIX = "sample:"


def default_sample_dir() -> Path:
    """sample_data/ beside the package in a checkout, else the copy shipped in the wheel."""
    repo = Path(__file__).resolve().parents[2] / "sample_data"
    if (repo / "manifest.json").is_file():
        return repo
    return Path(str(resources.files("finops").joinpath("_sample_data")))


def read_pages(path: Path) -> Iterator[dict[str, Any]]:
    """Pages of a gzip JSON Lines file; a bad line is an error naming file and line."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None


def _pages_frame(path: Path, parse: Callable[[dict[str, Any]], pl.DataFrame]) -> pl.DataFrame:
    frames = [parse(page) for page in read_pages(path)]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame()


@dataclass
class LoadReport:
    results: list[UpsertResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add(self, name: str, result: UpsertResult) -> None:
        self.files.append(name)
        self.results.append(result)


def provider_frames(sample_dir: Path) -> dict[str, tuple[str, pl.DataFrame]]:
    """{file: (table, frame)} for the provider usage and cost pages."""
    from finops.connectors import anthropic_usage, openai_usage

    src = SAMPLE_SOURCE_PREFIX
    return {
        "openai/usage_completions.jsonl.gz": (
            "billed_usage",
            _pages_frame(sample_dir / "openai/usage_completions.jsonl.gz",
                         lambda p: openai_usage.parse_usage_page(p, "completions", source=src + "openai")),
        ),
        "openai/usage_embeddings.jsonl.gz": (
            "billed_usage",
            _pages_frame(sample_dir / "openai/usage_embeddings.jsonl.gz",
                         lambda p: openai_usage.parse_usage_page(p, "embeddings", source=src + "openai")),
        ),
        "openai/costs.jsonl.gz": (
            "cost_lines",
            _pages_frame(sample_dir / "openai/costs.jsonl.gz",
                         lambda p: openai_usage.parse_costs_page(p, source=src + "openai")),
        ),
        "anthropic/usage_messages.jsonl.gz": (
            "billed_usage",
            _pages_frame(sample_dir / "anthropic/usage_messages.jsonl.gz",
                         lambda p: anthropic_usage.parse_usage_page(p, source=src + "anthropic")),
        ),
        "anthropic/cost_report.jsonl.gz": (
            "cost_lines",
            _pages_frame(sample_dir / "anthropic/cost_report.jsonl.gz",
                         lambda p: anthropic_usage.parse_cost_page(p, source=src + "anthropic")),
        ),
    }


def cogs_frames(sample_dir: Path) -> dict[str, tuple[str, pl.DataFrame]]:
    """{file: (table, frame)} for the non-inference bills, via the COGS ingesters."""
    try:
        from finops.connectors import cogs_files
    except ImportError:  # the COGS ingesters are optional until they are installed
        return {}
    out: dict[str, tuple[str, pl.DataFrame]] = {}
    for name, kind in (
        ("cogs/pinecone_usage.csv", "vector-db"),
        ("cogs/datadog_estimated_cost.csv", "observability"),
        ("cogs/human_review.csv", "review"),
    ):
        path = sample_dir / name
        if path.is_file():
            out[name] = ("cost_lines", cogs_files.read_cogs_file(path, kind, source=SAMPLE_SOURCE_PREFIX + kind))
    return out


def install_sample_config(store: Store, sample_dir: Path) -> None:
    """Copy the sample's finops.toml and rate file beside the store, never over the user's."""
    from finops.store import atomic

    data_dir = store.root.parent
    for name in ("finops.toml", "fx_rates.csv"):
        src, dest = sample_dir / name, data_dir / name
        if src.is_file() and not dest.exists():
            atomic.write_bytes(dest, src.read_bytes())


def load_sample(store: Store, sample_dir: Path | None = None, progress: Callable[[str], None] | None = None) -> LoadReport:
    sample_dir = sample_dir or default_sample_dir()
    if not (sample_dir / "manifest.json").is_file():
        raise InputError(f"{sample_dir}: not a sample data directory (no manifest.json); run `finops sample generate`")
    report = LoadReport()
    install_sample_config(store, sample_dir)
    requests_path = sample_dir / "requests" / "requests.parquet"
    if progress:
        progress("requests/requests.parquet")
    with store.transaction():  # every table of the sample: one commit
        report.add("requests/requests.parquet", store.upsert("requests", pl.scan_parquet(requests_path)))
        for name, (table, frame) in {**provider_frames(sample_dir), **cogs_frames(sample_dir)}.items():
            if progress:
                progress(name)
            report.add(name, store.upsert(table, frame))
    return report
