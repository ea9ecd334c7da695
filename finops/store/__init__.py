"""The local Parquet store: layout, atomic writes, upserts and sync watermarks.

This is the store's public surface: code outside finops.store imports from here (and may
use finops.store.atomic, the atomic file writes every writer shares); the other modules
are internal (an import-linter contract in pyproject.toml holds this).
"""

from finops.store.check import DamagedPart, as_store_error, damaged_parts, part_count
from finops.store.staging import Checked, Staged, stage_checked
from finops.store.store import Store, UpsertResult
from finops.store.watermarks import SourceState, Watermarks

__all__ = ["Checked", "DamagedPart", "as_store_error", "damaged_parts", "part_count", "SourceState", "Staged", "Store", "UpsertResult", "Watermarks", "stage_checked"]
