"""Join coverage: which billed tokens and dollars join to logged rows, and why the rest does not.

A billed grain row (day, provider, model, project, key, token class; keys blanked where the
comparison is at project level) *joins* when the log has rows in the same group (day,
provider, model, project, key). What does not join gets one reason, tried in this order:

- ``unmapped name``: the provider's log names a project that neither the identity map nor
  the bill knows, and this billed project has no logged rows: the name may stand for it
  (the candidates are listed, closest token volume first);
- ``project never logged`` / ``key never logged`` (``usage without a key never logged`` for
  Console usage): nothing in the period's log under that project or key;
- ``model not resolved``: the same day, project and key are logged under a model name that
  no billed model of that day resolves to (the logged names are shown);
- ``model never logged`` / ``not logged that day``.

Billed dollars are the cost lines' dollars as reconcile places them on grain rows. Dollars
no grain row takes are listed per cost cell with the reason (no silent unlinking):
``model not resolved`` (the one model resolver, finops.models.pricing.resolve.link, finds no
usage model of that name), ``no metered usage`` (the model links but nothing of that class
was metered in that project that day), ``no model on the line`` (fees, credits, lines
without model or token class). So joined + not joined dollars = billed dollars.

Cache writes whose log cannot tell 5-minute from 1-hour are joined as one sum and split as
billed: they are counted apart (`ttl_unknown`), not as a join failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from finops.models.money import money_sum, money_total
from finops.models.pricing.resolve import link
from finops.reconcile.frames import GROUP, WRITE_UNKNOWN, _utc_day

JOINED = "joined"
UNMAPPED = "unmapped name"
PROJECT_NEVER = "project never logged"
KEY_NEVER = "key never logged"
NO_KEY_NEVER = "usage without a key never logged"
MODEL_UNRESOLVED = "model not resolved"
MODEL_NEVER = "model never logged"
NOT_THAT_DAY = "not logged that day"
NO_USAGE = "no metered usage"
NO_MODEL = "no model on the line"
WRITES = ["input_cache_write_5m", "input_cache_write_1h"]
CELL = ["day", "provider", "project_id", "cost_model", "token_class"]
TIER_CELL = [*CELL, "cell_tier"]

ROWS_SCHEMA = pl.Schema({
    "provider": pl.String, "project_id": pl.String, "api_key_id": pl.String, "model": pl.String, "status": pl.String,
    "detail": pl.String, "tokens": pl.Int64, "usd": pl.Float64, "days": pl.UInt32, "first_day": pl.Date,
    "last_day": pl.Date,
})
LINES_SCHEMA = pl.Schema({
    "provider": pl.String, "project_id": pl.String, "cost_model": pl.String, "token_class": pl.String,
    "reason": pl.String, "detail": pl.String, "usd": pl.Float64, "days": pl.UInt32, "first_day": pl.Date,
    "last_day": pl.Date,
})
NAMES_SCHEMA = pl.Schema({
    "provider": pl.String, "kind": pl.String, "name": pl.String, "logged_tokens": pl.Int64, "candidates": pl.String,
})


@dataclass(frozen=True)
class JoinCoverage:
    """The frames behind the coverage figures (finops.metrics.coverage turns them into figures)."""

    rows: pl.DataFrame  # billed tokens and placed dollars per provider, project, key, model and status (ROWS_SCHEMA)
    lines: pl.DataFrame  # cost-line dollars no grain row takes, with the reason (LINES_SCHEMA)
    names: pl.DataFrame  # logged names that map to no provider id, with likely candidates (NAMES_SCHEMA)
    ttl_unknown_tokens: int = 0  # billed cache writes joined to a log that cannot tell 5m from 1h
    ttl_unknown_usd: float = 0.0


def _logged_groups(local: pl.DataFrame) -> pl.DataFrame:
    classes = [c for c in local.columns if c.startswith(("input_", "output", "embedding")) and not c.startswith("retry_")]
    has = (pl.col("requests") > 0) | (pl.sum_horizontal(*classes) > 0) if classes else pl.col("requests") > 0
    return local.filter(has).select(GROUP).unique()


def _fmt_tokens(n: float) -> str:
    for div, suf in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= div:
            return f"{n / div:.1f}{suf}"
    return f"{int(n)}"


def unmapped_candidates(fine: pl.DataFrame, billed: pl.DataFrame, unmapped_projects: pl.DataFrame,
                        unmapped_keys: pl.DataFrame) -> pl.DataFrame:
    """Each logged name that maps to no id, with the billed ids it may stand for: the same
    provider's projects (keys) billed in the period with no logged rows, closest volume first."""
    token_cols = [c for c in fine.columns if c.startswith(("input_", "output", "embedding"))]
    out = []
    for kind, col, names in (("project", "project_id", unmapped_projects), ("api_key", "api_key_id", unmapped_keys)):
        if names.height == 0:
            continue
        logged = fine.join(names, on=["provider", col], how="semi").group_by("provider", col).agg(
            pl.sum_horizontal(*token_cols).sum().alias("logged_tokens"))
        seen = fine.select("provider", col).unique()
        cands = (billed.filter(pl.col(col) != "").group_by("provider", col).agg(pl.col("billed").sum())
                 .join(seen, on=["provider", col], how="anti").rename({col: "candidate"}))
        ranked = (logged.join(cands, on="provider", how="left")
                  .with_columns((pl.col("billed").cast(pl.Float64).log() - pl.col("logged_tokens").cast(pl.Float64).log())
                                .abs().alias("gap"))
                  .sort("gap", "candidate", nulls_last=True)
                  .group_by("provider", col, maintain_order=True)
                  .agg(pl.col("logged_tokens").first(),
                       pl.format("{} ({} billed tokens)", pl.col("candidate"),
                                 pl.col("billed").map_elements(_fmt_tokens, return_dtype=pl.String))
                       .drop_nulls().head(3).str.join(", ").alias("candidates")))
        out.append(ranked.select("provider", pl.lit(kind).alias("kind"), pl.col(col).alias("name"),
                                 pl.col("logged_tokens").cast(pl.Int64), pl.col("candidates").replace("", None)))
    return pl.concat(out).sort("provider", "kind", "name") if out else pl.DataFrame(schema=NAMES_SCHEMA)


def _reasons(unjoined: pl.DataFrame, billed: pl.DataFrame, local: pl.DataFrame, fine: pl.DataFrame,
             failures: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """One reason (and a detail) per unjoined billed grain row."""
    logged = _logged_groups(local)
    projects = fine.select("provider", "project_id").unique().with_columns(pl.lit(True).alias("_p"))
    keys = logged.select("provider", "project_id", "api_key_id").unique().with_columns(pl.lit(True).alias("_k"))
    models = logged.select("provider", "project_id", "api_key_id", "model").unique().with_columns(pl.lit(True).alias("_m"))
    # Logged model names no billed model of that day resolved to (align_models renamed the ones it could).
    stray = (logged.join(billed.select("day", "provider", "model").unique(), on=["day", "provider", "model"], how="anti")
             .group_by("day", "provider", "project_id", "api_key_id")
             .agg(pl.col("model").unique().sort().head(3).str.join(", ").alias("_stray")))
    bad = failures.select("provider", "project_id").unique().with_columns(pl.lit(True).alias("_u"))
    project_names = names.filter(pl.col("kind") == "project").group_by("provider").agg(
        pl.col("name").sort().head(3).str.join(", ").alias("_names"))
    day_key = ["day", "provider", "project_id", "api_key_id"]
    r = (unjoined.join(bad, on=["provider", "project_id"], how="left")
         .join(projects, on=["provider", "project_id"], how="left")
         .join(keys, on=["provider", "project_id", "api_key_id"], how="left")
         .join(models, on=["provider", "project_id", "api_key_id", "model"], how="left")
         .join(stray, on=day_key, how="left")
         .join(project_names, on="provider", how="left"))
    status = (pl.when(pl.col("_u").fill_null(False)).then(pl.lit(UNMAPPED))
              .when(~pl.col("_p").fill_null(False)).then(pl.lit(PROJECT_NEVER))
              .when(~pl.col("_k").fill_null(False) & (pl.col("api_key_id") == "")).then(pl.lit(NO_KEY_NEVER))
              .when(~pl.col("_k").fill_null(False)).then(pl.lit(KEY_NEVER))
              .when(pl.col("_stray").is_not_null()).then(pl.lit(MODEL_UNRESOLVED))
              .when(~pl.col("_m").fill_null(False)).then(pl.lit(MODEL_NEVER))
              .otherwise(pl.lit(NOT_THAT_DAY)))
    detail = (pl.when(pl.col("status") == UNMAPPED).then(pl.format("logged under unmapped name(s) {}? add them to [identity]",
                                                                   pl.col("_names").fill_null("?")))
              .when(pl.col("status") == MODEL_UNRESOLVED).then(pl.format("logged that day as {}", pl.col("_stray")))
              .otherwise(pl.lit("")))
    return r.with_columns(status.alias("status")).with_columns(detail.alias("detail")).drop(
        "_u", "_p", "_k", "_m", "_stray", "_names")


def _summarise(rows: pl.DataFrame) -> pl.DataFrame:
    if rows.height == 0:
        return pl.DataFrame(schema=ROWS_SCHEMA)
    return (rows.group_by("provider", "project_id", "api_key_id", "model", "status", "detail")
            .agg(pl.col("billed").sum().cast(pl.Int64).alias("tokens"), money_sum(pl.col("billed_usd")).alias("usd"),
                 pl.col("day").n_unique().alias("days"), pl.col("day").min().alias("first_day"),
                 pl.col("day").max().alias("last_day"))
            .select(ROWS_SCHEMA.names()).cast(ROWS_SCHEMA)
            .sort("provider", "project_id", "api_key_id", "model", "status"))


def unlinked_lines(groups: pl.DataFrame, cells: pl.DataFrame, lines: pl.DataFrame, known: pl.DataFrame,
                   tier_rows: pl.DataFrame) -> pl.DataFrame:
    """Cost-line dollars that no grain row takes, per cell, with the reason (never dropped silently).

    `lines`: USD inference lines without a model or token class (provider, project_id,
    description, day, usd). `known`: the identities the resolver knows (the catalog's
    provider, model). `tier_rows`: billed usage per grain row and tier with the cell that
    bills it (priced.price_cells)."""
    placed = tier_rows.filter(pl.col("cell_tier").is_not_null()).group_by(TIER_CELL).agg(
        money_sum(pl.col("billed_usd")).alias("placed"), pl.col("billed").sum().alias("tokens"))
    left = cells.join(placed, on=TIER_CELL, how="left").with_columns(
        (pl.col("cell_billed_usd") - pl.col("placed").fill_null(0.0)).alias("usd")
    ).filter(pl.col("usd").abs() > 1e-9)
    usage = groups.filter(pl.col("billed") > 0).select("provider", "model").unique()
    linked = link(left.select("provider", pl.col("cost_model").alias("model")).unique(), usage, known).select(
        "provider", pl.col("model").alias("cost_model"), "right_model")
    names = usage.group_by("provider").agg(pl.col("model").sort().head(4).str.join(", ").alias("_usage"))
    reason = pl.when(pl.col("right_model").is_null()).then(pl.lit(MODEL_UNRESOLVED)).otherwise(pl.lit(NO_USAGE))
    detail = (pl.when(pl.col("right_model").is_null())
              .then(pl.format("'{}' resolves to no metered model ({})", pl.col("cost_model"),
                              pl.coalesce(pl.format("metered: {}", pl.col("_usage")), pl.lit("nothing metered"))))
              .when(pl.col("cell_tier").is_in(["", "standard"]))
              .then(pl.format("no {} tokens of {} metered in this project that day", pl.col("token_class"), pl.col("right_model")))
              .otherwise(pl.format("no {} tokens of {} metered at the {} tier in this project that day", pl.col("token_class"),
                                   pl.col("right_model"), pl.col("cell_tier"))))
    cells_out = (left.join(linked, on=["provider", "cost_model"], how="left").join(names, on="provider", how="left")
                 .with_columns(reason.alias("reason"), detail.alias("detail")))
    parts = [cells_out.select("day", "provider", "project_id", "cost_model", "token_class", "reason", "detail", "usd")]
    if lines.height:
        parts.append(lines.select("day", "provider", "project_id", pl.col("description").alias("cost_model"),
                                  pl.lit(None, pl.String).alias("token_class"), pl.lit(NO_MODEL).alias("reason"),
                                  pl.lit("the line names no model or token class (fees, credits, other items)").alias("detail"),
                                  "usd"))
    both = pl.concat(parts, how="vertical_relaxed")
    if both.height == 0:
        return pl.DataFrame(schema=LINES_SCHEMA)
    return (both.group_by("provider", "project_id", "cost_model", "token_class", "reason", "detail")
            .agg(money_sum(pl.col("usd")), pl.col("day").n_unique().alias("days"), pl.col("day").min().alias("first_day"),
                 pl.col("day").max().alias("last_day"))
            .select(LINES_SCHEMA.names()).cast(LINES_SCHEMA)
            .sort(pl.col("usd").abs(), "provider", "project_id", descending=[True, False, False]))


def join_coverage(groups: pl.DataFrame, local: pl.DataFrame, fine: pl.DataFrame, failures: pl.DataFrame,
                  unmapped_projects: pl.DataFrame, unmapped_keys: pl.DataFrame, cells: pl.DataFrame,
                  lines: pl.DataFrame, known: pl.DataFrame, tier_rows: pl.DataFrame) -> JoinCoverage:
    """Coverage frames of one reconcile run (`groups` as price_groups returns them)."""
    billed = groups.filter(pl.col("billed") != 0)
    logged = _logged_groups(local)
    joined = billed.join(logged, on=GROUP, how="semi").with_columns(pl.lit(JOINED).alias("status"), pl.lit("").alias("detail"))
    names = unmapped_candidates(fine, billed, unmapped_projects, unmapped_keys)
    unjoined = _reasons(billed.join(logged, on=GROUP, how="anti"), billed, local, fine, failures, names)
    cols = [*GROUP, "token_class", "billed", "billed_usd", "status", "detail"]
    rows = _summarise(pl.concat([joined.select(cols), unjoined.select(cols)]))
    ttl_tokens, ttl_usd = 0, 0.0
    if WRITE_UNKNOWN in local.columns:
        unknown = local.filter(pl.col(WRITE_UNKNOWN) > 0).select(GROUP)
        writes = joined.filter(pl.col("token_class").is_in(WRITES)).join(unknown, on=GROUP, how="semi")
        ttl_tokens = int(writes["billed"].sum())
        ttl_usd = money_total(writes["billed_usd"])
    return JoinCoverage(rows, unlinked_lines(groups, cells, lines, known, tier_rows), names, ttl_tokens, ttl_usd)


def lines_without_model(cost_lines: pl.LazyFrame) -> pl.LazyFrame:
    """USD inference/embedding cost lines without a model or token class (no grain row can take them)."""
    return (
        cost_lines.filter(
            pl.col("x_CostSource").is_in(["inference", "embeddings"]) & (pl.col("BillingCurrency").str.to_uppercase() == "USD")
            & (pl.col("x_Model").is_null() | pl.col("x_TokenClass").is_null()))
        .with_columns(_utc_day("ChargePeriodStart", cost_lines.collect_schema()).alias("day"))
        .group_by("day", pl.col("ServiceProviderName").str.to_lowercase().alias("provider"),
                  pl.col("SubAccountId").fill_null("").alias("project_id"),
                  pl.coalesce("x_Model", "ChargeDescription", pl.lit("(no description)")).alias("description"))
        .agg(money_sum(pl.col("BilledCost")).alias("usd"))
    )
