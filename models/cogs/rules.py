"""The COGS allocation rules as typed inputs: drivers, features, fixed shares, teams, revenue, meters.

finops/services/cogs_rules.py reads and validates the `[cogs]` section of finops.toml into
a `CogsRules`; docs/cogs.md documents each key; the defaults below apply when the file
says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from finops.schema import AllocationDriver, CostSource

# Drivers measured from the requests table; `token_cost` weighs each feature's tokens by
# their catalog price (an output token of a large model counts more than a cached read).
REQUEST_DRIVERS: Final = AllocationDriver.FROM_REQUESTS
# Drivers measured from the metered quantity of cost lines already attributed to a feature.
LINE_DRIVERS: Final = AllocationDriver.FROM_LINES
DRIVERS: Final = AllocationDriver.RULES

DEFAULT_DRIVERS: Final[dict[str, str]] = {
    CostSource.INFERENCE: "token_cost",
    CostSource.EMBEDDINGS: "token_cost",
    CostSource.VECTOR_DB: AllocationDriver.RETRIEVAL_CALLS,
    CostSource.OBSERVABILITY: "requests",
    CostSource.HUMAN_REVIEW: AllocationDriver.REVIEWED_ITEMS,
    CostSource.STORAGE: AllocationDriver.STORED_VECTORS,
    CostSource.CONTRACT: "requests",
}

# Which metered lines measure a line driver: the cost source of the lines and the names
# their SkuMeter, ConsumedUnit or SkuId may carry (case-insensitive).
DEFAULT_METERS: Final[dict[str, tuple[str, ...]]] = {
    AllocationDriver.RETRIEVAL_CALLS: ("Read Units", "read_units", "queries", "retrieval_calls"),
    AllocationDriver.STORED_VECTORS: ("Storage", "stored_vectors", "GB-month", "vectors"),
    AllocationDriver.REVIEWED_ITEMS: ("items", "item", "reviewed_items", "Items Reviewed"),
}
METER_SOURCE: Final[dict[str, str]] = {
    AllocationDriver.RETRIEVAL_CALLS: CostSource.VECTOR_DB,
    AllocationDriver.STORED_VECTORS: CostSource.VECTOR_DB,
    AllocationDriver.REVIEWED_ITEMS: CostSource.HUMAN_REVIEW,
}

COST_COLUMNS: Final = ("BilledCost", "EffectiveCost")
# What each cost column means for COGS, as every surface labels it. Amortized is the default:
# a prepaid commitment (FOCUS ChargeCategory Purchase: BilledCost = the payment, EffectiveCost 0)
# is spread over the usage that draws it down (BilledCost 0, EffectiveCost = its share), so a
# one-year purchase is not booked as one month of inference. Lines with no EffectiveCost (the
# provider APIs bill pay-as-you-go) count their BilledCost, which is then the same figure.
COST_BASIS: Final[dict[str, str]] = {
    "EffectiveCost": "amortized (EffectiveCost; BilledCost where a line has none)",
    "BilledCost": "cash (BilledCost, as invoiced)",
}
TOP_KEYS: Final = ("cost_column", "drivers", "features", "fixed_shares", "teams", "revenue", "meters", "contracts")
UNALLOCATED: Final = "unallocated"


@dataclass(frozen=True)
class Revenue:
    """Revenue of one feature, in the reporting currency: per task, or per seat and month."""

    per_task: float | None = None
    per_seat: float | None = None
    seats: int | None = None

    def monthly_fixed(self) -> float | None:
        """Seat revenue for a month, or None when the feature earns per task."""
        if self.per_seat is None or self.seats is None:
            return None
        return self.per_seat * self.seats


@dataclass(frozen=True)
class CogsRules:
    """How cost lines become feature costs, and what a task earns."""

    cost_column: str = "EffectiveCost"
    drivers: dict[str, str] = field(default_factory=dict)  # explicit [cogs.drivers] only
    features: dict[str, str] = field(default_factory=dict)  # sub-account -> feature (direct)
    fixed_shares: dict[str, dict[str, float]] = field(default_factory=dict)  # cost source -> feature -> weight
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)  # team -> features
    revenue: dict[str, Revenue] = field(default_factory=dict)
    meters: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_METERS))

    @property
    def cost_basis(self) -> str:
        return COST_BASIS[self.cost_column]

    def driver_for(self, cost_source: str | None, line_driver: str | None = None) -> str | None:
        """[cogs.drivers] first, then the driver the ingester put on the line, then the default."""
        configured = self.drivers.get(cost_source or "")
        if configured:
            return configured
        if line_driver in DRIVERS:
            return line_driver
        return DEFAULT_DRIVERS.get(cost_source or "")

    def team_of(self, feature: str) -> str | None:
        return next((t for t, feats in self.teams.items() if feature in feats), None)
