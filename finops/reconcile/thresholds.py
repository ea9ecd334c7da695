"""The thresholds that decide when a difference is a cause and not noise, with their config.

Noise is measured per series (provider, project, key, model, token class) as a robust
spread of the daily relative difference between billed and local tokens:
1.4826 x MAD, which ignores the few days an incident touches. A day counts against a
cause only when its difference clears both a floor and `noise_k` times that spread, so
a series that is always a little off never raises findings, and a clean series (the
sample's, where local equals billed exactly) flags any planted difference.

Every field can be set in finops.toml under [reconcile]; `--max-unexplained-pct` on the
command line wins over the file.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Thresholds:
    noise_k: float = 4.0  # a day is an incident beyond this many robust spreads of its series
    min_eviction_share: float = 0.05  # evicted tokens as a share of the cache reads the log expected
    eviction_min_requests: float = 3.0  # ... and at least the reads of this many average logged requests
    drift_min_days: int = 14  # days of a series before a steady ratio is believed
    drift_min_offset: float = 0.02  # |median billed/local input ratio - 1|
    drift_min_steady_share: float = 0.8  # share of days inside the ratio's band
    drift_band_k: float = 4.0  # band = median +- (drift_band_k x spread + drift_band_floor)
    drift_band_floor: float = 0.01
    drift_merge_ratio: float = 0.02  # models of one project with ratios this close are one finding
    price_rel_tol: float = 0.005  # billed vs catalog dollars per day and line
    price_abs_tol: float = 0.001  # USD, below any rounding a cost API applies
    range_gap_days: int = 7  # quiet days that still continue one finding
    history_days: int = 60  # days before --since read as the baseline for noise and drift
    max_unexplained_pct: float = 2.0  # of billed dollars, for the exit status

    @classmethod
    def from_config(cls, config: Any) -> "Thresholds":
        """Thresholds from the [reconcile] section of a finops ConfigFile (defaults when absent)."""
        section = config.section("reconcile") if config is not None else {}
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in section.items():
            if key not in known:
                config.fail(f"reconcile.{key}", f"unknown setting (known: {', '.join(known)})")
            want = int if known[key].type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (want is int and not isinstance(value, int)):
                config.fail(f"reconcile.{key}", f"must be a{'n integer' if want is int else ' number'}")
            if value < 0:
                config.fail(f"reconcile.{key}", "must not be negative")
            values[key] = want(value)
        return replace(cls(), **values)
