"""Reconcile the request log against billed usage and bills: groups, causes and the summary.

`reconcile(...)` is what the CLI, the dashboard, the report and the export call. All
days are UTC days; the display timezone only changes how ranges are printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from finops.reconcile import causes
from finops.reconcile.frames import GRAIN, billed_dollars, billed_long, joined, local_daily, retry_inputs
from finops.store import Store
from models.pricing.catalog import load_catalog, price, resolve_models

PRICE_TOLERANCE_REL = 0.005
PRICE_TOLERANCE_ABS = 0.001  # USD per day and line


def _sum_or_unpriced(col: str) -> pl.Expr:
    """A dollar sum that stays null (unpriced) when any of its rows has no price."""
    return pl.when(pl.col(col).is_null().any()).then(None).otherwise(pl.col(col).sum()).alias(col)


@dataclass
class ReconcileResult:
    groups: pl.DataFrame  # per grain row: local, billed, delta, prices, explained/unexplained
    causes: pl.DataFrame  # one row per finding
    summary: dict[str, float] = field(default_factory=dict)

    def by(self, period: str = "day") -> pl.DataFrame:
        """Groups rolled up to day or month per provider, model, project and token class."""
        key = pl.col("day") if period == "day" else pl.col("day").dt.strftime("%Y-%m")
        return (
            self.groups.group_by(key.alias(period), "provider", "model", "project_id", "token_class")
            .agg(
                pl.col("local").sum(), pl.col("billed").sum(), pl.col("delta").sum(),
                _sum_or_unpriced("delta_usd"), pl.col("unexplained").sum(), _sum_or_unpriced("unexplained_usd"),
                pl.col("causes").explode().drop_nulls().unique().sort().str.join(",").alias("causes"),
            )
            .with_columns(
                pl.when(pl.col("local") != 0).then(pl.col("delta") / pl.col("local") * 100).alias("delta_pct"),
            )
            .sort(period, "provider", "project_id", "model", "token_class")
        )


def _filter(lf: pl.LazyFrame, day: pl.Expr, since: date | None, until: date | None,
            provider: str | None, project: str | None, provider_col: str = "provider", project_col: str = "project_id") -> pl.LazyFrame:
    if since:
        lf = lf.filter(day >= since)
    if until:
        lf = lf.filter(day <= until)
    if provider:
        lf = lf.filter(pl.col(provider_col).str.to_lowercase() == provider.lower())
    if project:
        lf = lf.filter(pl.col(project_col) == project)
    return lf


def reconcile(
    store: Store,
    since: date | None = None,
    until: date | None = None,
    provider: str | None = None,
    project: str | None = None,
    catalog: pl.DataFrame | None = None,
    catalog_override: Path | None = None,
) -> ReconcileResult:
    catalog = catalog if catalog is not None else load_catalog(catalog_override)
    requests = _filter(store.scan("requests"), pl.col("ts").dt.date(), since, until, provider, project)
    usage = _filter(store.scan("billed_usage"), pl.col("charge_period_start").dt.date(), since, until, provider, project)
    costs = _filter(store.scan("cost_lines"), pl.col("ChargePeriodStart").dt.date(), since, until, provider, project,
                    "ServiceProviderName", "SubAccountId")

    local = local_daily(requests).collect()
    groups = joined(local.lazy(), billed_long(usage)).collect()
    groups = price(groups, catalog)
    retry_tokens = retry_inputs(requests).collect()
    features = requests.group_by("provider", "project_id", "feature", "language").agg(
        pl.col("input_tokens").sum().alias("local")
    ).collect()
    local_days = local.select("day", "provider", "project_id").unique()

    explained_parts: list[pl.DataFrame] = []
    findings: list[dict[str, object]] = []

    def residual() -> pl.DataFrame:
        if not explained_parts:
            return groups.with_columns(pl.col("delta").alias("residual"))
        done = pl.concat(explained_parts).group_by(GRAIN).agg(pl.col("tokens").sum())
        return groups.join(done, on=GRAIN, how="left").with_columns((pl.col("delta") - pl.col("tokens").fill_null(0)).alias("residual")).drop("tokens")

    for detect in (
        lambda: causes.unlogged(groups, local_days),
        lambda: causes.retries(residual(), local, retry_tokens),
        lambda: causes.evictions(residual()),
        lambda: causes.drift(residual(), features),
    ):
        found = detect()
        explained_parts.append(found.explained)
        findings += found.findings

    explained = pl.concat(explained_parts) if explained_parts else causes.EMPTY_EXPLAINED
    priced_explained = explained.join(groups.select(*GRAIN, "usd_per_million"), on=GRAIN, how="left").with_columns(
        (pl.col("tokens") * pl.col("usd_per_million") / 1e6).alias("usd")
    )
    dollars_by_cause = _token_cause_dollars(priced_explained, costs, findings)
    for f in findings:
        f["dollar_impact"] = dollars_by_cause.get(_finding_key(f), 0.0)
        f["provenance"] = "metered vs logged"

    price_findings, billed_usd_total = _price_mismatch(groups, costs, catalog)
    findings += price_findings

    res = residual()
    by_grain = explained.group_by(GRAIN).agg(pl.col("cause").unique().sort().alias("causes"))
    groups = res.join(by_grain, on=GRAIN, how="left").with_columns(
        (pl.col("delta") * pl.col("usd_per_million") / 1e6).alias("delta_usd"),
        (pl.col("billed") * pl.col("usd_per_million") / 1e6).alias("billed_usd_at_catalog"),
        pl.col("residual").alias("unexplained"),
        (pl.col("residual") * pl.col("usd_per_million") / 1e6).alias("unexplained_usd"),
        pl.when(pl.col("local") != 0).then(pl.col("delta") / pl.col("local") * 100).alias("delta_pct"),
    ).drop("residual").sort(GRAIN)
    unexplained_usd = float(groups["unexplained_usd"].abs().sum())
    summary = {
        "billed_usd": billed_usd_total,
        "billed_usd_at_catalog": float(groups["billed_usd_at_catalog"].sum()),
        "local_usd_at_catalog": float((groups["local"] * groups["usd_per_million"] / 1e6).sum()),
        "explained_usd": float(sum(float(f["dollar_impact"]) for f in findings if f["cause"] != "price_mismatch")),  # type: ignore[arg-type]
        "unexplained_usd": unexplained_usd,
        "unexplained_pct": unexplained_usd / billed_usd_total * 100 if billed_usd_total else 0.0,
        "unpriced_rows": int(groups["usd_per_million"].null_count()),
    }
    return ReconcileResult(groups, findings_frame(findings), summary)


def _finding_key(f: dict[str, object]) -> tuple[object, ...]:
    return (f["cause"], f["provider"], tuple(f["project_ids"]), f["start"], f["end"])  # type: ignore[arg-type]


def _token_cause_dollars(priced: pl.DataFrame, costs: pl.LazyFrame, findings: list[dict[str, object]]) -> dict[tuple[object, ...], float]:
    """Dollars per finding: catalog price x tokens; unlogged traffic at what was actually billed."""
    out: dict[tuple[object, ...], float] = {}
    billed_by_day = costs.filter(pl.col("x_CostSource").is_in(["inference", "embeddings"])).group_by(
        pl.col("ChargePeriodStart").dt.date().alias("day"), pl.col("ServiceProviderName").str.to_lowercase().alias("provider"),
        pl.col("SubAccountId").alias("project_id"),
    ).agg(pl.col("BilledCost").sum()).collect()
    for f in findings:
        mask = (
            (pl.col("cause") == f["cause"]) & (pl.col("provider") == f["provider"])
            & pl.col("project_id").is_in(f["project_ids"]) & pl.col("day").is_between(f["start"], f["end"])  # type: ignore[arg-type]
        )
        usd = float(priced.filter(mask)["usd"].sum())
        if f["cause"] == "unlogged_traffic":
            billed = billed_by_day.filter(
                (pl.col("provider") == f["provider"]) & pl.col("project_id").is_in(f["project_ids"])  # type: ignore[arg-type]
                & pl.col("day").is_between(f["start"], f["end"])  # type: ignore[arg-type]
            )
            if billed.height:
                usd = float(billed["BilledCost"].sum())
                f["dollar_basis"] = "billed"
        out[_finding_key(f)] = usd
    return out


def _price_mismatch(groups: pl.DataFrame, costs: pl.LazyFrame, catalog: pl.DataFrame) -> tuple[list[dict[str, object]], float]:
    """Billed dollars against billed tokens x catalog price, per day, project, model and class."""
    billed = billed_dollars(costs).collect()
    total = float(billed["billed_usd"].sum()) if billed.height else 0.0
    billed = billed.filter(pl.col("billed_model").is_not_null() & pl.col("token_class").is_not_null())
    if billed.height == 0:
        return [], total
    bmap = resolve_models(billed["billed_model"], billed["provider"], catalog).rename({"model": "billed_model"})
    billed = billed.join(bmap, on=["provider", "billed_model"], how="left").group_by(
        "day", "provider", "project_id", "catalog_model", "token_class").agg(pl.col("billed_usd").sum())
    gmap = resolve_models(groups["model"], groups["provider"], catalog)
    expected = groups.join(gmap, on=["provider", "model"], how="left").group_by(
        "day", "provider", "project_id", "catalog_model", "token_class"
    ).agg(
        (pl.col("billed") * pl.col("usd_per_million") / 1e6).sum().alias("expected_usd"),
        pl.col("billed").sum().alias("tokens"),
    )
    both = billed.join(expected, on=["day", "provider", "project_id", "catalog_model", "token_class"], how="inner").with_columns(
        (pl.col("billed_usd") - pl.col("expected_usd")).alias("diff")
    ).filter(pl.col("diff").abs() > PRICE_TOLERANCE_REL * pl.col("expected_usd") + PRICE_TOLERANCE_ABS)
    findings = []
    for (provider, model, token_class), part in both.group_by("provider", "catalog_model", "token_class", maintain_order=True):
        for start, end in causes.day_ranges(part["day"].to_list()):
            rows = part.filter(pl.col("day").is_between(start, end))
            tokens = int(rows["tokens"].sum())
            billed_rate = float(rows["billed_usd"].sum()) / tokens * 1e6 if tokens else None
            catalog_rate = float(rows["expected_usd"].sum()) / tokens * 1e6 if tokens else None
            findings.append({
                "cause": "price_mismatch", "provider": provider, "project_ids": sorted(rows["project_id"].unique().to_list()),
                "models": [model], "token_class": token_class, "start": start, "end": end, "tokens": {token_class: tokens},
                "billed_usd_per_million": billed_rate, "catalog_usd_per_million": catalog_rate,
                "dollar_impact": float(rows["diff"].sum()), "provenance": "billed vs catalog",
            })
    return findings, total


def findings_frame(findings: list[dict[str, object]]) -> pl.DataFrame:
    import json

    rows = []
    for f in findings:
        core = {"cause", "provider", "project_ids", "models", "start", "end", "tokens", "dollar_impact", "provenance"}
        evidence = {k: v for k, v in f.items() if k not in core}
        rows.append({
            "cause": f["cause"], "provider": f["provider"], "projects": ",".join(f["project_ids"]),  # type: ignore[arg-type]
            "models": ",".join(f["models"]), "start": f["start"], "end": f["end"],  # type: ignore[arg-type]
            "tokens": sum(abs(int(v)) for v in f["tokens"].values()) if f["cause"] != "cache_eviction"  # type: ignore[union-attr]
            else int(f.get("evicted_tokens", 0)),  # type: ignore[arg-type]
            "dollar_impact": float(f["dollar_impact"]),  # type: ignore[arg-type]
            "evidence": json.dumps(evidence, default=str, sort_keys=True),
            "provenance": f["provenance"],
        })
    schema = {"cause": pl.String, "provider": pl.String, "projects": pl.String, "models": pl.String, "start": pl.Date,
              "end": pl.Date, "tokens": pl.Int64, "dollar_impact": pl.Float64, "evidence": pl.String, "provenance": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row").sort("cause", "provider", "start") if rows else pl.DataFrame(schema=schema)
