-- Entries of North Koreans into each host (China's tourism administration, Russia's FSB border
-- service) by year, period and purpose, set beside the same source's total for the same period
-- and beside the host's reconciled estimate. Entries are border crossings, not people.
CREATE OR REPLACE TABLE marts.border_entries AS
WITH totals AS (
    SELECT host, year, period, source_id, max(entrants) AS total_entrants
    FROM staging.border_entries
    WHERE category = 'total'
    GROUP BY ALL
),
hosts AS (
    SELECT iso3 AS host_iso3, workers_low, workers_high, workers_central, reference_year, label
    FROM marts.country_estimates
),
-- what each host's statistics cannot say, written once and shown on the page and in reports.xlsx
caveats (host, caveat) AS (
    VALUES
        ('China', 'Entries, not people: frequent travellers are counted each time; workers may also enter under other categories; crews of vessels and vehicles may be in workers_and_crew.'),
        ('Russia', 'Entries, not people: the FSB counts crossings by stated purpose; a student visa can hide work (South Korea''s intelligence service reports workers entering as students); the 2025 release dropped the purposes work and study.')
)
SELECT
    e.host,
    e.year::INTEGER AS year,
    e.period,
    e.period = 'full_year' AS is_full_year,
    e.category,
    e.entrants::BIGINT AS entrants,
    e.qualifier,
    t.total_entrants::BIGINT AS total_entrants_same_source,
    round(e.entrants / nullif(t.total_entrants, 0), 3) AS share_of_total,
    e.source_id,
    s.title AS source_title,
    s.url AS source_url,
    e.origin,
    e.evidence,
    e.source_line,
    h.label AS host_estimate_label,
    h.reference_year AS host_estimate_year,
    c.caveat
FROM staging.border_entries AS e
JOIN staging.sources AS s USING (source_id)
JOIN caveats AS c USING (host)
LEFT JOIN totals AS t USING (host, year, period, source_id)
LEFT JOIN hosts AS h USING (host_iso3)
ORDER BY e.host, e.year, e.period, e.category, e.source_id;
