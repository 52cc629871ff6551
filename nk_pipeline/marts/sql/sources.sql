-- The report list, with how much each source contributes to the warehouse.
CREATE OR REPLACE TABLE marts.sources AS
WITH citations AS (
    SELECT source_id, 'country_estimates' AS cited_in, iso3 FROM staging.country_estimates
    UNION ALL SELECT source_id, 'restaurants', iso3 FROM staging.restaurants
    UNION ALL SELECT source_id, 'border_entries', host_iso3 FROM staging.border_entries
    UNION ALL SELECT source_id, 'headline_estimates', NULL FROM staging.headline_estimates
    UNION ALL SELECT source_id, 'policy_events', iso3 FROM staging.policy_events
),
counts AS (
    SELECT
        source_id,
        count(*) AS n_figures,
        count(DISTINCT iso3) AS n_countries,
        string_agg(DISTINCT cited_in, ';' ORDER BY cited_in) AS cited_in
    FROM citations
    GROUP BY source_id
),
used AS (
    SELECT source_id, count(*) AS n_used_in_estimates
    FROM marts.estimate_evidence
    WHERE used
    GROUP BY source_id
)
SELECT
    s.source_id,
    s.title,
    s.publisher,
    s.authors,
    s.published,
    s.published_year::INTEGER AS published_year,
    s.url,
    s.kind,
    s.notes,
    coalesce(c.n_figures, 0)::INTEGER AS n_figures,
    coalesce(c.n_countries, 0)::INTEGER AS n_countries,
    coalesce(u.n_used_in_estimates, 0)::INTEGER AS n_used_in_estimates,
    c.cited_in,
    s.title_en
FROM staging.sources AS s
LEFT JOIN counts AS c USING (source_id)
LEFT JOIN used AS u USING (source_id)
ORDER BY s.source_id;
