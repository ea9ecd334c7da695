"""Fixed monthly contracts declared in finops.toml, as one cost line per contract and month.

    [[cogs.contracts]]
    name = "Vector DB enterprise support"   # required, unique
    monthly_cost = 1200.0                    # required, > 0, in `currency`
    currency = "EUR"                         # required, ISO 4217
    start = 2026-01-01                       # required: a date or "YYYY-MM"
    end = 2026-12-31                         # optional, inclusive; a "YYYY-MM" ends with that month
    driver = "fixed"                         # optional: how the line is spread (default fixed)
    service_category = "Databases"           # optional FOCUS ServiceCategory (default Other)
    cost_source = "vector_db"                # optional x_CostSource (default contract)
    feature = "rag-search"                   # optional: charge it to one feature (driver direct)

A month the contract covers only in part is charged pro rata by days. Lines run up to the
month of `through` (default: the current UTC month); loading again adds the new months and
removes the lines of contracts no longer declared. Mistakes fail with file, line and key.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import polars as pl

from finops.config import ConfigFile
from finops.connectors.request_logs.values import CONTROL, current_bounds
from finops.schema import COST_LINES_TABLE, AllocationDriver, CostSource, Provenance
from finops.store import Store, UpsertResult

SOURCE = "cogs:contracts"
SERVICE_CATEGORIES = (
    "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools",
    "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media", "Migration",
    "Mobile", "Networking", "Security", "Storage", "Web", "Other",
)
KEYS = ("name", "monthly_cost", "currency", "start", "end", "driver", "service_category", "cost_source", "feature", "vendor")


def _drivers() -> tuple[str, ...]:
    return (AllocationDriver.DIRECT, *AllocationDriver.RULES)


@dataclass(frozen=True)
class Contract:
    name: str
    monthly_cost: float
    currency: str
    start: date
    end: date | None  # inclusive
    driver: str
    service_category: str
    cost_source: str
    feature: str | None
    vendor: str | None


class _Located(ConfigFile):
    """ConfigFile whose line lookup understands `cogs.contracts[2].key` (the third table)."""

    def line_of(self, dotted_key: str) -> int | None:
        m = re.fullmatch(r"(.+)\[(\d+)\](?:\.(.+))?", dotted_key)
        if not m or not self.text:
            return super().line_of(dotted_key)
        table, index, key = m.group(1), int(m.group(2)), m.group(3)
        header = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]\s*(#.*)?$")
        lines = self.text.splitlines()
        starts = [i for i, line in enumerate(lines) if header.match(line)]
        if index >= len(starts):
            return None
        if key is None:
            return starts[index] + 1
        key_line = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
        for i in range(starts[index] + 1, len(lines)):
            if lines[i].lstrip().startswith("["):
                break
            if key_line.match(lines[i]):
                return i + 1
        return starts[index] + 1


def _day(cfg: _Located, where: str, value: Any, end: bool) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
        y, m = map(int, value.split("-"))
        if 1 <= m <= 12:
            return date(y, m, calendar.monthrange(y, m)[1] if end else 1)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return cfg.fail(where, f"{value!r} is not a date (YYYY-MM-DD) or a month (YYYY-MM)")


def parse_contracts(config: ConfigFile) -> list[Contract]:
    """The `[[cogs.contracts]]` tables, checked; [] when there are none."""
    cfg = _Located(config.path, config.data, config.text)
    raw = cfg.section("cogs").get("contracts", [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        cfg.fail("cogs.contracts", "must be an array of tables ([[cogs.contracts]])")
    out, names = [], set()
    for i, t in enumerate(raw):
        at = f"cogs.contracts[{i}]"
        for k in t:
            if k not in KEYS:
                cfg.fail(f"{at}.{k}", f"unknown key; expected one of {', '.join(KEYS)}")
        for k in ("name", "monthly_cost", "currency", "start"):
            if k not in t:
                cfg.fail(at, f"missing key {k!r}")
        name = t["name"]
        if not isinstance(name, str) or not name.strip() or name in names:
            cfg.fail(f"{at}.name", "must be a unique, non-empty string")
        for k in ("name", "feature", "vendor"):  # TOML escapes let an id hold NUL or escape codes
            if isinstance(t.get(k), str) and re.search(CONTROL, t[k]):
                cfg.fail(f"{at}.{k}", f"{t[k][:60]!r} contains a control character")
            elif k != "name" and k in t and not isinstance(t[k], str):
                cfg.fail(f"{at}.{k}", f"{t[k]!r} is not a string")
        cost = t["monthly_cost"]
        bounds = current_bounds()
        if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not math.isfinite(cost) or cost <= 0:
            cfg.fail(f"{at}.monthly_cost", f"{cost!r} is not a positive number")
        if cost > bounds.max_number:
            cfg.fail(f"{at}.monthly_cost", f"{cost:g} is beyond the sane range (±{bounds.max_number:g})")
        currency = t["currency"]
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency):
            cfg.fail(f"{at}.currency", f"{currency!r} is not a 3-letter currency code")
        start = _day(cfg, f"{at}.start", t["start"], end=False)
        if not bounds.first_year <= start.year <= bounds.end_year:
            cfg.fail(f"{at}.start", f"{start} is outside {bounds.window()}")
        # an end far ahead is an open-ended contract: lines stop at the current month anyway
        end = _day(cfg, f"{at}.end", t["end"], end=True) if "end" in t else None
        if end is not None and end < start:
            cfg.fail(f"{at}.end", f"{end} is before start {start}")
        feature = t.get("feature")
        driver = t.get("driver", AllocationDriver.DIRECT if feature else AllocationDriver.FIXED)
        if driver not in _drivers():
            cfg.fail(f"{at}.driver", f"unknown driver {driver!r}; expected one of {', '.join(_drivers())}")
        category = t.get("service_category", "Other")
        if category not in SERVICE_CATEGORIES:
            cfg.fail(f"{at}.service_category", f"{category!r} is not a FOCUS ServiceCategory ({', '.join(SERVICE_CATEGORIES)})")
        source = t.get("cost_source", CostSource.CONTRACT)
        if source not in CostSource.ALL:
            cfg.fail(f"{at}.cost_source", f"unknown cost source {source!r}; expected one of {', '.join(CostSource.ALL)}")
        names.add(name)
        out.append(Contract(name, float(cost), currency.upper(), start, end, driver, category, source, feature, t.get("vendor")))
    return out


def _months(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def contract_lines(contracts: list[Contract], through: date | None = None) -> pl.DataFrame:
    """One cost line per contract and month up to `through`'s month, pro rata by days."""
    through = through or datetime.now(timezone.utc).date()
    last_day = date(through.year, through.month, calendar.monthrange(through.year, through.month)[1])
    rows = []
    for c in contracts:
        stop = min(c.end, last_day) if c.end else last_day
        for month in _months(c.start, stop) if c.start <= stop else []:
            days = calendar.monthrange(month.year, month.month)[1]
            first, last = max(c.start, month), min(stop, date(month.year, month.month, days))
            share = ((last - first).days + 1) / days
            rows.append({
                "month": month, "from": first, "to": last, "BilledCost": round(c.monthly_cost * share, 6),
                "BillingCurrency": c.currency, "ChargeDescription": f"{c.name} (fixed monthly contract)",
                "ServiceProviderName": c.vendor or c.name, "ServiceName": c.name, "InvoiceIssuerName": c.vendor or c.name,
                "ServiceCategory": c.service_category, "SkuId": c.name, "x_Feature": c.feature,
                "x_CostSource": c.cost_source, "x_AllocationDriver": c.driver,
                "PricingQuantity": share, "PricingUnit": "months",
            })
    if not rows:
        return COST_LINES_TABLE.empty()
    utc = lambda col: pl.col(col).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")  # noqa: E731
    frame = pl.DataFrame(rows).with_columns(
        utc("from").alias("ChargePeriodStart"), (utc("to") + pl.duration(days=1)).alias("ChargePeriodEnd"),
        utc("month").alias("BillingPeriodStart"), utc("month").dt.offset_by("1mo").alias("BillingPeriodEnd"),
        pl.col("BilledCost").alias("EffectiveCost"), pl.lit("Purchase").alias("ChargeCategory"),
        pl.lit("Recurring").alias("ChargeFrequency"), pl.lit(SOURCE).alias("x_Source"),
        pl.lit(Provenance.BILLED).alias("x_Provenance"), pl.lit(datetime.now(timezone.utc)).alias("x_IngestedAt"),
        pl.format("{}|{}", "SkuId", pl.col("month").dt.strftime("%Y-%m")).alias("x_LineId"),
    )
    return COST_LINES_TABLE.conform(frame).collect()


def load_contracts(store: Store, config: ConfigFile, through: date | None = None) -> UpsertResult:
    """Upsert the declared contracts' lines, then drop stored lines of contracts no longer declared."""
    lines = contract_lines(parse_contracts(config), through)
    keep = lines["x_LineId"].to_list()
    through = through or datetime.now(timezone.utc).date()
    horizon = datetime(through.year, through.month, 1, tzinfo=timezone.utc)
    # Only months up to `through` are restated: a later month stays until a later load.
    stale = (pl.col("x_Source") == SOURCE) & ~pl.col("x_LineId").is_in(keep) & (pl.col("BillingPeriodStart") <= horizon)
    with store.transaction():  # the new lines and the removal of stale ones: one commit
        result = store.upsert(COST_LINES_TABLE, lines)
        if store.months(COST_LINES_TABLE):
            store.delete_where(COST_LINES_TABLE, stale)
    return result
