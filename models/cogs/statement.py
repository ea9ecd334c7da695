"""Showback/chargeback statements: what one team or project owes for a month, shared costs included.

A statement lists the owner's share of every bill of the month, by cost source,
feature and allocation method. It comes with the month's invoices and every owner's
total, so the reader sees that all statements plus the unallocated remainder add up
to the invoices' total, to the cent.

Owners: a team owns the features listed under `[cogs.teams]`; a project owns the costs
placed on it (SubAccountId). Costs placed on no project (fixed shares, account-level
bills split by metered drivers) belong to "(no project)": use team statements for a
feature-complete chargeback.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from finops.errors import InputError
from finops.models.cogs.rules import UNALLOCATED, CogsRules
from finops.models.cogs.unit_economics import with_team
NO_PROJECT = "(no project)"
INVOICE = ["ServiceProviderName", "x_Source", "InvoiceId", "BillingCurrency"]


@dataclass(frozen=True)
class Statement:
    kind: str  # "team" or "project"
    owner: str
    month: str
    currency: str  # reporting currency
    lines: pl.DataFrame  # the owner's charges
    invoices: pl.DataFrame  # the month's bills with the owner's part of each
    owners: pl.DataFrame  # every owner's total; sums to the invoices' total
    total: float
    invoices_total: float


def owner_column(alloc: pl.DataFrame, kind: str, rules: CogsRules) -> pl.DataFrame:
    """Add `owner`: the team (or project) each allocated part is charged to."""
    if kind == "team":
        alloc = with_team(alloc, rules)
        owner = pl.col("team")
    elif kind == "project":
        owner = pl.when(pl.col("project_id").fill_null("") == "").then(
            pl.when(pl.col("feature") == UNALLOCATED).then(pl.lit(UNALLOCATED)).otherwise(pl.lit(NO_PROJECT))
        ).otherwise(pl.col("project_id"))
    else:
        raise ValueError(f"unknown owner kind {kind!r}")
    return alloc.with_columns(owner.alias("owner"))


def _money(cents: str = "cents") -> pl.Expr:
    return pl.col(cents).sum() / 100


def statement(alloc: pl.DataFrame, month: str, kind: str, owner: str, rules: CogsRules) -> Statement:
    """The statement of `owner` (a team or project) for `month` from the allocation."""
    parts = owner_column(alloc.filter(pl.col("month") == month), kind, rules)
    owners = parts["owner"].unique().sort().to_list()
    if owner not in owners:
        raise InputError(f"no costs for {kind} {owner!r} in {month}; {kind}s with costs: {', '.join(owners) or 'none'}")
    currency = parts["reporting_currency"][0]
    mine = parts.filter(pl.col("owner") == owner)
    lines = (
        mine.group_by(*INVOICE, "x_CostSource", "feature", "project_id", "method", "driver")
        .agg(
            _money().alias("amount"),
            _money("reporting_cents").alias("reporting_amount"),
            pl.len().alias("cost_lines"),
            pl.col("reason").drop_nulls().first().alias("reason"),
        )
        .sort("ServiceProviderName", "x_CostSource", "feature", "project_id", "method")
        .rename({"BillingCurrency": "currency"})
    )
    is_mine = pl.col("owner") == owner
    invoices = (
        parts.group_by(INVOICE)
        .agg(
            _money().alias("invoice_total"),
            _money("reporting_cents").alias("reporting_total"),
            (pl.col("reporting_cents").filter(is_mine).sum() / 100).alias("this_statement"),
            (pl.col("reporting_cents").filter(~is_mine & (pl.col("owner") != UNALLOCATED)).sum() / 100).alias("other_statements"),
            (pl.col("reporting_cents").filter(~is_mine & (pl.col("owner") == UNALLOCATED)).sum() / 100).alias("unallocated"),
        )
        .sort(INVOICE)
        .rename({"BillingCurrency": "currency"})
    )
    totals = (
        parts.group_by("owner").agg(_money("reporting_cents").alias("reporting_amount"))
        .sort(pl.col("owner") == UNALLOCATED, "owner")
    )
    total_cents = int(mine["reporting_cents"].sum())
    invoices_cents = int(parts["reporting_cents"].sum())
    return Statement(kind, owner, month, currency, lines, invoices, totals, total_cents / 100, invoices_cents / 100)
