"""The canonical tables: typed polars schemas, natural keys and enumerations.

Every table the store holds is declared here once. docs/schema.md documents each
column, its unit and its meaning; keep the two in step.

Conventions:
- Times are UTC, microsecond precision (`Datetime("us", "UTC")`). Charge periods are
  half-open: start inclusive, end exclusive (as providers and FOCUS define them).
- Dimension columns that take part in a natural key are never null: an empty string
  means "not reported by the source" (a provider that does not group by API key, say),
  so that keys compare equal across loads.
- Money is Float64 in the row's currency, parsed from the provider's decimal strings
  with `decimal.Decimal` and rounded only when shown.
- Every row says where its figure comes from in a provenance column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

SCHEMA_VERSION: Final = 1

UTC_TS = pl.Datetime("us", "UTC")


class Provenance:
    """Where a figure comes from; shown next to every number."""

    BILLED: Final = "billed"  # an invoice or a provider cost API
    METERED: Final = "metered"  # a provider usage API (token and request meters)
    LOGGED: Final = "logged"  # the team's own request logs
    ESTIMATED: Final = "estimated"  # computed by one of our models

    ALL: Final = (BILLED, METERED, LOGGED, ESTIMATED)


class TokenClass:
    """What a quantity of usage measures. Token classes first, other meters after."""

    INPUT_UNCACHED: Final = "input_uncached"
    INPUT_CACHE_READ: Final = "input_cache_read"
    INPUT_CACHE_WRITE_5M: Final = "input_cache_write_5m"
    INPUT_CACHE_WRITE_1H: Final = "input_cache_write_1h"
    OUTPUT: Final = "output"  # includes reasoning where the provider does not split it
    REASONING: Final = "reasoning"  # billed as output; only where reported separately
    INPUT_AUDIO: Final = "input_audio"
    OUTPUT_AUDIO: Final = "output_audio"
    INPUT_IMAGE: Final = "input_image"
    OUTPUT_IMAGE: Final = "output_image"
    EMBEDDING: Final = "embedding"
    # Non-token meters, with their unit in the `unit` column.
    REQUESTS: Final = "requests"
    IMAGES: Final = "images"
    WEB_SEARCH_CALLS: Final = "web_search_calls"
    FILE_SEARCH_CALLS: Final = "file_search_calls"
    CODE_INTERPRETER_SESSIONS: Final = "code_interpreter_sessions"
    VECTOR_STORE_BYTES: Final = "vector_store_bytes"
    AUDIO_CHARACTERS: Final = "audio_characters"
    AUDIO_SECONDS: Final = "audio_seconds"

    TOKENS: Final = (
        INPUT_UNCACHED,
        INPUT_CACHE_READ,
        INPUT_CACHE_WRITE_5M,
        INPUT_CACHE_WRITE_1H,
        OUTPUT,
        REASONING,
        INPUT_AUDIO,
        OUTPUT_AUDIO,
        INPUT_IMAGE,
        OUTPUT_IMAGE,
        EMBEDDING,
    )
    INPUT: Final = (
        INPUT_UNCACHED,
        INPUT_CACHE_READ,
        INPUT_CACHE_WRITE_5M,
        INPUT_CACHE_WRITE_1H,
        INPUT_AUDIO,
        INPUT_IMAGE,
        EMBEDDING,
    )


UNIT_FOR_CLASS: Final[dict[str, str]] = {
    **{c: "tokens" for c in TokenClass.TOKENS},
    TokenClass.REQUESTS: "requests",
    TokenClass.IMAGES: "images",
    TokenClass.WEB_SEARCH_CALLS: "calls",
    TokenClass.FILE_SEARCH_CALLS: "calls",
    TokenClass.CODE_INTERPRETER_SESSIONS: "sessions",
    TokenClass.VECTOR_STORE_BYTES: "bytes",
    TokenClass.AUDIO_CHARACTERS: "characters",
    TokenClass.AUDIO_SECONDS: "seconds",
}


class StreamOutcome:
    """How a request ended, as the team's own client saw it."""

    COMPLETED: Final = "completed"  # the full response arrived
    DROPPED: Final = "dropped"  # the connection or proxy dropped the stream mid-way
    ABORTED: Final = "aborted"  # our client cancelled (user left, timeout)
    ERROR: Final = "error"  # the provider answered with an error
    UNKNOWN: Final = "unknown"

    ALL: Final = (COMPLETED, DROPPED, ABORTED, ERROR, UNKNOWN)


class CostSource:
    """Which part of COGS a cost line belongs to (x_CostSource)."""

    INFERENCE: Final = "inference"
    EMBEDDINGS: Final = "embeddings"
    VECTOR_DB: Final = "vector_db"
    OBSERVABILITY: Final = "observability"
    HUMAN_REVIEW: Final = "human_review"
    STORAGE: Final = "storage"
    CONTRACT: Final = "contract"

    ALL: Final = (INFERENCE, EMBEDDINGS, VECTOR_DB, OBSERVABILITY, HUMAN_REVIEW, STORAGE, CONTRACT)
    PROVIDER_BILLS: Final = (INFERENCE, EMBEDDINGS)


def is_provider_bill() -> pl.Expr:
    """A cost_lines row of the "inference" scope: an inference or embeddings line billed in USD.

    The one definition behind month-to-date inference, the forecasts' dollar series, budgets
    and reconcile's billed cells. A line without x_CostSource is a provider bill (loaded
    before the column existed); a lower-case currency code is still USD.
    """
    return (pl.col("x_CostSource").fill_null(CostSource.INFERENCE).is_in(CostSource.PROVIDER_BILLS)
            & (pl.col("BillingCurrency").str.to_uppercase() == "USD"))


class AllocationDriver:
    """How a shared cost line is spread over features (x_AllocationDriver)."""

    DIRECT: Final = "direct"  # the line carries its feature tag
    REQUESTS: Final = "requests"
    TOKENS: Final = "tokens"
    RETRIEVAL_CALLS: Final = "retrieval_calls"
    STORED_VECTORS: Final = "stored_vectors"
    REVIEWED_ITEMS: Final = "reviewed_items"
    FIXED: Final = "fixed"  # fixed shares declared in finops.toml
    # Drivers only an allocation rule names (never written on a line by an ingester).
    TASKS: Final = "tasks"
    TOKEN_COST: Final = "token_cost"  # tokens weighed by their catalog price

    ALL: Final = (DIRECT, REQUESTS, TOKENS, RETRIEVAL_CALLS, STORED_VECTORS, REVIEWED_ITEMS, FIXED)
    # What a rule or a contract may spread a shared line by: measured from the requests table,
    # from the metered quantity of lines already attributed to a feature, or fixed shares.
    FROM_REQUESTS: Final = (REQUESTS, TASKS, TOKENS, TOKEN_COST)
    FROM_LINES: Final = (RETRIEVAL_CALLS, STORED_VECTORS, REVIEWED_ITEMS)
    RULES: Final = (*FROM_REQUESTS, *FROM_LINES, FIXED)


def _schema(columns: Mapping[str, PolarsDataType]) -> pl.Schema:
    """A table's columns; typed so that mixing dtype classes (pl.String) and instances (UTC_TS) checks."""
    return pl.Schema(columns)


BILLED_USAGE: Final = _schema(
    {
        "charge_period_start": UTC_TS,
        "charge_period_end": UTC_TS,
        "provider": pl.String,
        "model": pl.String,
        "project_id": pl.String,
        "api_key_id": pl.String,
        "service_tier": pl.String,
        "context_window": pl.String,
        "region": pl.String,
        "token_class": pl.String,
        "unit": pl.String,
        "quantity": pl.Int64,
        "source": pl.String,
        "provenance": pl.String,
        "ingested_at": UTC_TS,
    }
)

REQUESTS: Final = _schema(
    {
        "ts": UTC_TS,
        "request_id": pl.String,
        "attempt": pl.Int32,
        "stream_outcome": pl.String,
        "status_code": pl.Int32,  # HTTP status of the attempt; null = not logged
        "logical_request_id": pl.String,  # shared by every attempt of one logical request; null = not logged
        "provider": pl.String,
        "model": pl.String,
        "project_id": pl.String,
        "api_key_id": pl.String,
        "feature": pl.String,
        "task_id": pl.String,
        "user_id": pl.String,
        "region": pl.String,
        "language": pl.String,
        "service_tier": pl.String,
        "input_tokens": pl.Int64,
        "cached_input_tokens": pl.Int64,
        "cache_write_tokens": pl.Int64,  # all cache writes, 5-minute and 1-hour
        "cache_write_1h_tokens": pl.Int64,  # the 1-hour part of cache_write_tokens; null = the log cannot tell
        "output_tokens": pl.Int64,
        "reasoning_tokens": pl.Int64,
        "latency_ms": pl.Int64,
        "source": pl.String,
        "provenance": pl.String,
    }
)

# The request log at its daily grain, as finops/sql/request_days.sql computes it where the
# raw log lives (a warehouse); reconcile reads it for the days the store has no raw rows of.
REQUEST_DAYS: Final = _schema(
    {
        "day": pl.Date,  # UTC day
        "provider": pl.String,
        "model": pl.String,
        "project_id": pl.String,
        "api_key_id": pl.String,
        "feature": pl.String,
        "language": pl.String,
        "requests": pl.Int64,
        "retries": pl.Int64,  # attempts that retried a broken (billed) attempt, on the broken one's day and group
        "broken_streams": pl.Int64,  # stream_outcome dropped or aborted and no HTTP error: billed
        "without_counts": pl.Int64,  # requests logged without input_tokens
        "input_tokens": pl.Int64,
        "cached_input_tokens": pl.Int64,
        "cache_write_tokens": pl.Int64,  # all cache writes
        "output_tokens": pl.Int64,
        "reasoning_tokens": pl.Int64,
        "cache_write_1h_tokens": pl.Int64,  # the 1-hour part of the writes, where the log says it
        "cache_write_1h_unknown_tokens": pl.Int64,  # writes of rows whose log cannot tell 5m from 1h
        "retry_input_tokens": pl.Int64,  # the same sums over those retries (the broken attempts' best evidence)
        "retry_cached_input_tokens": pl.Int64,
        "retry_cache_write_tokens": pl.Int64,
        "retry_output_tokens": pl.Int64,
        "retry_cache_write_1h_tokens": pl.Int64,
        "source": pl.String,
        "provenance": pl.String,
        "ingested_at": UTC_TS,
    }
)

COST_LINES: Final = _schema(
    {
        # FOCUS columns (names and meanings from FOCUS 1.2/1.3).
        "BillingAccountId": pl.String,
        "BillingCurrency": pl.String,
        "BilledCost": pl.Float64,
        "EffectiveCost": pl.Float64,
        "ListCost": pl.Float64,
        "ContractedCost": pl.Float64,
        "ChargeCategory": pl.String,
        "ChargeClass": pl.String,
        "ChargeDescription": pl.String,
        "ChargeFrequency": pl.String,
        "ChargePeriodStart": UTC_TS,
        "ChargePeriodEnd": UTC_TS,
        "BillingPeriodStart": UTC_TS,
        "BillingPeriodEnd": UTC_TS,
        "ServiceProviderName": pl.String,
        "HostProviderName": pl.String,
        "InvoiceIssuerName": pl.String,
        "InvoiceId": pl.String,
        "ServiceName": pl.String,
        "ServiceCategory": pl.String,
        "ServiceSubcategory": pl.String,
        "SkuId": pl.String,
        "SkuMeter": pl.String,
        "ConsumedQuantity": pl.Float64,
        "ConsumedUnit": pl.String,
        "PricingQuantity": pl.Float64,
        "PricingUnit": pl.String,
        "ListUnitPrice": pl.Float64,
        "ContractedUnitPrice": pl.Float64,
        "SubAccountId": pl.String,
        "SubAccountName": pl.String,
        "ResourceId": pl.String,
        "RegionId": pl.String,
        "Tags": pl.String,  # JSON object text
        # Our extensions, x_-prefixed as FOCUS requires.
        "x_LineId": pl.String,
        "x_Source": pl.String,
        "x_Provenance": pl.String,
        "x_CostSource": pl.String,
        "x_AllocationDriver": pl.String,
        "x_Feature": pl.String,
        "x_Model": pl.String,
        "x_TokenClass": pl.String,
        "x_IngestedAt": UTC_TS,
    }
)


@dataclass(frozen=True)
class Table:
    """A stored table: its name, schema, natural key and the column it is partitioned by."""

    name: str
    schema: pl.Schema
    key: tuple[str, ...]
    time_column: str  # partition month = this column's UTC month

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.schema)

    def conform(self, frame: pl.DataFrame | pl.LazyFrame, keep: Sequence[str] = ()) -> pl.LazyFrame:
        """Select and cast a frame to this table's schema (plus the `keep` columns as they are); missing columns become null.

        Raises SchemaError naming the column when a non-null key column is missing.
        """
        from finops.errors import SchemaError

        lf = frame.lazy()
        present = lf.collect_schema().names()
        missing_keys = [k for k in self.key if k not in present]
        if missing_keys:
            raise SchemaError(f"table {self.name}: missing key column(s) {', '.join(missing_keys)}")
        exprs = [
            (pl.col(c) if c in present else pl.lit(None)).cast(t).alias(c)
            for c, t in self.schema.items()
        ]
        return lf.select(*exprs, *keep)


BILLED_USAGE_TABLE: Final = Table(
    name="billed_usage",
    schema=BILLED_USAGE,
    key=(
        "charge_period_start",
        "provider",
        "model",
        "project_id",
        "api_key_id",
        "service_tier",
        "context_window",
        "region",
        "token_class",
    ),
    time_column="charge_period_start",
)

REQUESTS_TABLE: Final = Table(
    name="requests",
    schema=REQUESTS,
    key=("request_id",),
    time_column="ts",
)

REQUEST_DAYS_TABLE: Final = Table(
    name="request_days",
    schema=REQUEST_DAYS,
    key=("day", "provider", "model", "project_id", "api_key_id", "feature", "language"),
    time_column="day",
)

COST_LINES_TABLE: Final = Table(
    name="cost_lines",
    schema=COST_LINES,
    key=("x_Source", "x_LineId"),
    time_column="ChargePeriodStart",
)

TABLES: Final[dict[str, Table]] = {
    t.name: t for t in (BILLED_USAGE_TABLE, REQUESTS_TABLE, REQUEST_DAYS_TABLE, COST_LINES_TABLE)
}


def line_id(*columns: str) -> pl.Expr:
    """A deterministic cost-line id from the columns that identify a line.

    Used as x_LineId so that re-loading the same line upserts it instead of adding a
    second copy. Nulls are spelled out so that (a, null) and (null, a) differ.
    """
    return pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("\u2205") for c in columns], separator="|"
    ).alias("x_LineId")
