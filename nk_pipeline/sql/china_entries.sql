-- Entries of North Koreans into China by year and purpose, set beside the same source's total
-- for the same period and beside the reconciled China estimate. Entries are border crossings,
-- not people: a worker who crosses several times a year is counted several times.
CREATE OR REPLACE TABLE marts.china_entries AS
WITH totals AS (
    SELECT year, period, source_id, max(entrants) AS total_entrants
    FROM staging.china_entries
    WHERE category = 'total'
    GROUP BY ALL
),
china AS (
    SELECT workers_low, workers_high, workers_central, reference_year, label
    FROM marts.country_estimates
    WHERE iso3 = 'CHN'
)
SELECT
    e.year::INTEGER AS year,
    e.period,
    e.period = 'full_year' AS is_full_year,
    e.category,
    e.entrants::BIGINT AS entrants,
    t.total_entrants::BIGINT AS total_entrants_same_source,
    round(e.entrants / nullif(t.total_entrants, 0), 3) AS share_of_total,
    e.source_id,
    s.title AS source_title,
    s.url AS source_url,
    e.evidence,
    e.source_line,
    china.label AS china_estimate_label,
    china.reference_year AS china_estimate_year,
    'Entries, not people: frequent travellers are counted each time; workers may also enter under other categories; crews of vessels and vehicles may be in workers_and_crew.'
        AS caveat
FROM staging.china_entries AS e
JOIN staging.sources AS s USING (source_id)
LEFT JOIN totals AS t USING (year, period, source_id)
LEFT JOIN china ON true
ORDER BY e.year, e.period, e.category, e.source_id;
