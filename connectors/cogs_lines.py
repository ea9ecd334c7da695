"""What the COGS bill readers share: loose-header table reading with per-field checks, and conforming to cost_lines."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from finops.connectors.request_logs.files import collect_scanned, scan
from finops.connectors.request_logs.problems import Problems, collect
from finops.connectors.request_logs.values import BAD, REC, ROW, Field, check
from finops.errors import InputError
from finops.schema import COST_LINES, COST_LINES_TABLE, Provenance, line_id


def _norm(name: str) -> str:
    """`Start Date`, `start-date` and `Cost (USD)` become start_date and cost_usd."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def read_table(path: Path, fields: list[Field], aliases: dict[str, str] | None = None,
               mapping: dict[str, str] | None = None) -> tuple[pl.DataFrame, Problems]:
    """The file's good rows, typed per `fields`, and its bad rows explained.

    Headers are matched loosely (case, spaces, punctuation) and through `aliases` (vendor
    spellings) and `mapping` (--map their=ours), so a re-labelled download still reads.
    """
    path = Path(path)
    lf, layout = scan(path)
    return check_table(lf, layout, path, fields, aliases, mapping)


def check_table(lf: pl.LazyFrame, layout: str, path: Path, fields: list[Field], aliases: dict[str, str] | None = None,
                mapping: dict[str, str] | None = None) -> tuple[pl.DataFrame, Problems]:
    """read_table on an already opened frame (with `__rec`), e.g. rows flattened from JSON."""
    names = [c for c in lf.collect_schema().names() if c != REC]
    ours = {f.name for f in fields}
    renames: dict[str, str] = {}
    for c in names:
        target = (mapping or {}).get(c) or (aliases or {}).get(_norm(c)) or _norm(c)
        if target in ours and target not in renames.values():
            renames[c] = target
    lf = lf.select(*renames, REC).rename(renames).with_columns(pl.col(REC).alias(ROW))
    missing = [f.name for f in fields if f.required and f.name not in renames.values()]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (map yours with --map their_column=our_column)")
    raw = collect_scanned(lf, path, layout).lazy()  # bills are small: months or days of lines
    checked = check(raw, fields).collect().lazy()  # evaluated once: the problems and the good rows read it
    labels = {ours_: theirs for theirs, ours_ in renames.items()}
    problems = collect(checked, raw, fields, path, layout, labels)
    flags = [c for c in checked.collect_schema().names() if c.startswith(BAD)]
    good = checked.filter(~pl.any_horizontal(flags)) if flags else checked
    return good.drop(*flags, REC, ROW).collect(), problems


def utc(col: str) -> pl.Expr:
    """A Date column as the UTC midnight that starts it."""
    return pl.col(col).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def finish(frame: pl.DataFrame, source: str, key: tuple[str, ...], category: str, subcategory: str) -> pl.DataFrame:
    """Conform to cost_lines: billed provenance, EffectiveCost = BilledCost, a stable line id."""
    now = datetime.now(timezone.utc)
    frame = frame.with_columns(
        pl.lit(source).alias("x_Source"), pl.lit(Provenance.BILLED).alias("x_Provenance"), pl.lit(now).alias("x_IngestedAt"),
        pl.col("BilledCost").alias("EffectiveCost"), pl.lit(category).alias("ServiceCategory"),
        pl.lit(subcategory).alias("ServiceSubcategory"), pl.lit("").alias("x_LineId"),
    )
    return merge_duplicate_lines(COST_LINES_TABLE.conform(frame).collect().with_columns(line_id(*key)))


SUMMED = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity", "PricingQuantity")


def merge_duplicate_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Rows with the same line id are one line: sum their money and quantities, never drop one."""
    if lines.height == 0 or not lines.select(pl.struct("x_Source", "x_LineId").is_duplicated().any()).item():
        return lines
    others = [c for c in COST_LINES.names() if c not in SUMMED and c not in ("x_Source", "x_LineId")]
    return lines.group_by("x_Source", "x_LineId", maintain_order=True).agg(
        *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in SUMMED),  # null stays null
        *(pl.col(c).first() for c in others),
    ).select(COST_LINES.names())
