-- One row per country and year for the map files that move through time (index.html's year
-- control, country_years.csv, map_years.png): the series plus the titles of its sources, and
-- whether the country has any evidence describing that very year (the chart marks those years).
-- As in map_countries.sql, a row lists at most $listed sources, IT-worker sources, origin chains
-- and departure reports; the full lists stay in marts.country_years and the release.
WITH listed AS (
    SELECT
        c.*,
        string_split(c.source_ids, ';') AS all_ids,
        string_split(c.source_ids, ';')[:$listed] AS ids
    FROM marts.country_years AS c
),
titles AS (
    -- a join on the listed ids, not a search of every source for every row
    SELECT l.iso3, l.year, string_agg(s.title, ' | ' ORDER BY s.title, s.source_id) AS titles
    FROM listed AS l, unnest(l.ids) AS u(source_id)
    JOIN marts.sources AS s ON s.source_id = u.source_id
    GROUP BY l.iso3, l.year
),
reported AS (
    SELECT DISTINCT iso3, effective_year AS year FROM marts.estimate_evidence WHERE effective_year IS NOT NULL
)
SELECT
    l.iso3,
    l.country,
    l.year,
    l.status,
    l.workers_low,
    l.workers_high,
    l.workers_central,
    l.reference_year,
    l.reference_year_from_publication,
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
    l.sent_home_since,
    t.titles || CASE WHEN len(l.all_ids) > $listed THEN format(' | and {} more', len(l.all_ids) - $listed) ELSE '' END
        AS source_titles,
    l.repatriated_reported,
    first_and_more(l.repatriation_reports, '; ', $listed) AS repatriation_reports,
    first_of(l.repatriation_source_ids, ';', $listed) AS repatriation_source_ids,
    r.year IS NOT NULL AS reported_in_year,
    l.is_latest
FROM listed AS l
LEFT JOIN titles AS t USING (iso3, year)
LEFT JOIN reported AS r USING (iso3, year)
ORDER BY l.iso3, l.year;
