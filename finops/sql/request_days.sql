-- Daily rollup of the raw request log to the store's daily grain.
--
-- Runs unchanged on DuckDB and Spark SQL (and Trino) over a table or view named
-- `requests` with the columns of the store's `requests` table (docs/schema.md).
-- Dialect switch: the session time zone must be UTC so that CAST(ts AS DATE) is the UTC day:
--   DuckDB:  SET TimeZone = 'UTC';
--   Spark:   SET spark.sql.session.timeZone = UTC;
--   Trino:   SET TIME ZONE 'UTC';
-- Token classes follow finops/rollup.py: uncached input = input - cache reads - cache writes;
-- an embedding model's input is its own class.
SELECT
    CAST(ts AS DATE)                                            AS day,
    provider,
    model,
    project_id,
    COALESCE(api_key_id, '')                                    AS api_key_id,
    COALESCE(feature, '')                                       AS feature,
    COUNT(*)                                                    AS requests,
    SUM(CASE WHEN attempt > 1 THEN 1 ELSE 0 END)                AS retries,
    SUM(CASE WHEN stream_outcome IN ('dropped', 'aborted') THEN 1 ELSE 0 END) AS broken_streams,
    SUM(CASE WHEN model LIKE '%embedding%' THEN 0
             ELSE COALESCE(input_tokens, 0) - COALESCE(cached_input_tokens, 0) - COALESCE(cache_write_tokens, 0)
        END)                                                    AS input_uncached,
    SUM(CASE WHEN model LIKE '%embedding%' THEN 0 ELSE COALESCE(cached_input_tokens, 0) END) AS input_cache_read,
    SUM(CASE WHEN model LIKE '%embedding%' THEN 0 ELSE COALESCE(cache_write_tokens, 0) END)  AS input_cache_write_5m,
    SUM(COALESCE(output_tokens, 0))                             AS output,
    SUM(COALESCE(reasoning_tokens, 0))                          AS reasoning,
    SUM(CASE WHEN model LIKE '%embedding%' THEN COALESCE(input_tokens, 0) ELSE 0 END) AS embedding,
    SUM(CASE WHEN input_tokens IS NULL THEN 1 ELSE 0 END)       AS requests_without_counts
FROM requests
GROUP BY CAST(ts AS DATE), provider, model, project_id, COALESCE(api_key_id, ''), COALESCE(feature, '')
