-- The raw request log at the store's daily grain: the console's `request_days` table.
--
-- Runs unchanged on DuckDB, Spark SQL and Trino over a table or view named `requests` with
-- the columns of the store's `requests` table (docs/schema.md); its result loads with
-- `finops ingest --kind request-days FILE` (docs/scale.md). One dialect switch: the
-- session time zone must be UTC so that CAST(ts AS DATE) is the UTC day:
--   DuckDB:  SET TimeZone = 'UTC';
--   Spark:   SET spark.sql.session.timeZone = UTC;
--   Trino:   SET TIME ZONE 'UTC';
-- Empty dimensions are '' (never NULL: they are part of the key), and a sum over rows
-- that are all NULL is 0, as in finops/rollup.py request_days.
--
-- Attempts (finops/rollup.py broken/link_key): an attempt whose stream broke after generation
-- started (dropped or aborted, no HTTP error) was billed; the attempt that retried it (the next
-- one of the same logical request, else of the same task in time order) is counted, with its
-- tokens, on the broken attempt's day and group. Refused attempts (HTTP >= 400) are not billed.
WITH r AS (
    SELECT
        *,
        CASE WHEN stream_outcome IN ('dropped', 'aborted') AND COALESCE(status_code, 0) < 400 THEN 1 ELSE 0 END AS is_broken,
        CASE
            WHEN logical_request_id IS NOT NULL THEN 'L|' || COALESCE(provider, '') || '|' || logical_request_id
            WHEN task_id IS NOT NULL THEN 'T|' || COALESCE(provider, '') || '|' || COALESCE(model, '') || '|'
                                          || COALESCE(project_id, '') || '|' || task_id
            ELSE 'G|' || COALESCE(provider, '') || '|' || COALESCE(model, '') || '|' || COALESCE(project_id, '') || '|'
                 || COALESCE(api_key_id, '') || '|' || COALESCE(feature, '')
        END AS link
    FROM requests
),
chained AS (
    SELECT
        *,
        LEAD(ts) OVER (PARTITION BY link ORDER BY ts, COALESCE(attempt, 1))                  AS next_ts,
        LEAD(input_tokens) OVER (PARTITION BY link ORDER BY ts, COALESCE(attempt, 1))        AS next_input_tokens,
        LEAD(cached_input_tokens) OVER (PARTITION BY link ORDER BY ts, COALESCE(attempt, 1)) AS next_cached_input_tokens,
        LEAD(cache_write_tokens) OVER (PARTITION BY link ORDER BY ts, COALESCE(attempt, 1))  AS next_cache_write_tokens,
        LEAD(output_tokens) OVER (PARTITION BY link ORDER BY ts, COALESCE(attempt, 1))       AS next_output_tokens,
        LEAD(cache_write_1h_tokens) OVER (PARTITION BY link ORDER BY ts, COALESCE(attempt, 1)) AS next_cache_write_1h_tokens
    FROM r
)
SELECT
    CAST(ts AS DATE)                                                        AS day,
    provider,
    model,
    COALESCE(project_id, '')                                                AS project_id,
    COALESCE(api_key_id, '')                                                AS api_key_id,
    COALESCE(feature, '')                                                   AS feature,
    COALESCE(language, '')                                                  AS language,
    COUNT(*)                                                                AS requests,
    SUM(CASE WHEN is_broken = 1 AND next_ts IS NOT NULL THEN 1 ELSE 0 END)  AS retries,
    SUM(is_broken)                                                          AS broken_streams,
    SUM(CASE WHEN input_tokens IS NULL THEN 1 ELSE 0 END)                   AS without_counts,
    COALESCE(SUM(input_tokens), 0)                                          AS input_tokens,
    COALESCE(SUM(cached_input_tokens), 0)                                   AS cached_input_tokens,
    COALESCE(SUM(cache_write_tokens), 0)                                    AS cache_write_tokens,
    COALESCE(SUM(output_tokens), 0)                                         AS output_tokens,
    COALESCE(SUM(reasoning_tokens), 0)                                      AS reasoning_tokens,
    COALESCE(SUM(cache_write_1h_tokens), 0)                                 AS cache_write_1h_tokens,
    COALESCE(SUM(CASE WHEN cache_write_1h_tokens IS NULL THEN cache_write_tokens END), 0) AS cache_write_1h_unknown_tokens,
    COALESCE(SUM(CASE WHEN is_broken = 1 AND next_ts IS NOT NULL THEN next_input_tokens END), 0)        AS retry_input_tokens,
    COALESCE(SUM(CASE WHEN is_broken = 1 AND next_ts IS NOT NULL THEN next_cached_input_tokens END), 0) AS retry_cached_input_tokens,
    COALESCE(SUM(CASE WHEN is_broken = 1 AND next_ts IS NOT NULL THEN next_cache_write_tokens END), 0)  AS retry_cache_write_tokens,
    COALESCE(SUM(CASE WHEN is_broken = 1 AND next_ts IS NOT NULL THEN next_output_tokens END), 0)       AS retry_output_tokens,
    COALESCE(SUM(CASE WHEN is_broken = 1 AND next_ts IS NOT NULL THEN next_cache_write_1h_tokens END), 0) AS retry_cache_write_1h_tokens
FROM chained
GROUP BY CAST(ts AS DATE), provider, model, COALESCE(project_id, ''), COALESCE(api_key_id, ''),
         COALESCE(feature, ''), COALESCE(language, '')
