-- name: every_estimate_has_a_source
-- Rows of marts.country_years (any year) whose sources are missing, or not in raw/sources.csv with a URL.
SELECT c.iso3, c.year, c.source_ids
FROM marts.country_years AS c
WHERE c.n_sources < 1
   OR c.source_ids IS NULL
   OR EXISTS (
        SELECT 1 FROM (SELECT unnest(string_split(c.source_ids, ';')) AS source_id) AS ids
        WHERE ids.source_id NOT IN (SELECT source_id FROM staging.sources WHERE url IS NOT NULL)
   );

-- name: low_le_central_le_high
-- Rows of any year whose central figure falls outside their range.
SELECT iso3, year, workers_low, workers_central, workers_high
FROM marts.country_years
WHERE workers_central < workers_low
   OR workers_central > workers_high
   OR workers_low > workers_high;

-- name: status_matches_figures
-- Rows of any year whose status and figures disagree (marts.statuses says which statuses carry one).
SELECT c.iso3, c.year, c.status, c.workers_central
FROM marts.country_years AS c
LEFT JOIN marts.statuses AS s USING (status)
WHERE s.status IS NULL
   OR s.has_figure <> (c.workers_central IS NOT NULL)
   OR (c.status = 'none_reported_remaining') <> coalesce(c.workers_high = 0 OR (c.workers_high IS NULL AND c.workers_low = 0), false)
   OR (c.status = 'last_reported') <> (c.last_status IS NOT NULL);

-- name: nothing_current_rests_on_expired_evidence
-- Rows shown as current whose evidence describes no year within carry_years of the row's year.
SELECT c.iso3, c.year, c.status, c.reference_year
FROM marts.country_years AS c
JOIN marts.statuses AS s USING (status)
CROSS JOIN (SELECT value AS carry_years FROM marts.method_parameters WHERE name = 'carry_years') AS p
WHERE s.is_current AND NOT c.reference_year_from_publication AND c.reference_year < c.year - p.carry_years;

-- name: one_observation_counts_once
-- Observations used in some year that repeat another observation (same source, country, year, figure).
SELECT iso3, source_id, raw_file, source_line, duplicate_of
FROM marts.estimate_evidence
WHERE duplicate_of IS NOT NULL AND first_year_used IS NOT NULL;

-- name: used_evidence_is_a_worker_figure
-- Observations used in some year that are not of a measure counting for a figure, or lack a source URL.
SELECT e.iso3, e.source_id, e.measure, e.raw_file, e.source_line
FROM marts.estimate_evidence AS e
JOIN marts.measures AS m USING (measure)
WHERE e.first_year_used IS NOT NULL AND (NOT m.counts_for_figure OR e.source_url IS NULL);

-- name: no_look_ahead
-- Observations used in a year before the year they describe (or before they were published).
SELECT iso3, source_id, raw_file, source_line, effective_year, first_year_used
FROM marts.estimate_evidence
WHERE first_year_used < effective_year OR (first_year_used IS NOT NULL AND effective_year IS NULL);

-- name: latest_year_is_country_estimates
-- Countries whose marts.country_estimates row is not their latest marts.country_years row.
SELECT iso3 FROM (
    SELECT * EXCLUDE (year, is_latest, repatriated_reported, repatriation_reports, repatriation_source_ids)
    FROM marts.country_years WHERE is_latest
    EXCEPT
    SELECT * FROM marts.country_estimates
);

-- name: research_queue_is_empty
-- The curators' to-do list (marts.research_queue): countries with nothing current, and leads not yet
-- read. A warning, never a reason to hold the publish.
SELECT rank, kind, country, last_label, last_figure_year, lead_url
FROM marts.research_queue
ORDER BY rank;
