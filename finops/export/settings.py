"""The `[export]` section of finops.toml: where scheduled exports go and what FOCUS cannot learn from APIs.

    [export]
    out_dir = "~/finops-exports"        # default --out (relative paths: to the config file)
    datasets = ["costs", "usage"]       # what `finops schedule show` schedules
    format = "parquet"                  # csv | parquet
    at = "06:15"                        # daily run time (local), HH:MM
    sync_first = false                  # add --sync-first to the scheduled command

    [export.billing_accounts.OpenAI]    # FOCUS BillingAccountId/Name per ServiceProviderName
    id = "org-..."
    name = "Acme Inc."

Every key is optional; a bad value is a ConfigError naming the file, line and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from finops.config import ConfigFile

FORMATS = ("csv", "parquet")
DATASET_NAMES = ("costs", "usage", "requests", "reconcile", "cogs", "forecast", "carbon")
_KNOWN = {"out_dir", "datasets", "format", "at", "sync_first", "billing_accounts"}
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class BillingAccount:
    id: str
    name: str | None = None


@dataclass(frozen=True)
class ExportSettings:
    out_dir: Path | None = None
    datasets: tuple[str, ...] = ("costs",)
    format: str = "parquet"
    at: str = "06:15"
    sync_first: bool = False
    billing_accounts: dict[str, BillingAccount] = field(default_factory=dict)

    @property
    def hour_minute(self) -> tuple[int, int]:
        h, m = self.at.split(":")
        return int(h), int(m)

    @classmethod
    def from_config(cls, cfg: ConfigFile) -> "ExportSettings":
        sec = cfg.section("export")
        unknown = sorted(set(sec) - _KNOWN)
        if unknown:
            cfg.fail(f"export.{unknown[0]}", f"unknown key (known: {', '.join(sorted(_KNOWN))})")
        out_dir = None
        if "out_dir" in sec:
            if not isinstance(sec["out_dir"], str) or not sec["out_dir"].strip():
                cfg.fail("export.out_dir", "must be a directory path")
            out_dir = Path(sec["out_dir"]).expanduser()
            if not out_dir.is_absolute():
                out_dir = (cfg.path.parent if cfg.path else Path.cwd()) / out_dir
        datasets = sec.get("datasets", ["costs"])
        if not isinstance(datasets, list) or not datasets or any(d not in DATASET_NAMES for d in datasets):
            cfg.fail("export.datasets", f"must be a list drawn from {', '.join(DATASET_NAMES)}")
        fmt = sec.get("format", "parquet")
        if fmt not in FORMATS:
            cfg.fail("export.format", f"must be csv or parquet, got {fmt!r}")
        at = sec.get("at", "06:15")
        if not isinstance(at, str) or not TIME_PATTERN.match(at):
            cfg.fail("export.at", f"must be a time HH:MM, got {at!r}")
        sync_first = sec.get("sync_first", False)
        if not isinstance(sync_first, bool):
            cfg.fail("export.sync_first", "must be true or false")
        accounts = {}
        raw = sec.get("billing_accounts", {})
        if not isinstance(raw, dict):
            cfg.fail("export.billing_accounts", "must be a table of provider name = { id = ..., name = ... }")
        for provider, acct in raw.items():
            key = f"export.billing_accounts.{provider}"
            if not isinstance(acct, dict) or not isinstance(acct.get("id"), str) or not acct["id"].strip():
                cfg.fail(key, "needs id = \"...\" (the provider's billing account or organization id)")
            name = acct.get("name")
            if name is not None and not isinstance(name, str):
                cfg.fail(f"{key}.name", "must be a string")
            accounts[str(provider)] = BillingAccount(acct["id"].strip(), name)
        return cls(out_dir, tuple(datasets), fmt, at, sync_first, accounts)
