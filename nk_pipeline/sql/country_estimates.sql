-- One row per country the inputs name: a reconciled estimate where worker figures exist,
-- otherwise the fact of presence, otherwise restaurants only. Method: docs/methodology.md.
CREATE OR REPLACE TABLE marts.country_estimates AS
WITH params AS (
    SELECT
        max(value) FILTER (WHERE name = 'stale_before_year') AS stale_before_year,
        max(value) FILTER (WHERE name = 'conflict_ratio') AS conflict_ratio,
        max(value) FILTER (WHERE name = 'high_confidence_sources') AS high_confidence_sources
    FROM marts.method_parameters
),
used AS (
    -- official: the source's kind is one of contract.OFFICIAL_SOURCE_KINDS (staging.sources)
    SELECT e.*, s.official FROM marts.estimate_evidence AS e JOIN staging.sources AS s USING (source_id) WHERE e.used
),
estimates AS (
    SELECT
        iso3,
        -- a range's ends: bounds where sources give them, single figures otherwise
        CASE WHEN count(workers_low) > 0 THEN min(coalesce(workers_low, workers_high)) END AS workers_low,
        CASE WHEN count(workers_high) > 0 THEN max(coalesce(workers_high, workers_low)) END AS workers_high,
        median(point) AS central,
        max(effective_year) AS reference_year,
        count(DISTINCT source_id) AS n_sources,
        string_agg(DISTINCT source_id, ';' ORDER BY source_id) AS source_ids,
        max(point) / nullif(min(point), 0) AS spread,
        max(point) AS max_point,
        min(point) AS min_point,
        bool_or(official) AS has_official_source
    FROM used
    GROUP BY iso3
),
presence AS (
    SELECT
        iso3,
        max(effective_year) AS reference_year,
        count(DISTINCT source_id) AS n_sources,
        string_agg(DISTINCT source_id, ';' ORDER BY source_id) AS source_ids,
        bool_and(measure = 'project') AS projects_only
    FROM marts.estimate_evidence
    WHERE measure <> 'restaurant'  -- a restaurant is not a report of workers
    GROUP BY iso3
),
restaurants AS (
    SELECT
        iso3,
        max(effective_year) AS reference_year,
        count(DISTINCT source_id) AS n_sources,
        string_agg(DISTINCT source_id, ';' ORDER BY source_id) AS source_ids
    FROM marts.estimate_evidence
    WHERE measure = 'restaurant'
    GROUP BY iso3
),
countries AS (
    SELECT iso3 FROM presence
    UNION
    SELECT iso3 FROM restaurants
),
combined AS (
    SELECT
        c.iso3,
        CASE
            WHEN e.iso3 IS NOT NULL THEN 'estimate'
            WHEN p.iso3 IS NOT NULL THEN 'present'
            ELSE 'restaurants_only'
        END AS status,
        e.workers_low::BIGINT AS workers_low,
        e.workers_high::BIGINT AS workers_high,
        -- the median figure, rounded to a whole worker and kept inside the range
        CASE WHEN e.iso3 IS NOT NULL THEN
            least(greatest(round(e.central)::BIGINT, coalesce(e.workers_low, 0)::BIGINT),
                  coalesce(e.workers_high, round(e.central))::BIGINT)
        END AS workers_central,
        coalesce(e.reference_year, p.reference_year, r.reference_year)::INTEGER AS reference_year,
        coalesce(e.n_sources, p.n_sources, r.n_sources)::INTEGER AS n_sources,
        coalesce(e.source_ids, p.source_ids, r.source_ids) AS source_ids,
        r.iso3 IS NOT NULL AS has_restaurants,
        coalesce(p.projects_only, false) AS projects_only,
        e.spread,
        coalesce(e.max_point > params.conflict_ratio * e.min_point, false) AS conflict,
        e.has_official_source,
        params.*
    FROM countries AS c
    CROSS JOIN params
    LEFT JOIN estimates AS e USING (iso3)
    LEFT JOIN presence AS p USING (iso3)
    LEFT JOIN restaurants AS r USING (iso3)
)
SELECT
    x.iso3,
    n.name AS country,
    x.status,
    x.workers_low,
    x.workers_high,
    x.workers_central,
    x.reference_year,
    x.n_sources,
    x.source_ids,
    x.has_restaurants,
    CASE
        WHEN x.status <> 'estimate' THEN NULL
        WHEN x.n_sources >= x.high_confidence_sources AND NOT x.conflict THEN 'high'
        WHEN x.n_sources >= 2 OR x.has_official_source THEN 'medium'
        ELSE 'low'
    END AS confidence,
    x.conflict,
    round(x.spread, 2) AS spread_ratio,
    coalesce(x.reference_year < x.stale_before_year, false) AS stale,
    CASE
        WHEN x.status = 'restaurants_only' THEN 'North Korean restaurants only'
        -- a firm's projects are not a report of workers: the label says what the sources do report
        WHEN x.status = 'present' AND x.projects_only THEN 'North Korean firms'' projects reported, no workers named'
        WHEN x.status = 'present' THEN 'Workers reported, no reliable figure'
        WHEN x.workers_low IS NOT NULL AND x.workers_high IS NOT NULL AND x.workers_low < x.workers_high
            THEN format('{:,d}–{:,d} ({})', x.workers_low, x.workers_high, x.reference_year)
        WHEN x.workers_low IS NOT NULL AND x.workers_high IS NOT NULL
            THEN format('about {:,d} ({})', x.workers_low, x.reference_year)
        WHEN x.workers_low IS NOT NULL THEN format('at least {:,d} ({})', x.workers_low, x.reference_year)
        ELSE format('up to {:,d} ({})', x.workers_high, x.reference_year)
    END AS label
FROM combined AS x
JOIN staging.countries AS n USING (iso3)
ORDER BY x.iso3;
