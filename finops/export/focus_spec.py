"""The FOCUS 1.2 Cost and Usage columns the cost export must carry, with their types and null rules.

Source: FinOps Foundation FOCUS specification v1.2 (column definitions in the spec
repository, specification/columns/*.md). Levels: M = mandatory, C = conditional,
R = recommended. `nullable` is False where the spec says the column MUST NOT be null for
usage charges. Custom columns are prefixed `x_`.
"""

from __future__ import annotations

FOCUS_VERSION = "1.2"

# name: (level, kind, nullable)  kind: decimal | string | datetime
COLUMNS: dict[str, tuple[str, str, bool]] = {
    "BilledCost": ("M", "decimal", False),
    "BillingAccountId": ("M", "string", False),
    "BillingAccountName": ("M", "string", True),
    "BillingCurrency": ("M", "string", False),
    "BillingPeriodEnd": ("M", "datetime", False),
    "BillingPeriodStart": ("M", "datetime", False),
    "ChargeCategory": ("M", "string", False),
    "ChargeClass": ("M", "string", True),
    "ChargeDescription": ("M", "string", True),
    "ChargeFrequency": ("R", "string", True),
    "ChargePeriodEnd": ("M", "datetime", False),
    "ChargePeriodStart": ("M", "datetime", False),
    "ConsumedQuantity": ("C", "decimal", True),
    "ConsumedUnit": ("C", "string", True),
    "ContractedCost": ("M", "decimal", False),
    "ContractedUnitPrice": ("C", "decimal", True),
    "EffectiveCost": ("M", "decimal", False),
    "InvoiceId": ("R", "string", True),
    "InvoiceIssuerName": ("M", "string", False),
    "ListCost": ("M", "decimal", False),
    "ListUnitPrice": ("C", "decimal", True),
    "PricingCategory": ("C", "string", True),
    "PricingQuantity": ("M", "decimal", True),
    "PricingUnit": ("M", "string", True),
    "ProviderName": ("M", "string", False),
    "PublisherName": ("M", "string", False),
    "RegionId": ("C", "string", True),
    "ResourceId": ("C", "string", True),
    "ServiceCategory": ("M", "string", False),
    "ServiceName": ("M", "string", False),
    "ServiceSubcategory": ("R", "string", True),
    "SkuId": ("C", "string", True),
    "SkuMeter": ("C", "string", True),
    "SubAccountId": ("C", "string", True),
    "SubAccountName": ("C", "string", True),
    "Tags": ("C", "string", True),
}

ALLOWED = {
    "ChargeCategory": {"Usage", "Purchase", "Tax", "Credit", "Adjustment"},
    "ChargeClass": {"Correction", None},
    "ChargeFrequency": {"One-Time", "Recurring", "Usage-Based", None},
    "PricingCategory": {"Standard", "Dynamic", "Committed", "Other", None},
    "ServiceCategory": {
        "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools",
        "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media",
        "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other",
    },
}

# FOCUS columns we cannot fill from provider APIs, and why (also in docs/export.md).
UNFILLED = {
    "BillingAccountName": "the usage and cost APIs return no account name; null unless configured",
    "InvoiceId": "cost APIs report charges before invoicing; null until an invoice file is imported",
    "PricingQuantity": "cost API lines carry dollars, not quantities; filled only where the source gives one",
    "PricingUnit": "as PricingQuantity",
}
