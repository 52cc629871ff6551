-- UN resolutions and each country's pledges, statements and implementation reports, in order,
-- with each country's latest event flagged.
CREATE OR REPLACE TABLE marts.policy_timeline AS
WITH ranked AS (
    SELECT
        p.*,
        row_number() OVER (
            PARTITION BY coalesce(p.iso3, 'UN')
            ORDER BY p.date DESC, p.source_line DESC
        ) AS recency_rank
    FROM staging.policy_events AS p
)
SELECT
    r.date,
    r.year::INTEGER AS year,
    r.iso3,
    r.country AS country_as_reported,
    r.event,
    r.reference,
    r.figure::BIGINT AS figure,
    r.figure_meaning,
    r.source_id,
    s.title AS source_title,
    s.url AS source_url,
    r.evidence,
    r.source_line,
    r.iso3 IS NOT NULL AND r.recency_rank = 1 AS is_latest_for_country
FROM ranked AS r
JOIN staging.sources AS s USING (source_id)
ORDER BY r.date, r.iso3 NULLS FIRST, r.source_id, r.source_line;
