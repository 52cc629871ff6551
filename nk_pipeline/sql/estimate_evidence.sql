-- Every observation behind every country, with the years in which it feeds the country's
-- estimate and, if it does not in the latest year, why. The recency window of every year is
-- chosen here, once: marts.country_years aggregates what this marks as used, and
-- marts.country_estimates is its latest year (docs/methodology.md).
--
-- An observation is a row of raw/country_estimates.csv, a restaurant report (raw/restaurants.csv)
-- or a government's or the UN's report of how many workers remain or were sent home
-- (raw/policy_events.csv); marts.measures says what each measure does.
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
        -- a year the source does not state: the publication year, an upper bound (the figure
        -- describes that year or an earlier one, and nobody could know it before)
        coalesce(e.reference_year, s.published_year) AS effective_year,
        e.reference_year IS NULL AND s.published_year IS NOT NULL AS year_from_publication,
        e.sectors,
        e.evidence,
        e.notes,
        s.kind AS source_kind,
        s.title AS source_title,
        s.url AS source_url,
        m.counts_for_figure
            AND (e.workers_low IS NOT NULL OR e.workers_high IS NOT NULL) AS is_worker_figure,
        m.exclusion_reason AS measure_reason,
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
        UNION ALL BY NAME
        -- a count of the workers who remain is a stock figure for the year of the report; a
        -- count of those sent home becomes a 'repatriated' row, never a figure
        SELECT
            'raw/policy_events.csv' AS raw_file,
            p.source_line,
            p.country,
            p.iso3,
            m.measure,
            p.figure AS workers_low,
            p.figure AS workers_high,
            p.year AS reference_year,
            p.source_id,
            p.evidence,
            concat_ws('; ', p.event, p.reference, 'dated ' || p.date) AS notes
        FROM staging.policy_events AS p
        JOIN marts.measures AS m ON m.policy_figure_meaning = p.figure_meaning
        WHERE p.iso3 IS NOT NULL AND p.figure IS NOT NULL
    ) AS e
    JOIN staging.sources AS s USING (source_id)
    JOIN marts.measures AS m USING (measure)
),
last_year AS (
    SELECT max(effective_year) AS year FROM observations
),
figures AS NOT MATERIALIZED (
    SELECT iso3, effective_year, source_id
    FROM observations
    WHERE is_worker_figure AND effective_year IS NOT NULL
),
window_sources AS (
    -- a source's figure for year f counts in the windows ending in years f to f + window_years - 1;
    -- listing those (country, window end, source) triples once is linear in the figures, where
    -- joining every figure year to every figure of its country grows with their product
    SELECT DISTINCT f.iso3, f.effective_year + unnest(range(p.window_years)) AS year, f.source_id
    FROM figures AS f
    CROSS JOIN params AS p
),
windows AS (
    -- for every year with a figure: how many distinct sources the window ending there holds
    SELECT w.iso3, w.year, count(*) AS n_sources
    FROM window_sources AS w
    SEMI JOIN (SELECT DISTINCT iso3, effective_year AS year FROM figures) AS y USING (iso3, year)
    GROUP BY ALL
),
years AS (
    -- every year from a country's first figure to the latest year of any evidence
    SELECT c.iso3, unnest(range(c.first_year, l.year + 1)) AS year
    FROM (SELECT iso3, min(year) AS first_year FROM windows GROUP BY iso3) AS c
    CROSS JOIN last_year AS l
),
window_ends AS (
    -- as of each year, only the windows ending by then exist (no look-ahead). The window ends at
    -- the latest of them corroborated by two or more sources; a country with none uses its latest
    SELECT
        y.iso3,
        y.year,
        coalesce(
            max(CASE WHEN w.n_sources >= 2 THEN w.year END) OVER so_far,
            max(w.year) OVER so_far
        ) AS window_end
    FROM years AS y
    LEFT JOIN windows AS w USING (iso3, year)
    WINDOW so_far AS (PARTITION BY y.iso3 ORDER BY y.year ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
segments AS (
    -- the years in which each window is the one used; a window end never moves back, so the
    -- years using a figure are one unbroken span
    SELECT iso3, window_end, min(year) AS first_year, max(year) AS last_year
    FROM window_ends
    GROUP BY ALL
),
year_spans AS (
    -- a figure of year f is in the windows ending in f to f + window_years - 1, so every figure of
    -- a country and year is used in the same years: found once per country and figure year, not
    -- once per figure
    SELECT y.iso3, y.year AS effective_year, min(s.first_year) AS first_year_used, max(s.last_year) AS last_year_used
    FROM (SELECT DISTINCT iso3, effective_year AS year FROM figures) AS y
    CROSS JOIN params AS p
    JOIN segments AS s
        ON s.iso3 = y.iso3 AND s.window_end >= y.year AND s.window_end < y.year + p.window_years
    GROUP BY ALL
),
latest AS (
    SELECT e.iso3, e.window_end AS latest_year
    FROM window_ends AS e
    JOIN last_year AS l USING (year)
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
    coalesce(u.last_year_used = ly.year, false) AS used,
    CASE
        WHEN o.measure_reason IS NOT NULL THEN o.measure_reason
        WHEN o.effective_year IS NULL THEN 'no reference year and no publication year'
        WHEN o.effective_year > l.latest_year
            THEN format('newer than the latest window corroborated by two sources ({}–{}); a single source, kept as evidence',
                        l.latest_year - p.window_years + 1, l.latest_year)
        WHEN o.effective_year <= l.latest_year - p.window_years
            THEN format('superseded: describes {}, outside the window {}–{} ending at the latest figure',
                        o.effective_year, l.latest_year - p.window_years + 1, l.latest_year)
    END AS exclusion_reason,
    u.first_year_used::INTEGER AS first_year_used,
    u.last_year_used::INTEGER AS last_year_used
FROM observations AS o
CROSS JOIN params AS p
CROSS JOIN last_year AS ly
LEFT JOIN latest AS l USING (iso3)
LEFT JOIN year_spans AS u ON u.iso3 = o.iso3 AND u.effective_year = o.effective_year AND o.is_worker_figure
ORDER BY o.iso3, o.effective_year DESC NULLS LAST, o.source_id, o.source_line;
