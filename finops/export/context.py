"""What an export run reads besides the store rows: config, price catalog, and the inputs' version stamps.

The version stamp of a period ("inputs") is a hash of what its file is computed from:
the store partitions it reads (size and mtime: the store rewrites a month only when its
rows change), the config text, the price catalog and the data files bundled with the model
behind the dataset. Equal stamps mean the period cannot have changed, so an incremental run
skips it without reading a row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import polars as pl

from finops.config import ConfigFile, Settings
from finops.context import Context as CoreContext
from finops.export.settings import ExportSettings
from finops.store import Store

# Bump when an export's columns or derivations change: every period then re-exports once.
EXPORT_VERSION = "1"


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path.name}:absent"
    return f"{path.name}:{st.st_size}:{st.st_mtime_ns}"


@dataclass
class Context:
    store: Store
    config: ConfigFile = field(default_factory=lambda: ConfigFile(None))
    settings: ExportSettings = field(default_factory=ExportSettings)
    core: CoreContext | None = None  # the entry point's context (catalog, thresholds, FX); built here when absent

    @classmethod
    def of(cls, core: CoreContext, settings: ExportSettings) -> "Context":
        return cls(core.store, core.settings.config, settings, core)

    @cached_property
    def context(self) -> CoreContext:
        if self.core is not None:
            return self.core
        return CoreContext.build(Settings(self.store.root.parent, self.config), store=self.store)

    @cached_property
    def catalog(self) -> pl.DataFrame:
        """The configured price catalog ([pricing] override merged over the default), from the entry point's context."""
        return self.context.catalog

    @cached_property
    def catalog_stamp(self) -> str:
        cat = self.catalog
        return hashlib.sha256(cat.sort(cat.columns).write_csv().encode()).hexdigest()

    def partitions(self, tables: tuple[str, ...], month: str | None = None) -> list[str]:
        """Size/mtime stamps of the store partitions of `tables` (one month, or all)."""
        out = []
        for table in tables:
            months = [month] if month else self.store.months(table)
            for m in months:
                parts = self.store.part_files(table, m)
                out.append(f"{table}/{m}/" + (",".join(_file_stamp(p) for p in parts) or "absent"))
        return out

    def data_files(self, folder: Path) -> list[str]:
        """Stamps of the CSV data files shipped with a model package (the energy tables, ...)."""
        return [_file_stamp(p) for p in sorted(folder.glob("*.csv"))] or [f"{folder.name}:absent"]

    def config_file(self, dotted: str) -> list[str]:
        """Stamp of a file named in finops.toml (e.g. display.fx_rates), relative to the config file."""
        section, _, key = dotted.rpartition(".")
        value = self.config.section(section).get(key)
        if not isinstance(value, str):
            return []
        path = Path(value).expanduser()
        if not path.is_absolute() and self.config.path is not None:
            path = self.config.path.parent / path
        return [_file_stamp(path)]

    def stamp(self, parts: list[str]) -> str:
        head = [EXPORT_VERSION, hashlib.sha256(self.config.text.encode()).hexdigest()]
        return hashlib.sha256("\n".join(head + parts).encode()).hexdigest()
