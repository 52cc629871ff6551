-- Every observation behind every country, with whether it feeds the country's estimate and,
-- if not, why. Only stock and permit figures describe the workers in a country; of those,
-- only the ones in the country's recency window are used (docs/methodology.md). Restaurant
-- reports are observations too (measure 'restaurant'): never a figure, but what a
-- restaurants-only country rests on.
CREATE OR REPLACE TABLE marts.estimate_evidence AS
WITH params AS (
    SELECT
        max(value) FILTER (WHERE name = 'recency_window_years') AS window_years
    FROM marts.method_parameters
),
-- NOT MATERIALIZED: the window counts read four narrow columns of it, the final select all of
-- them; materialising the wide rows once more would double the memory of a large build
observations AS NOT MATERIALIZED (
    SELECT
        e.iso3,
        e.country AS country_as_reported,
        e.source_id,
        e.raw_file,
        e.source_line,
        e.measure,
        e.workers_low,
        e.workers_high,
        e.reference_year,
        coalesce(e.reference_year, s.published_year) AS effective_year,
        e.reference_year IS NULL AND s.published_year IS NOT NULL AS year_from_publication,
        e.sectors,
        e.evidence,
        e.notes,
        s.kind AS source_kind,
        s.title AS source_title,
        s.url AS source_url,
        e.measure IN ('stock', 'permits')
            AND (e.workers_low IS NOT NULL OR e.workers_high IS NOT NULL) AS is_worker_figure,
        -- one number per observation: a range's midpoint, otherwise the bound it gives
        CASE
            WHEN e.workers_low IS NOT NULL AND e.workers_high IS NOT NULL
                THEN (e.workers_low + e.workers_high) / 2.0
            ELSE coalesce(e.workers_low, e.workers_high)
        END AS point
    FROM (
        SELECT 'raw/country_estimates.csv' AS raw_file, * FROM staging.country_estimates
        -- BY NAME: the columns a restaurant report lacks (figures, sectors, notes) are NULL
        UNION ALL BY NAME
        SELECT 'raw/restaurants.csv' AS raw_file, 'restaurant' AS measure, * FROM staging.restaurants
    ) AS e
    JOIN staging.sources AS s USING (source_id)
),
figure_years AS (
    SELECT DISTINCT iso3, effective_year AS year
    FROM observations
    WHERE is_worker_figure AND effective_year IS NOT NULL
),
window_sources AS (
    -- a source's figure for year f counts in the windows ending in years f to f + window_years - 1;
    -- listing those (country, window end, source) triples once is linear in the figures, where
    -- joining every figure year to every figure of its country grows with their product
    SELECT DISTINCT o.iso3, o.effective_year + unnest(range(p.window_years)) AS year, o.source_id
    FROM observations AS o
    CROSS JOIN params AS p
    WHERE o.is_worker_figure AND o.effective_year IS NOT NULL
),
windows AS (
    -- for every year with a figure: how many distinct sources the window ending there holds
    SELECT w.iso3, w.year, count(*) AS n_sources
    FROM window_sources AS w
    SEMI JOIN figure_years AS y USING (iso3, year)
    GROUP BY ALL
),
latest AS (
    -- the window ends at the latest year whose window is corroborated by two or more sources;
    -- a country with no such window uses its latest figure
    SELECT
        iso3,
        coalesce(max(year) FILTER (WHERE n_sources >= 2), max(year)) AS latest_year
    FROM windows
    GROUP BY iso3
)
SELECT
    o.iso3,
    o.country_as_reported,
    o.source_id,
    o.source_title,
    o.source_kind,
    o.source_url,
    o.raw_file,
    o.source_line,
    o.measure,
    o.workers_low,
    o.workers_high,
    o.point,
    o.reference_year,
    o.effective_year,
    o.year_from_publication,
    o.sectors,
    o.evidence,
    o.notes,
    o.is_worker_figure
        AND o.effective_year IS NOT NULL
        AND o.effective_year > l.latest_year - p.window_years
        AND o.effective_year <= l.latest_year AS used,
    CASE
        WHEN o.measure = 'presence' THEN 'presence only: the source names the country but gives no figure'
        WHEN o.measure = 'project' THEN 'a North Korean firm''s project, facility or branch: the source names no workers'
        WHEN o.measure = 'residents' THEN 'counts all North Koreans in the country, not only workers'
        WHEN o.measure = 'site' THEN 'counts one employer or site only'
        WHEN o.measure = 'restaurant_staff' THEN 'counts restaurant staff only'
        WHEN o.measure = 'restaurant' THEN 'restaurant report: marks the country has_restaurants, gives no worker figure'
        WHEN o.measure = 'inflow' THEN 'counts new arrivals in a period, not the workers present'
        WHEN o.effective_year IS NULL THEN 'no reference year and no publication year'
        WHEN o.effective_year > l.latest_year
            THEN format('newer than the latest window corroborated by two sources ({}–{}); a single source, kept as evidence',
                        l.latest_year - p.window_years + 1, l.latest_year)
        WHEN o.effective_year <= l.latest_year - p.window_years
            THEN format('superseded: describes {}, outside the window {}–{} ending at the latest figure',
                        o.effective_year, l.latest_year - p.window_years + 1, l.latest_year)
    END AS exclusion_reason
FROM observations AS o
CROSS JOIN params AS p
LEFT JOIN latest AS l USING (iso3)
ORDER BY o.iso3, o.effective_year DESC NULLS LAST, o.source_id, o.source_line;
