"""The local Parquet store: layout, atomic writes, upserts and sync watermarks."""

from finops.store.staging import Staged
from finops.store.store import Store, UpsertResult
from finops.store.watermarks import SourceState, Watermarks

__all__ = ["SourceState", "Staged", "Store", "UpsertResult", "Watermarks"]
