"""The `[cogs]` rules of finops.toml, parsed into a `CogsRules` and validated.

Every problem is a one-line ConfigError naming the file, line and dotted key (via
ConfigFile.fail). docs/cogs.md documents each key.
"""

from __future__ import annotations

from typing import Any

from finops.config import ConfigFile
from finops.models.cogs.rules import (COST_COLUMNS, DEFAULT_METERS, DRIVERS, LINE_DRIVERS, TOP_KEYS, UNALLOCATED,
                                      CogsRules, Revenue)
from finops.schema import AllocationDriver, CostSource


def _number(cfg: ConfigFile, key: str, value: Any, *, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        cfg.fail(key, f"must be a number, got {value!r}")
    if positive and not value > 0:
        cfg.fail(key, f"must be greater than 0, got {value!r}")
    elif not positive and value < 0:
        cfg.fail(key, f"must not be negative, got {value!r}")
    return float(value)


def _name(cfg: ConfigFile, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        cfg.fail(key, f"must be a non-empty string, got {value!r}")
    return value.strip()


def _table(cfg: ConfigFile, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        cfg.fail(key, "must be a table")
    return value


def _parse_drivers(cfg: ConfigFile, raw: dict[str, Any]) -> dict[str, str]:
    drivers: dict[str, str] = {}
    for source, driver in _table(cfg, "cogs.drivers", raw).items():
        key = f"cogs.drivers.{source}"
        if source not in CostSource.ALL:
            cfg.fail(key, f"unknown cost source; expected one of {', '.join(CostSource.ALL)}")
        if driver not in DRIVERS:
            cfg.fail(key, f"unknown driver {driver!r}; expected one of {', '.join(DRIVERS)}")
        drivers[source] = driver
    return drivers


def _parse_fixed(cfg: ConfigFile, raw: dict[str, Any]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for source, shares in _table(cfg, "cogs.fixed_shares", raw).items():
        key = f"cogs.fixed_shares.{source}"
        if source not in CostSource.ALL:
            cfg.fail(key, f"unknown cost source; expected one of {', '.join(CostSource.ALL)}")
        shares = _table(cfg, key, shares)
        if not shares:
            cfg.fail(key, "needs at least one feature = share")
        out[source] = {_name(cfg, f"{key}.{f}", f): _number(cfg, f"{key}.{f}", w) for f, w in shares.items()}
    return out


def _parse_revenue(cfg: ConfigFile, raw: dict[str, Any]) -> dict[str, Revenue]:
    out: dict[str, Revenue] = {}
    for feature, spec in _table(cfg, "cogs.revenue", raw).items():
        key = f"cogs.revenue.{feature}"
        spec = _table(cfg, key, spec)
        unknown = set(spec) - {"per_task", "per_seat", "seats"}
        if unknown:
            cfg.fail(f"{key}.{sorted(unknown)[0]}", "unknown key; expected per_task, or per_seat with seats")
        if ("per_task" in spec) == ("per_seat" in spec):
            cfg.fail(key, "set exactly one of per_task or per_seat")
        if "per_task" in spec:
            if "seats" in spec:
                cfg.fail(f"{key}.seats", "seats goes with per_seat, not per_task")
            out[feature] = Revenue(per_task=_number(cfg, f"{key}.per_task", spec["per_task"], positive=False))
            continue
        if "seats" not in spec:
            cfg.fail(key, "per_seat needs seats (seats billed per month)")
        seats = spec["seats"]
        if isinstance(seats, bool) or not isinstance(seats, int) or seats <= 0:
            cfg.fail(f"{key}.seats", f"must be a whole number greater than 0, got {seats!r}")
        out[feature] = Revenue(per_seat=_number(cfg, f"{key}.per_seat", spec["per_seat"], positive=False), seats=seats)
    return out


def _parse_teams(cfg: ConfigFile, raw: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for team, feats in _table(cfg, "cogs.teams", raw).items():
        key = f"cogs.teams.{team}"
        if not isinstance(feats, list) or not feats:
            cfg.fail(key, "must be a non-empty list of feature names")
        names = tuple(_name(cfg, key, f) for f in feats)
        for f in names:
            if f in seen:
                cfg.fail(key, f"feature {f!r} already belongs to team {seen[f]!r}")
            seen[f] = team
        out[team] = names
    return out


def _parse_meters(cfg: ConfigFile, raw: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    meters = dict(DEFAULT_METERS)
    for driver, names in _table(cfg, "cogs.meters", raw).items():
        key = f"cogs.meters.{driver}"
        if driver not in LINE_DRIVERS:
            cfg.fail(key, f"unknown metered driver; expected one of {', '.join(LINE_DRIVERS)}")
        if not isinstance(names, list) or not names:
            cfg.fail(key, "must be a non-empty list of meter names")
        meters[driver] = tuple(_name(cfg, key, n) for n in names)
    return meters


def parse_rules(cfg: ConfigFile) -> CogsRules:
    """Read and validate `[cogs]`; raises a one-line ConfigError on the first problem."""
    raw = cfg.section("cogs")
    for key in raw:
        if key not in TOP_KEYS:
            cfg.fail(f"cogs.{key}", f"unknown key; expected one of {', '.join(TOP_KEYS)}")
    cost_column = raw.get("cost_column", "EffectiveCost")
    if cost_column not in COST_COLUMNS:
        cfg.fail("cogs.cost_column", f"must be one of {', '.join(COST_COLUMNS)}, got {cost_column!r}")
    features = {
        _name(cfg, f"cogs.features.{k}", k): _name(cfg, f"cogs.features.{k}", v)
        for k, v in _table(cfg, "cogs.features", raw.get("features", {})).items()
    }
    for account, feature in features.items():
        if feature == UNALLOCATED:
            cfg.fail(f"cogs.features.{account}", f"{UNALLOCATED!r} is reserved for costs no rule can place")
    rules = CogsRules(
        cost_column=cost_column,
        drivers=_parse_drivers(cfg, raw.get("drivers", {})),
        features=features,
        fixed_shares=_parse_fixed(cfg, raw.get("fixed_shares", {})),
        teams=_parse_teams(cfg, raw.get("teams", {})),
        revenue=_parse_revenue(cfg, raw.get("revenue", {})),
        meters=_parse_meters(cfg, raw.get("meters", {})),
    )
    for source, driver in rules.drivers.items():
        if driver == AllocationDriver.FIXED and source not in rules.fixed_shares:
            cfg.fail(f"cogs.drivers.{source}", f"driver is 'fixed' but [cogs.fixed_shares.{source}] is missing")
    return rules
