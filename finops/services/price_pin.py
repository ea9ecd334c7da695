"""Stored history keeps its list prices: the list-price catalog is pinned in the data directory.

No stored table holds a computed price (every figure is priced when it is read), so without a
pin `pip install -U genai-prices`, or a finops release with a corrected catalog.csv, would
silently re-price every past month. The list prices in force when the data directory first
held data are written to `<data dir>/prices/list_prices.parquet` and used from then on, until
`finops reprice --installed --adopt` replaces them. Only the list prices are pinned: `[pricing]
override` and the rate card are the team's configuration and apply on top, as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from finops.errors import PricingError
from finops.models.pricing.catalog import list_prices
from finops.models.pricing.frame import CATALOG_SCHEMA
from finops.store import atomic

PIN = Path("prices") / "list_prices.parquet"
DIGEST_KEY = "finops.list_prices.sha256"
SOURCES_KEY = "finops.list_prices.sources"


def digest(frame: pl.DataFrame) -> str:
    """A content hash of a catalog, independent of row order and of the Parquet writer."""
    rows = frame.select(list(CATALOG_SCHEMA)).sort(list(CATALOG_SCHEMA), nulls_last=True)
    return hashlib.sha256(rows.write_csv().encode("utf-8")).hexdigest()


def package_sources(frame: pl.DataFrame) -> str:
    """The releases a catalog's package rows come from, e.g. 'genai-prices==0.2.5'."""
    names = frame.filter(pl.col("source").str.contains("==", literal=True))["source"].unique().sort().to_list()
    return ", ".join(names) or "no package rows"


@dataclass(frozen=True)
class ListPrices:
    """The list prices figures are priced at, and where they come from."""

    frame: pl.DataFrame
    path: Path
    pinned: bool  # False: nothing stored yet, or the data directory is read-only (priced at the installed data)

    @property
    def sources(self) -> str:
        return package_sources(self.frame)

    def differs_from_installed(self) -> bool:
        return self.pinned and digest(self.frame) != digest(list_prices())

    def describe(self) -> str:
        """One line for `finops status`, `finops prices show` and reprice."""
        if not self.pinned:
            return f"list prices: the installed data ({self.sources}), not pinned yet"
        line = f"list prices: pinned in {self.path} ({self.sources})"
        if self.differs_from_installed():
            line += (f"; the installed data differs ({package_sources(list_prices())}): "
                     "`finops reprice --installed` shows what it would change, `--adopt` adopts it")
        return line


def read_pin(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same one-line error
        raise PricingError(f"{path}: cannot read the pinned list prices ({type(exc).__name__}); "
                           "delete the file to pin the installed ones again") from None
    if dict(frame.schema) != dict(CATALOG_SCHEMA):
        raise PricingError(f"{path}: the pinned list prices do not have the catalog's columns; "
                           "delete the file to pin the installed ones again")
    return frame


def pin(data_dir: Path, frame: pl.DataFrame) -> Path:
    """Write `frame` as the data directory's list prices (atomically: readers see the old or the new pin)."""
    path = data_dir / PIN
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_parquet(path, frame, metadata={DIGEST_KEY: digest(frame), SOURCES_KEY: package_sources(frame)})
    return path


def list_prices_of(data_dir: Path, has_data: Callable[[], bool]) -> ListPrices:
    """The data directory's pinned list prices; pinned now if it holds data (`has_data`, asked
    only when there is no pin: once pinned, no command scans the store for it) and has no pin yet."""
    path = data_dir / PIN
    if path.exists():
        return ListPrices(read_pin(path), path, True)
    installed = list_prices()
    if not has_data():
        return ListPrices(installed, path, False)
    try:
        pin(data_dir, installed)
    except OSError:  # a read-only data directory still shows figures, priced at the installed data
        return ListPrices(installed, path, False)
    return ListPrices(installed, path, True)
