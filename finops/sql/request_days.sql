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
SELECT
    CAST(ts AS DATE)                                                        AS day,
    provider,
    model,
    COALESCE(project_id, '')                                                AS project_id,
    COALESCE(api_key_id, '')                                                AS api_key_id,
    COALESCE(feature, '')                                                   AS feature,
    COALESCE(language, '')                                                  AS language,
    COUNT(*)                                                                AS requests,
    SUM(CASE WHEN COALESCE(attempt, 1) > 1 THEN 1 ELSE 0 END)               AS retries,
    SUM(CASE WHEN stream_outcome IN ('dropped', 'aborted') THEN 1 ELSE 0 END) AS broken_streams,
    SUM(CASE WHEN input_tokens IS NULL THEN 1 ELSE 0 END)                   AS without_counts,
    COALESCE(SUM(input_tokens), 0)                                          AS input_tokens,
    COALESCE(SUM(cached_input_tokens), 0)                                   AS cached_input_tokens,
    COALESCE(SUM(cache_write_tokens), 0)                                    AS cache_write_tokens,
    COALESCE(SUM(output_tokens), 0)                                         AS output_tokens,
    COALESCE(SUM(reasoning_tokens), 0)                                      AS reasoning_tokens,
    COALESCE(SUM(CASE WHEN COALESCE(attempt, 1) > 1 THEN input_tokens END), 0)        AS retry_input_tokens,
    COALESCE(SUM(CASE WHEN COALESCE(attempt, 1) > 1 THEN cached_input_tokens END), 0) AS retry_cached_input_tokens,
    COALESCE(SUM(CASE WHEN COALESCE(attempt, 1) > 1 THEN cache_write_tokens END), 0)  AS retry_cache_write_tokens,
    COALESCE(SUM(CASE WHEN COALESCE(attempt, 1) > 1 THEN output_tokens END), 0)       AS retry_output_tokens
FROM requests
GROUP BY CAST(ts AS DATE), provider, model, COALESCE(project_id, ''), COALESCE(api_key_id, ''),
         COALESCE(feature, ''), COALESCE(language, '')
