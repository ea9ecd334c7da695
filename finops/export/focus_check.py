"""Check a FOCUS cost frame against the FOCUS 1.2 rules in focus_spec: a list of violations.

Pure: takes the exported frame (as written to Parquet, or read back) and returns one
Violation per broken rule with the number of offending rows and a sample, so the test
and `finops export --check` can say exactly what does not conform and where.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from finops.export import focus_spec as spec

_KINDS = {
    spec.DECIMAL: (pl.Decimal, pl.Float64),
    spec.STRING: (pl.String,),
    spec.JSON: (pl.String,),
    spec.DATETIME: (pl.Datetime,),
}


@dataclass(frozen=True)
class Violation:
    rule: str  # e.g. "not-null PricingQuantity when ChargeCategory in Usage,Purchase"
    column: str
    rows: int
    sample: str = ""

    def __str__(self) -> str:
        return f"{self.rule}: {self.rows} row(s){' e.g. ' + self.sample if self.sample else ''}"


def _count(frame: pl.DataFrame, bad: pl.Expr, rule: str, column: str, show: str = "x_LineId") -> list[Violation]:
    hit = frame.filter(bad.fill_null(False))
    if hit.height == 0:
        return []
    sample = str(hit[show][0]) if show in hit.columns else ""
    return [Violation(rule, column, hit.height, sample)]


def _is_kind(dtype: pl.DataType, kind: str) -> bool:
    if kind == spec.DATETIME:
        return isinstance(dtype, pl.Datetime) and dtype.time_zone == "UTC"
    return any(dtype == t or isinstance(dtype, t) for t in _KINDS[kind])


def check_columns(schema: pl.Schema) -> list[Violation]:
    """Presence, types and naming: mandatory columns present, types as the spec says, custom columns x_."""
    out = []
    for col in spec.COLUMNS:
        if col.level == spec.MANDATORY and col.name not in schema:
            out.append(Violation(f"mandatory column {col.name} missing", col.name, 0))
        elif col.name in schema and not _is_kind(schema[col.name], col.kind):
            out.append(Violation(f"{col.name} must be {col.kind}, is {schema[col.name]}", col.name, 0))
    names = list(schema.names())
    for name in names:
        if name not in spec.BY_NAME and not name.startswith("x_"):
            out.append(Violation(f"custom column {name} must be prefixed x_", name, 0))
    first_custom = next((i for i, n in enumerate(names) if n.startswith("x_")), len(names))
    if any(n in spec.BY_NAME for n in names[first_custom:]):
        out.append(Violation("FOCUS columns must come before custom columns", names[first_custom], 0))
    return out


def check_rows(frame: pl.DataFrame) -> list[Violation]:
    """Null rules, allowed values, category parents and the cost/period invariants, row by row."""
    out: list[Violation] = []
    cat, klass = pl.col("ChargeCategory"), pl.col("ChargeClass")
    for col in spec.COLUMNS:
        if col.name in frame.columns and not col.allows_nulls:
            out += _count(frame, pl.col(col.name).is_null(), f"{col.name} must not be null", col.name)
    for rule in spec.NULL_RULES:
        if rule.column not in frame.columns:
            continue
        applies = cat.is_in(list(rule.categories))
        if rule.corrections_exempt:
            applies = applies & klass.fill_null("").ne("Correction")
        bad = pl.col(rule.column).is_not_null() if rule.must_be_null else pl.col(rule.column).is_null()
        verb = "null" if rule.must_be_null else "not null"
        out += _count(frame, applies & bad, f"{rule.column} must be {verb} when ChargeCategory in "
                                             f"{','.join(rule.categories)}", rule.column)
    for a, b in spec.NULL_TOGETHER:
        if a in frame.columns and b in frame.columns:
            out += _count(frame, pl.col(a).is_null() != pl.col(b).is_null(), f"{a} and {b} must be null together", a)
    for name, allowed in spec.ALLOWED.items():
        if name in frame.columns:
            out += _count(frame, pl.col(name).is_not_null() & ~pl.col(name).is_in(sorted(allowed)),
                          f"{name} must be one of the allowed values", name, show=name)
    if {"ServiceCategory", "ServiceSubcategory"} <= set(frame.columns):
        parent = pl.col("ServiceSubcategory").replace_strict(spec.PARENT, default=None, return_dtype=pl.String)
        out += _count(frame, parent != pl.col("ServiceCategory"), "ServiceSubcategory must belong to its ServiceCategory",
                      "ServiceSubcategory", show="ServiceSubcategory")
    for name in spec.UNIT_COLUMNS:
        if name in frame.columns:
            unit = pl.col(name)
            out += _count(frame, unit.is_not_null() & (~unit.str.contains(spec.UNIT_FORMAT) | unit.str.contains(spec.BAD_UNIT_CASE)),
                          f"{name} must follow the FOCUS Unit Format", name, show=name)
    if "InvoiceId" in frame.columns:
        # Every charge we export lands on a seller's monthly invoice (issued or provisional).
        out += _count(frame, pl.col("InvoiceId").is_null(), "InvoiceId must not be null: the charge is invoiced", "InvoiceId")
    out += _count(frame, pl.col("ChargePeriodStart") >= pl.col("ChargePeriodEnd"),
                  "ChargePeriodStart must be before ChargePeriodEnd", "ChargePeriodStart")
    out += _count(frame, pl.col("BillingPeriodStart") >= pl.col("BillingPeriodEnd"),
                  "BillingPeriodStart must be before BillingPeriodEnd", "BillingPeriodStart")
    for price, cost in (("ListUnitPrice", "ListCost"), ("ContractedUnitPrice", "ContractedCost")):
        if {price, cost, "PricingQuantity"} <= set(frame.columns):
            product = pl.col(price).cast(pl.Float64) * pl.col("PricingQuantity").cast(pl.Float64)
            diff = (product - pl.col(cost).cast(pl.Float64)).abs()
            tolerance = pl.max_horizontal(pl.col(cost).cast(pl.Float64).abs() * 1e-6, pl.lit(1e-9))
            out += _count(frame, klass.is_null() & (diff > tolerance), f"{cost} must equal {price} x PricingQuantity", cost)
    return out


def check(frame: pl.DataFrame) -> list[Violation]:
    """Every violation of the FOCUS 1.2 rules in focus_spec (empty when the frame conforms)."""
    return check_columns(frame.schema) + check_rows(frame)
