-- One row per country for the map files: the estimate plus the titles of its sources. A country
-- lists at most $listed sources (the first by id; n_sources counts them all and the titles end
-- with "and N more") and $listed origin chains, so that a map file's size does not grow with the
-- reports: the full lists stay in marts.country_estimates and the release.
WITH listed AS (
    SELECT
        c.*,
        string_split(c.source_ids, ';') AS all_ids,
        string_split(c.source_ids, ';')[:$listed] AS ids
    FROM marts.country_estimates AS c
),
titles AS (
    SELECT l.iso3, string_agg(s.title, ' | ' ORDER BY s.title, s.source_id) AS titles
    FROM listed AS l, unnest(l.ids) AS u(source_id)
    JOIN marts.sources AS s ON s.source_id = u.source_id
    GROUP BY l.iso3
)
SELECT
    l.iso3,
    l.country,
    l.status,
    l.workers_low,
    l.workers_high,
    l.workers_central,
    l.reference_year,
    l.label,
    l.has_restaurants,
    l.has_it_workers,
    l.it_workers_note,
    first_of(l.it_source_ids, ';', $listed) AS it_source_ids,
    l.confidence,
    l.stale,
    l.n_sources,
    array_to_string(l.ids, ';') AS source_ids,
    l.n_origins,
    first_and_more(l.origin_chain, '; ', $listed) AS origin_chain,
    t.titles || CASE WHEN len(l.all_ids) > $listed THEN format(' | and {} more', len(l.all_ids) - $listed) ELSE '' END
        AS source_titles
FROM listed AS l
LEFT JOIN titles AS t USING (iso3)
ORDER BY l.iso3;
