"""Attribute the difference between local and billed tokens to causes, with evidence.

Each detector takes the residual (the part of billed - local no earlier detector
explained) per grain row and returns the tokens it explains plus its findings, so
nothing is counted twice and what is left is reported as "unexplained". Order:
1. unlogged traffic  - billed usage on days a project (or a key) has no local row at all;
2. retries           - broken streams retried: the broken attempt's prompt was billed too;
3. cache evictions   - billed cache reads below what the log expected, uncached above;
4. tokenizer drift   - a steady billed/local input ratio (finops/reconcile/drift.py).
Price mismatches compare dollars, not tokens (finops/reconcile/prices.py).

Rows carry `noise` (the robust spread of their series, finops/reconcile/thresholds.py)
and `rate` (USD per million tokens as billed, else at the catalog) for the dollars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from finops.models.money import money_sum
from finops.reconcile.findings import Finding, fmt_int, fmt_list, token_findings
from finops.reconcile.frames import GRAIN, GROUP, INPUT_CLASSES
from finops.reconcile.thresholds import Thresholds

EXPLAINED_SCHEMA = pl.Schema({**{c: pl.String for c in GRAIN}, "day": pl.Date, "tokens": pl.Int64, "rate": pl.Float64, "cause": pl.String})


@dataclass(frozen=True)
class Detection:
    explained: pl.DataFrame  # GRAIN + tokens + rate + cause
    findings: list[Finding]


def explained_rows(frame: pl.DataFrame, cause: str) -> pl.DataFrame:
    return frame.select(
        *GRAIN, pl.col("tokens").round(0).cast(pl.Int64), pl.col("rate").cast(pl.Float64), pl.lit(cause).alias("cause")
    ).filter(pl.col("tokens") != 0).select(list(EXPLAINED_SCHEMA.names()))


def empty() -> Detection:
    return Detection(pl.DataFrame(schema=EXPLAINED_SCHEMA), [])


def significant(amount: pl.Expr, th: Thresholds) -> pl.Expr:
    """Amount (tokens) beyond noise_k robust spreads of its series' daily volume."""
    scale = pl.max_horizontal(pl.col("local"), pl.col("billed")).cast(pl.Float64)
    return amount > th.noise_k * pl.col("noise").fill_null(0.0) * scale


def unlogged(res: pl.DataFrame, evidence: pl.DataFrame, th: Thresholds) -> Detection:
    """Billed tokens on a (day, provider, project, key) with no local request at all."""
    logged = evidence.filter(pl.col("requests") > 0).select("day", "provider", "project_id", "api_key_id").unique()
    orphan = res.filter(pl.col("billed") > 0).join(logged, on=["day", "provider", "project_id", "api_key_id"], how="anti")
    explained = explained_rows(orphan.with_columns(pl.col("residual").alias("tokens")), "unlogged_traffic")
    metered = evidence.select(*GROUP, "billed_requests")

    def describe(part: pl.DataFrame, head: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        reqs = part.select(*GROUP).unique().join(metered, on=GROUP, how="left")["billed_requests"].sum()
        keys = sorted(k for k in part["api_key_id"].unique().to_list() if k)
        who = f"key {fmt_list(keys)}" if keys else f"project {head['project_id']}"
        text = (f"{fmt_int(int(part['tokens'].sum()))} billed tokens on {part['day'].n_unique()} day(s) with no logged request for {who}"
                + (f"; {fmt_int(int(reqs))} requests metered, 0 logged" if reqs else ""))
        return text, {"days_without_logs": part["day"].n_unique(), "metered_requests": int(reqs or 0), "api_keys": keys}

    by = ("provider", "project_id", "api_key_id")
    return Detection(explained, token_findings(explained, "unlogged_traffic", th.range_gap_days, describe, by))


def retries(res: pl.DataFrame, evidence: pl.DataFrame, retry_tokens: pl.DataFrame, th: Thresholds) -> Detection:
    """Per class, billed excess up to the retried attempts' own tokens, on groups with broken streams or retries."""
    broken = evidence.filter((pl.col("broken_streams") > 0) | (pl.col("retries") > 0)).select(*GROUP, "broken_streams", "retries")
    rows = res.join(broken, on=GROUP, how="inner").join(retry_tokens, on=GRAIN, how="left")
    excess = pl.col("residual").clip(lower_bound=0)
    tokens = pl.when(significant(excess, th)).then(pl.min_horizontal(excess, pl.col("retry_tokens").fill_null(0))).otherwise(0)
    rows = rows.with_columns(tokens.alias("tokens"))
    explained = explained_rows(rows, "retry_double_billing")
    counts = rows.select(*GROUP, "broken_streams", "retries", "token_class", "retry_tokens", "tokens")

    def describe(part: pl.DataFrame, head: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        groups = counts.join(part.select(*GROUP).unique(), on=GROUP, how="semi")
        per_group = groups.unique(subset=GROUP)
        b, r = int(per_group["broken_streams"].sum()), int(per_group["retries"].sum())
        inp = groups.filter(pl.col("token_class").is_in(INPUT_CLASSES))
        out = groups.filter(pl.col("token_class") == "output")
        text = (f"{b} broken stream(s) (dropped/aborted after generation started: billed) and {r} retry(ies) of them logged; "
                f"billed exceeds the log by "
                f"{fmt_int(int(inp['tokens'].sum()))} input tokens (retried prompts: {fmt_int(int(inp['retry_tokens'].fill_null(0).sum()))}) "
                f"and {fmt_int(int(out['tokens'].sum()))} output tokens")
        return text, {"broken_streams": b, "retries": r}

    # Cut per model: a broken stream is billed on the model (and day) of the broken attempt.
    by = ("provider", "project_id", "model")
    return Detection(explained, token_findings(explained, "retry_double_billing", th.range_gap_days, describe, by))


def evictions(res: pl.DataFrame, evidence: pl.DataFrame, th: Thresholds) -> Detection:
    """Cache reads billed as uncached input: the smaller of the read deficit and the uncached excess.

    Log rows lost or written twice move every class of a day by about the same share;
    eviction leaves output alone. So both residuals are first taken net of the day's
    output share (the common mode), then the deficit must clear a floor, the noise, and
    the cache reads of `eviction_min_requests` average logged requests of that day.
    """
    pair = res.filter(pl.col("token_class").is_in(["input_uncached", "input_cache_read", "output"]))
    if pair.height == 0:
        return empty()
    wide = pair.pivot(on="token_class", index=GROUP, values=["residual", "local", "billed", "noise", "rate"], aggregate_function="first")
    need = ["residual_input_uncached", "residual_input_cache_read", "local_input_cache_read"]
    if any(c not in wide.columns for c in need):
        return empty()
    common = (pl.col("residual_output") / pl.col("local_output")).clip(-0.5, 0.5) if "local_output" in wide.columns else pl.lit(0.0)
    wide = wide.with_columns(
        pl.when(pl.col("local_output").fill_null(0) > 0).then(common).otherwise(0.0).fill_null(0.0).alias("common")
        if "local_output" in wide.columns else pl.lit(0.0).alias("common")
    ).with_columns(
        pl.min_horizontal(
            -(pl.col("residual_input_cache_read") - pl.col("common") * pl.col("local_input_cache_read").fill_null(0)),
            pl.col("residual_input_uncached") - pl.col("common") * pl.col("local_input_uncached").fill_null(0),
            -pl.col("residual_input_cache_read"), pl.col("residual_input_uncached"),
        ).clip(lower_bound=0).fill_null(0).round(0).alias("evicted"),
        pl.max_horizontal(pl.lit(th.min_eviction_share), th.noise_k * pl.col("noise_input_cache_read").fill_null(0.0)).alias("floor"),
    ).join(evidence.select(*GROUP, "requests"), on=GROUP, how="left").filter(
        (pl.col("evicted") > 0) & (pl.col("evicted") >= pl.col("floor") * pl.col("local_input_cache_read"))
    ).with_columns(
        # Strong evidence: the deficit clears the reads of a few average requests, or it
        # reappears token for token as uncached input (a transfer, not lost or extra rows).
        ((pl.col("evicted") >= th.eviction_min_requests * pl.col("local_input_cache_read") / pl.col("requests").clip(lower_bound=1))
         | ((-pl.col("residual_input_cache_read") - pl.col("residual_input_uncached")).abs()
            <= pl.max_horizontal(pl.lit(1.0), 0.001 * pl.col("evicted"))))
        .alias("strong")
    )
    # A day clear of the request floor starts an incident; on the series' days around it
    # (within range_gap_days) a smaller deficit of another key or of the onset and tail
    # days is the same incident, not noise.
    series = ["provider", "project_id", "model"]
    strong = wide.filter("strong").select(*series, pl.col("day").alias("strong_day")).unique()
    near = wide.select(*GROUP).join(strong, on=series, how="inner").filter(
        (pl.col("day") - pl.col("strong_day")).dt.total_days().abs() <= th.range_gap_days
    ).select(*GROUP).unique()
    wide = wide.join(near, on=GROUP, how="semi")
    if wide.height == 0:
        return empty()
    rows = pl.concat([
        wide.select(*GROUP, pl.lit("input_uncached").alias("token_class"), pl.col("evicted").alias("tokens"), pl.col("rate_input_uncached").alias("rate")),
        wide.select(*GROUP, pl.lit("input_cache_read").alias("token_class"), (-pl.col("evicted")).alias("tokens"), pl.col("rate_input_cache_read").alias("rate")),
    ])
    explained = explained_rows(rows, "cache_eviction")
    facts = wide.select(*GROUP, "evicted", "local_input_cache_read", "billed_input_cache_read")

    def describe(part: pl.DataFrame, head: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        f = facts.join(part.select(*GROUP).unique(), on=GROUP, how="semi")
        evicted, expected, billed = (int(f[c].fill_null(0).sum()) for c in ("evicted", "local_input_cache_read", "billed_input_cache_read"))
        share = evicted / expected if expected else 0.0
        text = (f"billed cache reads {fmt_int(billed)} vs {fmt_int(expected)} the log expected ({share:.0%} short) on "
                f"{f['day'].n_unique()} day(s); {fmt_int(evicted)} tokens billed as uncached input instead")
        return text, {"evicted_tokens": evicted, "expected_cache_reads": expected, "billed_cache_reads": billed, "evicted_share": share}

    findings = token_findings(explained, "cache_eviction", th.range_gap_days, describe)
    for f in findings:
        f.headline_tokens = int(f.details["evicted_tokens"])
    return Detection(explained, findings)


def unexplained(res: pl.DataFrame, th: Thresholds) -> Detection:
    """What no cause explains, per provider and project over the days it shows: never hidden."""
    left = res.filter(pl.col("residual") != 0).with_columns(pl.col("residual").alias("tokens"))
    if left.height == 0:
        return empty()
    explained = explained_rows(left, "unexplained")
    out = []
    for (provider, project), part in explained.group_by("provider", "project_id", maintain_order=True):
        daily = part.group_by("day").agg(pl.col("tokens").sum()).sort(pl.col("tokens").abs(), descending=True)
        worst_day, worst = daily.row(0)
        net, gross = int(part["tokens"].sum()), int(part["tokens"].abs().sum())
        usd = part.select(pl.when(pl.col("rate").is_null().any()).then(None).otherwise(money_sum(pl.col("tokens") * pl.col("rate") / 1e6))).item()
        by_class = {c: int(v) for c, v in part.group_by("token_class").agg(pl.col("tokens").sum()).sort("token_class").iter_rows() if v}
        out.append(Finding(
            cause="unexplained", provider=str(provider), projects=[str(project)], models=sorted(part["model"].unique().to_list()),
            api_keys=sorted(part["api_key_id"].unique().to_list()), start=part["day"].min(), end=part["day"].max(),  # type: ignore[arg-type]
            days=part["day"].n_unique(), tokens=by_class, dollar_impact=None if usd is None else float(usd),
            headline_tokens=gross,
            evidence=f"{net:+,} tokens net ({gross:,} gross) on {part['day'].n_unique()} day(s) that no cause explains; "
                     f"largest on {worst_day}: {int(worst):+,}",
            details={"net_tokens": net, "gross_tokens": gross},
        ))
    return Detection(explained, out)
