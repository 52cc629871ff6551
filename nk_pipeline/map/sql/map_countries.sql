-- One row per country for the map files: the estimate plus the titles of its sources.
SELECT
    c.iso3,
    c.country,
    c.status,
    c.workers_low,
    c.workers_high,
    c.workers_central,
    c.reference_year,
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
    string_agg(s.title, ' | ' ORDER BY s.title) AS source_titles
FROM marts.country_estimates AS c
LEFT JOIN LATERAL (SELECT unnest(string_split(c.source_ids, ';')) AS source_id) AS ids ON true
LEFT JOIN marts.sources AS s ON s.source_id = ids.source_id
GROUP BY ALL
ORDER BY c.iso3;
