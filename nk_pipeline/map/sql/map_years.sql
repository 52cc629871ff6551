-- One row per country and year for the map files that move through time (index.html's year
-- control, country_years.csv, map_years.png): the series plus the titles of its sources, and
-- whether the country has any evidence describing that very year (the chart marks those years).
SELECT
    c.iso3,
    c.country,
    c.year,
    c.status,
    c.workers_low,
    c.workers_high,
    c.workers_central,
    c.reference_year,
    c.reference_year_from_publication,
    c.label,
    c.has_restaurants,
    c.has_it_workers,
    c.it_workers_note,
    c.it_source_ids,
    c.confidence,
    c.stale,
    c.n_sources,
    c.source_ids,
    c.n_origins,
    c.origin_chain,
    c.sent_home_since,
    (SELECT string_agg(s.title, ' | ' ORDER BY s.title)
     FROM marts.sources AS s
     WHERE list_contains(string_split(c.source_ids, ';'), s.source_id)) AS source_titles,
    c.repatriated_reported,
    c.repatriation_reports,
    c.repatriation_source_ids,
    EXISTS (
        SELECT 1 FROM marts.estimate_evidence AS e WHERE e.iso3 = c.iso3 AND e.effective_year = c.year
    ) AS reported_in_year,
    c.is_latest
FROM marts.country_years AS c
ORDER BY c.iso3, c.year;
