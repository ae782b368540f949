-- Analyst views. Re-created whenever the shipped schema or views change (CREATE OR REPLACE, digest in cix_schema).
-- "In force" = the latest published, indicative or withheld revision of a fixing; "current" = the methodology
-- version marked current in the `methodology` table.

CREATE OR REPLACE VIEW v_fixing_in_force AS
SELECT * FROM fixing
WHERE status IN ('published', 'indicative', 'withheld')
QUALIFY row_number() OVER (PARTITION BY index_code, fixing_date, methodology_version ORDER BY revision DESC) = 1;
COMMENT ON VIEW v_fixing_in_force IS 'Each fixing (index, date, methodology version) at its revision in force: the latest published, indicative or withheld revision.';

CREATE OR REPLACE VIEW v_latest_fixings AS
SELECT index_code, fixing_date, status, value, unit, currency, n_providers, robust_cv, flags, revision,
       methodology_version
FROM v_fixing_in_force
WHERE methodology_version = (SELECT version FROM methodology WHERE is_current)
  AND fixing_date = (SELECT max(fixing_date) FROM v_fixing_in_force
                     WHERE methodology_version = (SELECT version FROM methodology WHERE is_current));
COMMENT ON VIEW v_latest_fixings IS 'The most recent fixing date, every index, current methodology.';

CREATE OR REPLACE VIEW v_index_history AS
SELECT index_code, fixing_date, status, value, p25, p75, robust_cv, n_providers, n_quotes, flags, revision
FROM v_fixing_in_force
WHERE methodology_version = (SELECT version FROM methodology WHERE is_current);
COMMENT ON VIEW v_index_history IS 'Daily history per index (current methodology), with the dispersion band (P25/P75 of provider values); withheld days are rows with a NULL value.';

CREATE OR REPLACE VIEW v_provider_spreads AS
SELECT f.index_code, f.fixing_date, c.provider, c.value AS provider_value, f.value AS fixing_value,
       CASE WHEN f.value IS NULL OR f.value = 0 THEN NULL ELSE c.value / f.value - 1 END AS spread_to_fixing,
       coalesce(c.excluded_by, 'counted') AS verdict, c.weight_capped, c.trim_weight, c.sources
FROM v_fixing_in_force f
JOIN fixing_constituent c USING (index_code, fixing_date, methodology_version, revision)
WHERE f.methodology_version = (SELECT version FROM methodology WHERE is_current);
COMMENT ON VIEW v_provider_spreads IS 'Each provider''s value against its fixing: relative spread, verdict (counted, mad_screen, stale) and weight.';

CREATE OR REPLACE VIEW v_rejections_by_reason AS
SELECT source, rule, count(*) AS rejections, any_value(reason) AS example_reason,
       min(observed_at) AS first_seen, max(observed_at) AS last_seen
FROM rejection
GROUP BY source, rule;
COMMENT ON VIEW v_rejections_by_reason IS 'Rejected rows per source and rule, with an example reason.';

CREATE OR REPLACE VIEW v_source_streak AS
WITH attempts AS (
    SELECT *, max(started_at) FILTER (WHERE status = 'ok') OVER (PARTITION BY source) AS last_ok FROM source_run
)
SELECT source, max(started_at) AS last_attempt, arg_max(status, started_at) AS last_status,
       any_value(last_ok) AS last_ok,
       min(started_at) FILTER (WHERE last_ok IS NULL OR started_at > last_ok) AS down_since,
       count(*) FILTER (WHERE last_ok IS NULL OR started_at > last_ok) AS failed_attempts,
       max(started_at) FILTER (WHERE status = 'error') AS last_error_at,
       arg_max(error_kind || ': ' || error, started_at) FILTER (WHERE status = 'error') AS last_error
FROM attempts GROUP BY source;
COMMENT ON VIEW v_source_streak IS 'Per source: its last capture attempt and its status, its last success, and since when (down_since) and after how many attempts (failed_attempts) it has been failing; NULL and 0 when its last attempt succeeded.';

CREATE OR REPLACE VIEW v_source_health AS
WITH runs AS (
    SELECT * FROM v_source_streak
), captures AS (
    SELECT source, count(*) AS captures, max(fetched_at) AS last_capture FROM raw_capture GROUP BY source
), quotes AS (
    SELECT source, count(*) AS quotes FROM quote GROUP BY source
)
SELECT coalesce(r.source, c.source) AS source, c.last_capture, c.captures, q.quotes, r.last_attempt, r.last_status,
       r.down_since, r.failed_attempts, r.last_error_at, r.last_error
FROM runs r FULL JOIN captures c USING (source) LEFT JOIN quotes q ON q.source = coalesce(r.source, c.source);
COMMENT ON VIEW v_source_health IS 'Per source: last capture, counts, last attempt and its status, since when it has been failing (v_source_streak), last error.';
