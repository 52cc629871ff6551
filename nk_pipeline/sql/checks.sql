-- name: every_estimate_has_a_source
-- Rows of marts.country_estimates whose sources are missing, or not in raw/sources.csv with a URL.
SELECT c.iso3, c.source_ids
FROM marts.country_estimates AS c
WHERE c.n_sources < 1
   OR c.source_ids IS NULL
   OR EXISTS (
        SELECT 1 FROM (SELECT unnest(string_split(c.source_ids, ';')) AS source_id) AS ids
        WHERE ids.source_id NOT IN (SELECT source_id FROM staging.sources WHERE url IS NOT NULL)
   );

-- name: low_le_central_le_high
-- Estimates whose central figure falls outside their range.
SELECT iso3, workers_low, workers_central, workers_high
FROM marts.country_estimates
WHERE workers_central < workers_low
   OR workers_central > workers_high
   OR workers_low > workers_high;

-- name: status_matches_figures
-- Estimates without a figure, or non-estimates with one.
SELECT iso3, status, workers_central
FROM marts.country_estimates
WHERE (status = 'estimate') <> (workers_central IS NOT NULL)
   OR status NOT IN ('estimate', 'present', 'restaurants_only');

-- name: used_evidence_is_a_worker_figure
-- Observations used in an estimate that are not stock or permit figures with a source URL.
SELECT iso3, source_id, measure, source_line
FROM marts.estimate_evidence
WHERE used AND (measure NOT IN ('stock', 'permits') OR source_url IS NULL);
