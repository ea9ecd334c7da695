"""Attribute the difference between local and billed tokens to causes, with evidence.

Each detector returns the tokens it explains per grain row (so nothing is counted twice and
the rest is "unexplained") and one finding per contiguous day range. Detectors run in a
fixed order, each on what the previous ones left:
1. unlogged traffic  - billed usage on days a project has no local rows at all;
2. retries           - broken streams retried: the broken attempt's prompt was billed too;
3. cache evictions   - billed cache reads below what the log expected, uncached above;
4. tokenizer drift   - a steady billed/local input ratio across most of a project's days.
Price mismatches compare dollars, not tokens, and are found separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from finops.reconcile.frames import GRAIN, GROUP, INPUT_CLASSES

MIN_EVICTION_SHARE = 0.01  # of the day's expected cache reads
DRIFT_MIN_DAYS = 14
DRIFT_MIN_OFFSET = 0.02  # |median ratio - 1|
DRIFT_MIN_STEADY_SHARE = 0.8  # share of days on the same side of 1 by at least half the offset
RANGE_GAP_DAYS = 7  # days without a finding that still continue one range


@dataclass(frozen=True)
class Detection:
    explained: pl.DataFrame  # GRAIN + tokens + cause
    findings: list[dict[str, object]]


EMPTY_EXPLAINED = pl.DataFrame(
    schema={"day": pl.Date, "provider": pl.String, "model": pl.String, "project_id": pl.String,
            "token_class": pl.String, "tokens": pl.Int64, "cause": pl.String}
)


def day_ranges(days: list[date], gap: int = RANGE_GAP_DAYS) -> list[tuple[date, date]]:
    """Contiguous ranges of sorted days, bridging gaps of up to `gap` days."""
    out: list[tuple[date, date]] = []
    for d in sorted(set(days)):
        if out and (d - out[-1][1]) <= timedelta(days=gap):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _explained(frame: pl.DataFrame, cause: str) -> pl.DataFrame:
    return frame.select(*GRAIN, pl.col("tokens").cast(pl.Int64), pl.lit(cause).alias("cause")).filter(pl.col("tokens") != 0)


def _findings_by_range(explained: pl.DataFrame, cause: str, extra: dict[tuple[str, str], dict[str, object]] | None = None) -> list[dict[str, object]]:
    out = []
    for (provider, project), part in explained.group_by("provider", "project_id", maintain_order=True):
        for start, end in day_ranges(part["day"].to_list()):
            rows = part.filter(pl.col("day").is_between(start, end))
            tokens = {k: int(v) for k, v in rows.group_by("token_class").agg(pl.col("tokens").sum()).sort("token_class").iter_rows() if v}
            out.append({
                "cause": cause, "provider": provider, "project_ids": [project], "models": sorted(rows["model"].unique().to_list()),
                "start": start, "end": end, "tokens": tokens, **(extra or {}).get((str(provider), str(project)), {}),
            })
    return out


def unlogged(groups: pl.DataFrame, local_days: pl.DataFrame) -> Detection:
    """Billed tokens on (day, provider, project) with no local request at all."""
    billed = groups.filter(pl.col("billed") > 0)
    orphan = billed.join(local_days, on=["day", "provider", "project_id"], how="anti")
    explained = _explained(orphan.with_columns((pl.col("billed") - pl.col("local")).alias("tokens")), "unlogged_traffic")
    return Detection(explained, _findings_by_range(explained, "unlogged_traffic"))


def retries(residual: pl.DataFrame, evidence: pl.DataFrame, retry_tokens: pl.DataFrame) -> Detection:
    """Input classes up to the retried prompts' size, and output's excess, on days with broken streams."""
    broken = evidence.filter(pl.col("broken_streams") > 0).select(*GROUP, "broken_streams", "retries")
    rows = residual.join(broken, on=GROUP, how="inner").join(retry_tokens, on=GRAIN, how="left")
    tokens = (
        pl.when(pl.col("token_class").is_in(INPUT_CLASSES))
        .then(pl.min_horizontal(pl.col("residual").clip(lower_bound=0), pl.col("retry_tokens").fill_null(0)))
        .when(pl.col("token_class") == "output")
        .then(pl.col("residual").clip(lower_bound=0))
        .otherwise(0)
    )
    explained = _explained(rows.with_columns(tokens.alias("tokens")), "retry_double_billing")
    counts = broken.group_by("provider", "project_id").agg(pl.col("broken_streams").sum(), pl.col("retries").sum())
    extra = {(p, j): {"broken_streams": int(b), "retries": int(r)} for p, j, b, r in counts.iter_rows()}
    return Detection(explained, _findings_by_range(explained, "retry_double_billing", extra))


def evictions(residual: pl.DataFrame) -> Detection:
    """Cache reads billed as uncached input: the smaller of the read deficit and the uncached excess."""
    wide = residual.filter(pl.col("token_class").is_in(["input_uncached", "input_cache_read"])).pivot(
        on="token_class", index=GROUP, values=["residual", "local"], aggregate_function="sum"
    )
    for col in ("residual_input_uncached", "residual_input_cache_read", "local_input_cache_read"):
        if col not in wide.columns:
            return Detection(EMPTY_EXPLAINED, [])
    wide = wide.fill_null(0).with_columns(
        pl.min_horizontal(-pl.col("residual_input_cache_read"), pl.col("residual_input_uncached")).clip(lower_bound=0).alias("evicted")
    ).filter((pl.col("evicted") > 0) & (pl.col("evicted") >= MIN_EVICTION_SHARE * pl.col("local_input_cache_read")))
    explained = pl.concat([
        wide.select(*GROUP, pl.lit("input_uncached").alias("token_class"), pl.col("evicted").alias("tokens")),
        wide.select(*GROUP, pl.lit("input_cache_read").alias("token_class"), (-pl.col("evicted")).alias("tokens")),
    ]).select(*GRAIN, "tokens")
    explained = _explained(explained, "cache_eviction")
    findings = _findings_by_range(explained, "cache_eviction")
    for f in findings:
        f["evicted_tokens"] = f["tokens"].get("input_uncached", 0)  # type: ignore[union-attr]
    return Detection(explained, findings)


def drift(residual: pl.DataFrame, features: pl.DataFrame) -> Detection:
    """A steady billed/local input ratio on a project: a tokenizer that counts differently."""
    inputs = residual.filter(pl.col("token_class").is_in(INPUT_CLASSES))
    daily = inputs.group_by("day", "provider", "project_id").agg(
        pl.col("local").sum(), (pl.col("local") + pl.col("residual")).sum().alias("billed_left")
    ).filter(pl.col("local") > 0).with_columns((pl.col("billed_left") / pl.col("local")).alias("ratio"))
    found, parts = [], []
    for (provider, project), part in daily.group_by("provider", "project_id", maintain_order=True):
        if part.height < DRIFT_MIN_DAYS:
            continue
        median = float(part["ratio"].median())  # type: ignore[arg-type]
        offset = median - 1.0
        if abs(offset) < DRIFT_MIN_OFFSET:
            continue
        same_side = ((part["ratio"] - 1.0) * (1 if offset > 0 else -1) >= abs(offset) / 2).mean()
        if same_side < DRIFT_MIN_STEADY_SHARE:  # type: ignore[operator]
            continue
        mad = float((part["ratio"] - median).abs().median())  # type: ignore[arg-type]
        band = part.filter((pl.col("ratio") - median).abs() <= 4 * mad + 0.01)
        rows = inputs.join(band.select("day", "provider", "project_id"), on=["day", "provider", "project_id"], how="semi")
        parts.append(rows.with_columns(pl.col("residual").alias("tokens")))
        feats = features.filter((pl.col("provider") == provider) & (pl.col("project_id") == project)).sort("local", descending=True)
        total_local, total_billed = float(band["local"].sum()), float(band["billed_left"].sum())
        found.append({
            "provider": provider, "project_id": project, "ratio": total_billed / total_local, "median_daily_ratio": median,
            "ratio_spread_mad": mad, "days": band.height,
            "features": feats["feature"].head(3).to_list(), "languages": feats["language"].unique().drop_nulls().to_list(),
        })
    if not parts:
        return Detection(EMPTY_EXPLAINED, [])
    explained = _explained(pl.concat(parts), "tokenizer_drift")
    extra = {(f["provider"], f["project_id"]): {k: v for k, v in f.items() if k not in ("provider", "project_id")} for f in found}
    return Detection(explained, _findings_by_range(explained, "tokenizer_drift", extra))  # type: ignore[arg-type]
