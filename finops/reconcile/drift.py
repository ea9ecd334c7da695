"""Tokenizer drift: a steady billed/local input ratio on a project's model.

A local tokenizer (tiktoken for a Claude model, a CJK-heavy feature) counts every prompt
a little differently from the provider, so the ratio of billed to logged input tokens
sits steadily away from 1 day after day. Per (provider, project, model) series of daily
ratios (after the transient causes are taken out):
- median ratio m at least `drift_min_offset` and `noise_k` robust spreads away from 1;
- at least `drift_min_steady_share` of the days inside the band
  m +- (drift_band_k x spread + drift_band_floor), over `drift_min_days` or more days.
From the first to the last in-band day, the input residual of in-band days is drift; on
other days only up to the median ratio's worth is, and the rest stays unexplained. Series of one project whose ratios agree and
whose days touch (a model upgrade) become one finding, with the ratio and its spread.
"""

from __future__ import annotations

from typing import Any, cast

import polars as pl

from finops.reconcile.causes import Detection, empty, explained_rows
from finops.reconcile.findings import Finding, fmt_int, fmt_list, money
from finops.reconcile.frames import INPUT_CLASSES
from finops.reconcile.frames import INPUT_CLASSES
from finops.reconcile.thresholds import MAD_TO_SD, Thresholds

SERIES = ["provider", "project_id", "model"]
# A local tokenizer miscounts the prompt text the provider bills as fresh input; cache reads
# and writes are the provider's own counts (the log takes them from the response), so the
# steadiness test looks at uncached input only (a cache-heavy day would dilute the ratio).
DRIFT_CLASSES = ["input_uncached", "embedding"]


def daily_ratios(res: pl.DataFrame, classes: list[str] = DRIFT_CLASSES) -> pl.DataFrame:
    """Billed (less what earlier causes explained) over logged input tokens per series and day."""
    return (
        res.filter(pl.col("token_class").is_in(classes))
        .group_by("day", *SERIES)
        .agg(pl.col("local").sum(), (pl.col("local") + pl.col("residual")).sum().alias("billed_left"))
        .filter(pl.col("local") > 0)
        .with_columns((pl.col("billed_left") / pl.col("local")).alias("ratio"))
    )


def feature_ratios(daily: pl.DataFrame, by_feature: pl.DataFrame) -> pl.DataFrame:
    """The series' daily residual over one feature's logged input: steady when that feature
    alone drifts (a CJK feature sharing its model and project with English ones)."""
    left = daily.select("day", *SERIES, (pl.col("billed_left") - pl.col("local")).alias("excess"))
    return (
        by_feature.filter(pl.col("local") > 0).join(left, on=["day", *SERIES], how="inner")
        .with_columns((pl.col("local") + pl.col("excess")).alias("billed_left"))
        .with_columns((pl.col("billed_left") / pl.col("local")).alias("ratio"))
        .drop("excess")
    )


def steady_series(daily: pl.DataFrame, th: Thresholds, keys: list[str] = SERIES) -> pl.DataFrame:
    """Days of the series with a steady offset ratio, from their first to their last in-band day.

    `share` is the part of a day's input residual put down to drift: all of it inside the
    band; outside it (a noisy or incident day) at most the median ratio's worth.
    """
    center = daily.group_by(keys).agg(pl.len().alias("n"), pl.col("ratio").median().alias("median"),
                                      pl.col("local").median().alias("typical"))
    dev = daily.join(center, on=keys).with_columns((pl.col("ratio") - pl.col("median")).abs().alias("dev"))
    spread = dev.group_by(keys).agg((pl.col("dev").median() * MAD_TO_SD).alias("spread"))
    # A quiet day's ratio averages fewer prompts, so its band widens as 1/sqrt(volume).
    quiet = (pl.col("typical") / pl.col("local")).sqrt().clip(lower_bound=1.0)
    banded = dev.join(spread, on=keys).with_columns(
        (pl.col("dev") <= th.drift_band_k * pl.col("spread") * quiet + th.drift_band_floor).alias("in_band")
    ).drop("typical")
    ok = banded.group_by(keys).agg(
        pl.col("in_band").mean().alias("steady_share"), pl.first("n"), pl.first("median"), pl.first("spread"),
        pl.col("day").filter("in_band").min().alias("first"), pl.col("day").filter("in_band").max().alias("last"),
    ).filter(
        (pl.col("n") >= th.drift_min_days)
        & ((pl.col("median") - 1).abs() >= pl.max_horizontal(pl.lit(th.drift_min_offset), th.noise_k * pl.col("spread")))
        & (pl.col("steady_share") >= th.drift_min_steady_share)
    )
    left = pl.col("billed_left") - pl.col("local")
    modeled = (pl.col("median") - 1) * pl.col("local")
    return banded.join(ok.select(*keys, "first", "last", "steady_share"), on=keys, how="inner").filter(
        pl.col("day").is_between(pl.col("first"), pl.col("last"))
    ).with_columns(
        pl.when(pl.col("in_band")).then(1.0)
        .when((left != 0) & (modeled / left > 0)).then((modeled / left).clip(0.0, 1.0))
        .otherwise(0.0).alias("share")
    ).drop("first", "last")


def _segments(days: pl.DataFrame, th: Thresholds) -> list[pl.DataFrame]:
    """Per project, series merged when their ratios agree and their days touch."""
    stats = days.group_by(SERIES).agg(
        pl.col("day").min().alias("first"), pl.col("day").max().alias("last"),
        (pl.col("billed_left").sum() / pl.col("local").sum()).alias("ratio"),
    ).sort("provider", "project_id", "first")
    out: list[pl.DataFrame] = []
    current: list[dict[str, Any]] = []
    for s in stats.iter_rows(named=True):
        prev = current[-1] if current else None
        if prev is not None and (
            (prev["provider"], prev["project_id"]) != (s["provider"], s["project_id"])
            or (s["first"] - max(c["last"] for c in current)).days > th.range_gap_days
            or abs(s["ratio"] - prev["ratio"]) > th.drift_merge_ratio
        ):
            out.append(pl.DataFrame(current))
            current = []
        current.append(s)
    if current:
        out.append(pl.DataFrame(current))
    return [days.join(seg.select(SERIES), on=SERIES, how="semi") for seg in out]


def drift(res: pl.DataFrame, features: pl.DataFrame, th: Thresholds, history: pl.DataFrame | None = None,
          by_feature: pl.DataFrame | None = None) -> Detection:
    """Attribute the input residual on steady-ratio days to tokenizer drift.

    `history` (grain rows before the period) joins the steadiness test, so a short period
    still recognises a long-standing ratio; only the period's own days are attributed.
    `by_feature` (day, series, feature, local fresh input) lets a series whose own ratio
    wanders be tested per feature.
    """
    daily = daily_ratios(res)
    if daily.height == 0:
        return empty()
    test = daily
    if history is not None and history.height:
        test = pl.concat([daily_ratios(history.with_columns(pl.col("delta").alias("residual"))), daily])
    days = steady_series(test, th).join(daily.select("day", *SERIES), on=["day", *SERIES], how="semi")
    if by_feature is not None and by_feature.height:
        # Series whose own ratio is not steady: is one feature's logged input what the excess follows?
        rest = daily.join(days.select(*SERIES).unique(), on=SERIES, how="anti")
        per = steady_series(feature_ratios(rest, by_feature), th, [*SERIES, "feature"])
        if per.height:
            best = (per.select(*SERIES, "feature", "steady_share", "spread").unique()
                    .sort("steady_share", "spread", descending=[True, False]).unique(subset=SERIES, keep="first"))
            chosen = per.join(best.select(*SERIES, "feature"), on=[*SERIES, "feature"], how="semi").drop("feature")
            days = pl.concat([days, chosen.select(days.columns)])
    if days.height == 0:
        return empty()
    rows = res.filter(pl.col("token_class").is_in(DRIFT_CLASSES)).join(days.select("day", *SERIES, "share"), on=["day", *SERIES], how="inner")
    explained = explained_rows(rows.with_columns((pl.col("residual") * pl.col("share")).alias("tokens")), "tokenizer_drift")
    everything = daily_ratios(res, INPUT_CLASSES)
    findings = []
    for seg in _segments(days, th):
        provider, project = seg["provider"][0], seg["project_id"][0]
        part = explained.join(seg.select("day", *SERIES), on=["day", *SERIES], how="semi")
        if part.height == 0:
            continue
        # The ratio shown is over all input (what a tokenizer comparison quotes); the test used fresh input.
        whole = everything.join(seg.select("day", *SERIES), on=["day", *SERIES], how="semi")
        ratio = float(whole["billed_left"].sum()) / float(whole["local"].sum())
        median = float(seg["ratio"].median())  # type: ignore[arg-type]
        spread = float(cast(float, (seg["ratio"] - median).abs().median())) * MAD_TO_SD
        feats = features.filter((pl.col("provider") == provider) & (pl.col("project_id") == project)).sort("input_tokens", descending=True)
        names = feats["feature"].unique(maintain_order=True).to_list()
        langs = feats["language"].unique(maintain_order=True).to_list()
        tokens = {c: int(v) for c, v in part.group_by("token_class").agg(pl.col("tokens").sum()).sort("token_class").iter_rows() if v}
        usd = part.select(money(pl.col("tokens"), pl.col("rate"))).item()
        findings.append(Finding(
            cause="tokenizer_drift", provider=str(provider), projects=[str(project)], models=sorted(seg["model"].unique().to_list()),
            api_keys=sorted(part["api_key_id"].unique().to_list()), start=seg["day"].min(), end=seg["day"].max(),  # type: ignore[arg-type]
            days=seg["day"].n_unique(), tokens=tokens, dollar_impact=None if usd is None else float(usd),
            evidence=(f"billed/logged input ratio {ratio:.3f} (median daily {median:.3f}, spread ±{spread:.3f}) on "
                      f"{seg['day'].n_unique()} day(s); feature(s) {fmt_list(names)}; language(s) {fmt_list(langs)}; "
                      f"{fmt_int(sum(tokens.values()))} input tokens more than the local tokenizer counted"),
            details={"ratio": ratio, "median_daily_ratio": median, "ratio_spread": spread, "features": names, "languages": langs},
        ))
    return Detection(explained, findings)
