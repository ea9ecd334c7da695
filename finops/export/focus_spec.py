"""The FOCUS 1.2 Cost and Usage column list and rules, as data, for the cost export and its test.

Source: FinOps Foundation, FOCUS specification v1.2 (announced June 2025; repository
FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, `specification/columns/*.md` at tag v1.2,
column history in CHANGELOG.md). Each column's "Content Constraints" table gives its
feature level, type and whether it allows nulls; the normative text adds the conditional
null rules encoded in NULL_RULES. The 57 columns are listed whether or not we export them;
`EXPORTED` says which we write and `NOT_EXPORTED` says why the others are absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

FOCUS_VERSION: Final = "1.2"
SPEC_SOURCE: Final = "https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec/tree/v1.2/specification/columns"

MANDATORY, RECOMMENDED, CONDITIONAL = "Mandatory", "Recommended", "Conditional"
DECIMAL, STRING, DATETIME, JSON = "Decimal", "String", "Date/Time", "JSON"


@dataclass(frozen=True)
class Column:
    name: str
    level: str  # Mandatory | Recommended | Conditional
    kind: str  # Decimal | String | Date/Time | JSON
    allows_nulls: bool  # the "Allows nulls" constraint; conditional rules are in NULL_RULES
    introduced: str


def _c(name: str, level: str, kind: str, nulls: bool, introduced: str) -> Column:
    return Column(name, level, kind, nulls, introduced)


M, R, C = MANDATORY, RECOMMENDED, CONDITIONAL
COLUMNS: Final[tuple[Column, ...]] = (
    _c("AvailabilityZone", R, STRING, True, "0.5"),
    _c("BilledCost", M, DECIMAL, False, "0.5"),
    _c("BillingAccountId", M, STRING, False, "0.5"),
    _c("BillingAccountName", M, STRING, True, "0.5"),
    _c("BillingAccountType", C, STRING, False, "1.2"),
    _c("BillingCurrency", M, STRING, False, "0.5"),
    _c("BillingPeriodEnd", M, DATETIME, False, "0.5"),
    _c("BillingPeriodStart", M, DATETIME, False, "0.5"),
    _c("CapacityReservationId", C, STRING, True, "1.1"),
    _c("CapacityReservationStatus", C, STRING, True, "1.1"),
    _c("ChargeCategory", M, STRING, False, "1.0-preview"),
    _c("ChargeClass", M, STRING, True, "1.0"),
    _c("ChargeDescription", M, STRING, True, "1.0-preview"),
    _c("ChargeFrequency", R, STRING, False, "1.0-preview"),
    _c("ChargePeriodEnd", M, DATETIME, False, "0.5"),
    _c("ChargePeriodStart", M, DATETIME, False, "0.5"),
    _c("CommitmentDiscountCategory", C, STRING, True, "1.0-preview"),
    _c("CommitmentDiscountId", C, STRING, True, "1.0-preview"),
    _c("CommitmentDiscountName", C, STRING, True, "1.0-preview"),
    _c("CommitmentDiscountQuantity", C, DECIMAL, True, "1.1"),
    _c("CommitmentDiscountStatus", C, STRING, True, "1.0"),
    _c("CommitmentDiscountType", C, STRING, True, "1.0-preview"),
    _c("CommitmentDiscountUnit", C, STRING, True, "1.1"),
    _c("ConsumedQuantity", C, DECIMAL, True, "1.0"),
    _c("ConsumedUnit", C, STRING, True, "1.0"),
    _c("ContractedCost", M, DECIMAL, False, "1.0"),
    _c("ContractedUnitPrice", C, DECIMAL, True, "1.0"),
    _c("EffectiveCost", M, DECIMAL, False, "1.0-preview"),
    _c("InvoiceId", R, STRING, True, "1.2"),
    _c("InvoiceIssuerName", M, STRING, False, "0.5"),
    _c("ListCost", M, DECIMAL, False, "1.0-preview"),
    _c("ListUnitPrice", C, DECIMAL, True, "1.0-preview"),
    _c("PricingCategory", C, STRING, True, "1.0-preview"),
    _c("PricingCurrency", C, STRING, True, "1.2"),
    _c("PricingCurrencyContractedUnitPrice", C, DECIMAL, True, "1.2"),
    _c("PricingCurrencyEffectiveCost", C, DECIMAL, True, "1.2"),
    _c("PricingCurrencyListUnitPrice", C, DECIMAL, True, "1.2"),
    _c("PricingQuantity", M, DECIMAL, True, "1.0-preview"),
    _c("PricingUnit", M, STRING, True, "1.0-preview"),
    _c("ProviderName", M, STRING, False, "0.5"),
    _c("PublisherName", M, STRING, False, "0.5"),
    _c("RegionId", C, STRING, True, "1.0"),
    _c("RegionName", C, STRING, True, "1.0"),
    _c("ResourceId", C, STRING, True, "0.5"),
    _c("ResourceName", C, STRING, True, "0.5"),
    _c("ResourceType", C, STRING, True, "1.0-preview"),
    _c("ServiceCategory", M, STRING, False, "0.5"),
    _c("ServiceName", M, STRING, False, "0.5"),
    _c("ServiceSubcategory", R, STRING, False, "1.1"),
    _c("SkuId", C, STRING, True, "1.0-preview"),
    _c("SkuMeter", C, STRING, True, "1.1"),
    _c("SkuPriceDetails", C, JSON, True, "1.1"),
    _c("SkuPriceId", C, STRING, True, "1.0-preview"),
    _c("SubAccountId", C, STRING, True, "0.5"),
    _c("SubAccountName", C, STRING, True, "0.5"),
    _c("SubAccountType", C, STRING, True, "1.2"),
    _c("Tags", C, JSON, True, "1.0-preview"),
)
BY_NAME: Final[dict[str, Column]] = {c.name: c for c in COLUMNS}

# Conditional columns we leave out, and why (a conditional column is required only when the
# provider supports the feature it describes). Also in docs/export.md.
NOT_EXPORTED: Final[dict[str, str]] = {
    "AvailabilityZone": "model APIs and the COGS vendors bill no availability zone",
    "BillingAccountType": "required only when a provider has several account types; the APIs name none",
    "CapacityReservationId": "no capacity reservations (pay-as-you-go APIs)",
    "CapacityReservationStatus": "no capacity reservations",
    "CommitmentDiscountCategory": "no commitment discounts in the sources (prepaid credits are not modelled)",
    "CommitmentDiscountId": "no commitment discounts in the sources",
    "CommitmentDiscountName": "no commitment discounts in the sources",
    "CommitmentDiscountQuantity": "no commitment discounts in the sources",
    "CommitmentDiscountStatus": "no commitment discounts in the sources",
    "CommitmentDiscountType": "no commitment discounts in the sources",
    "CommitmentDiscountUnit": "no commitment discounts in the sources",
    "PricingCurrency": "required only when pricing and billing currencies differ; every source bills in its price currency",
    "PricingCurrencyContractedUnitPrice": "as PricingCurrency",
    "PricingCurrencyEffectiveCost": "as PricingCurrency",
    "PricingCurrencyListUnitPrice": "as PricingCurrency",
    "RegionName": "the sources report region ids only ('global', 'us-east-1'); names would be invented",
    "ResourceName": "the only resources billed (vector indexes) are identified by name already in ResourceId",
    "ResourceType": "the sources do not type their resources",
    "SkuPriceDetails": "no provider publishes SKU price properties for these lines",
}
EXPORTED: Final[tuple[str, ...]] = tuple(c.name for c in COLUMNS if c.name not in NOT_EXPORTED)

CHARGE_CATEGORIES: Final = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
ALLOWED: Final[dict[str, frozenset[str]]] = {
    "ChargeCategory": frozenset(CHARGE_CATEGORIES),
    "ChargeClass": frozenset({"Correction"}),
    "ChargeFrequency": frozenset({"One-Time", "Recurring", "Usage-Based"}),
    "PricingCategory": frozenset({"Standard", "Dynamic", "Committed", "Other"}),
    "CommitmentDiscountStatus": frozenset({"Used", "Unused"}),
    "CommitmentDiscountCategory": frozenset({"Spend", "Usage"}),
    "CapacityReservationStatus": frozenset({"Used", "Unused"}),
}

# ServiceCategory -> its ServiceSubcategory values (each subcategory has exactly one parent).
# Transcribed from an extraction of servicesubcategory.md at tag v1.2; drafts around 1.1-1.2
# spell some database and compute values differently ("Cache Databases", "Quantum"). The
# values this export emits (Generative AI, Observability, Other (Databases), Other (Other))
# are the same in every version compared.
SUBCATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    "AI and Machine Learning": ("AI Platforms", "Bots", "Generative AI", "Machine Learning",
                                "Natural Language Processing", "Other (AI and Machine Learning)"),
    "Analytics": ("Analytics Platforms", "Business Intelligence", "Data Processing", "Search",
                  "Streaming Analytics", "Other (Analytics)"),
    "Business Applications": ("Productivity and Collaboration", "Other (Business Applications)"),
    "Compute": ("Containers", "End User Computing", "Quantum Compute", "Serverless Compute", "Virtual Machines",
                "Other (Compute)"),
    "Databases": ("Caching", "Data Warehouses", "Ledger Databases", "NoSQL Databases", "Relational Databases",
                  "Time Series Databases", "Other (Databases)"),
    "Developer Tools": ("Developer Platforms", "Continuous Integration and Deployment", "Development Environments",
                        "Source Code Management", "Quality Assurance", "Other (Developer Tools)"),
    "Identity": ("Identity and Access Management", "Other (Identity)"),
    "Integration": ("API Management", "Messaging", "Workflow Orchestration", "Other (Integration)"),
    "Internet of Things": ("IoT Analytics", "IoT Platforms", "Other (Internet of Things)"),
    "Management and Governance": ("Architecture", "Compliance", "Cost Management", "Data Governance",
                                  "Disaster Recovery", "Endpoint Management", "Observability", "Support",
                                  "Other (Management and Governance)"),
    "Media": ("Content Creation", "Gaming", "Media Streaming", "Mixed Reality", "Other (Media)"),
    "Migration": ("Data Migration", "Resource Migration", "Other (Migration)"),
    "Mobile": ("Other (Mobile)",),
    "Multicloud": ("Multicloud Integration", "Other (Multicloud)"),
    "Networking": ("Application Networking", "Content Delivery", "Network Connectivity", "Network Infrastructure",
                   "Network Routing", "Network Security", "Other (Networking)"),
    "Security": ("Secret Management", "Security Posture Management", "Threat Detection and Response",
                 "Other (Security)"),
    "Storage": ("Backup Storage", "Block Storage", "File Storage", "Object Storage", "Storage Platforms",
                "Other (Storage)"),
    "Web": ("Application Platforms", "Other (Web)"),
    "Other": ("Other (Other)",),
}
ALLOWED["ServiceCategory"] = frozenset(SUBCATEGORIES)
ALLOWED["ServiceSubcategory"] = frozenset(s for subs in SUBCATEGORIES.values() for s in subs)
PARENT: Final[dict[str, str]] = {s: cat for cat, subs in SUBCATEGORIES.items() for s in subs}


@dataclass(frozen=True)
class NullRule:
    """`column` MUST (not) be null on rows whose ChargeCategory is in `categories`, unless a Correction."""

    column: str
    must_be_null: bool
    categories: tuple[str, ...]
    corrections_exempt: bool = True


USAGE_OR_PURCHASE = ("Usage", "Purchase")
# From the normative text of each column (v1.2); only rules on columns we export.
NULL_RULES: Final[tuple[NullRule, ...]] = (
    NullRule("PricingQuantity", False, USAGE_OR_PURCHASE),
    NullRule("PricingQuantity", True, ("Tax",), corrections_exempt=False),
    NullRule("PricingUnit", False, USAGE_OR_PURCHASE),
    NullRule("PricingUnit", True, ("Tax",), corrections_exempt=False),
    NullRule("ListUnitPrice", False, USAGE_OR_PURCHASE),
    NullRule("ListUnitPrice", True, ("Tax",), corrections_exempt=False),
    NullRule("ContractedUnitPrice", False, USAGE_OR_PURCHASE),
    NullRule("ContractedUnitPrice", True, ("Tax",), corrections_exempt=False),
    NullRule("PricingCategory", False, USAGE_OR_PURCHASE),
    NullRule("PricingCategory", True, ("Tax",), corrections_exempt=False),
    NullRule("SkuId", False, USAGE_OR_PURCHASE),
    NullRule("SkuId", True, ("Tax",), corrections_exempt=False),
    NullRule("SkuPriceId", False, USAGE_OR_PURCHASE),
    NullRule("SkuPriceId", True, ("Tax",), corrections_exempt=False),
    NullRule("ConsumedQuantity", False, ("Usage",)),
    NullRule("ConsumedQuantity", True, ("Purchase", "Tax", "Credit", "Adjustment"), corrections_exempt=False),
)
# Pairs that are null together (v1.2: "MUST be null when X is null and vice versa").
NULL_TOGETHER: Final = (("ConsumedQuantity", "ConsumedUnit"), ("PricingQuantity", "PricingUnit"))

# Rules the export cannot meet on every row, with the rows where it cannot and why. The
# conformance test allows exactly these, on exactly the rows the reason describes.
KNOWN_GAPS: Final[dict[str, str]] = {
    "ListUnitPrice": "no published list price: lines in a non-USD billing currency (the catalog is USD), "
                     "lines without a quantity, and vendors with no catalog entry (Pinecone, Datadog, human review)",
    "ContractedUnitPrice": "only the human-review file states a contracted rate; API lines are billed from "
                           "public prices with no negotiated rate on record",
    "PricingQuantity": "the source reports an amount but no quantity (Datadog invoices)",
    "PricingUnit": "as PricingQuantity",
    "ConsumedQuantity": "the source reports an amount but no quantity (Datadog invoices)",
}

# FOCUS 1.2 attribute UnitFormat (specification/attributes/unit_format.md), as the FinOps
# Foundation's validator (focus-validator 2.2.1, FormatUnit) encodes it: a plural unit, a
# `<unit>-<plural time unit>`, `<unit>/<time unit>`, `<whole number> <unit>` or `<unit>/<n> <time units>`.
_DATA_SIZE = "b|Kb|Mb|Gb|Tb|Pb|Eb|B|KB|MB|GB|TB|PB|EB|Kib|Mib|Gib|Tib|Pib|Eib|KiB|MiB|GiB|TiB|PiB|EiB"
_TIME_ONE, _TIME_MANY = "Year|Month|Day|Hour|Minute|Second", "Years|Months|Days|Hours|Minutes|Seconds"
_COUNT = r"[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z][A-Za-z0-9]*)*"
UNIT_FORMAT: Final = "|".join(f"(?:{p})" for p in (
    f"^(?:{_DATA_SIZE}|{_TIME_ONE}|{_TIME_MANY}|{_COUNT})$",
    f"^(?:{_DATA_SIZE}|{_COUNT})-(?:{_TIME_MANY})$",
    f"^(?:{_DATA_SIZE}|{_COUNT}|{_TIME_MANY})/(?:{_TIME_ONE})$",
    f"^[0-9]+ (?:{_DATA_SIZE}|{_TIME_ONE}|{_TIME_MANY}|{_COUNT})$",
    f"^(?:{_DATA_SIZE}|{_COUNT}|{_TIME_MANY})/[0-9]+ (?:{_TIME_MANY})$",
))
UNIT_COLUMNS: Final = ("ConsumedUnit", "PricingUnit", "CommitmentDiscountUnit")
# Lower-case time words are not the spec's capitalisation ("gigabyte-seconds" is its own bad example).
BAD_UNIT_CASE: Final = r"(?:^|[\s\-/])(?:year|month|day|hour|minute|second)s?(?:$|[\s\-/])"
