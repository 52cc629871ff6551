-- Every observation behind every country, with the years in which it feeds the country's
-- estimate and, if it does not in the latest year, why. The window of every year is chosen here,
-- once: marts.country_years aggregates what this marks as used, and marts.country_estimates is
-- its latest year (docs/methodology.md).
--
-- An observation is a row of raw/country_estimates.csv, a restaurant report (raw/restaurants.csv),
-- a report of IT workers (raw/it_workers.csv) or a government's or the UN's report of how many workers remain or were sent home
-- (raw/policy_events.csv); marts.measures says what each measure does. Three rules shape the
-- windows: a figure speaks for its year and at most carry_years after it; a report that none
-- remain, or that as many were sent home as the figures then current held, ends every figure up to
-- its year; and corroboration counts origins (who first stated a figure), not the outlets
-- repeating it.
CREATE OR REPLACE TABLE marts.estimate_evidence AS
WITH params AS (
    SELECT
        max(value) FILTER (WHERE name = 'recency_window_years') AS window_years,
        max(value) FILTER (WHERE name = 'carry_years') AS carry_years
    FROM marts.method_parameters
),
-- NOT MATERIALIZED: the window counts read a few narrow columns of it, the final select all of
-- them; materialising the wide rows once more would double the memory of a large build
observations AS NOT MATERIALIZED (
    SELECT
        e.iso3,
        e.country AS country_as_reported,
        e.source_id,
        e.origin,
        -- a row that names no origin (presence, restaurants) is its source's own claim
        coalesce(e.origin, 'source:' || e.source_id) AS origin_key,
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
        -- a figure of workers: a stock or permit count above zero
        m.counts_for_figure AND coalesce(e.workers_high, e.workers_low) > 0 AS is_worker_figure,
        -- a count of zero is a report that none remain: it ends the figures before it, never joins them
        m.counts_for_figure AND coalesce(e.workers_high, e.workers_low) = 0 AS is_nil_report,
        m.role = 'departure' AS is_departure,
        m.exclusion_reason AS measure_reason,
        -- one number per observation: a range's midpoint, otherwise the bound it gives
        CASE
            WHEN e.workers_low IS NOT NULL AND e.workers_high IS NOT NULL
                THEN (e.workers_low + e.workers_high) / 2.0
            ELSE coalesce(e.workers_low, e.workers_high)
        END AS point
    FROM (
        SELECT 'raw/country_estimates.csv' AS raw_file, * FROM staging.country_estimates
        -- BY NAME: the columns a restaurant report lacks (figures, sectors, notes, origin) are NULL
        UNION ALL BY NAME
        SELECT 'raw/restaurants.csv' AS raw_file, 'restaurant' AS measure, * FROM staging.restaurants
        UNION ALL BY NAME
        -- IT workers: their own measure, whatever the row counts, so that they never join a figure
        SELECT 'raw/it_workers.csv' AS raw_file, 'it_workers' AS measure, 'it' AS sectors, * EXCLUDE (measure)
        FROM staging.it_workers
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
            p.origin,
            p.evidence,
            concat_ws('; ', p.event, p.reference, 'dated ' || p.date) AS notes
        FROM staging.policy_events AS p
        JOIN marts.measures AS m ON m.policy_figure_meaning = p.figure_meaning
        WHERE p.iso3 IS NOT NULL AND p.figure IS NOT NULL
    ) AS e
    JOIN staging.sources AS s USING (source_id)
    JOIN marts.measures AS m USING (measure)
),
duplicates AS (
    -- one observation counts once: the same source's figure for the same country and year, in a
    -- report of workers remaining (raw/policy_events.csv) and a country figure
    -- (raw/country_estimates.csv); the country figure stands
    SELECT p.iso3, p.source_id, p.source_line, min(c.source_line) AS kept_line
    FROM observations AS p
    JOIN observations AS c
        ON c.iso3 = p.iso3 AND c.source_id = p.source_id AND c.effective_year = p.effective_year
        AND c.workers_low IS NOT DISTINCT FROM p.workers_low AND c.workers_high IS NOT DISTINCT FROM p.workers_high
    WHERE p.raw_file = 'raw/policy_events.csv' AND c.raw_file = 'raw/country_estimates.csv'
        AND p.measure = c.measure
    GROUP BY ALL
),
live AS NOT MATERIALIZED (
    SELECT o.* FROM observations AS o
    ANTI JOIN duplicates AS d ON d.iso3 = o.iso3 AND d.source_id = o.source_id AND d.source_line = o.source_line
        AND o.raw_file = 'raw/policy_events.csv'
),
figures AS (
    SELECT iso3, effective_year AS year, origin_key, coalesce(workers_high, workers_low) AS top
    FROM live
    WHERE is_worker_figure AND effective_year IS NOT NULL
),
figure_origins AS (
    SELECT DISTINCT iso3, year, origin_key FROM figures
),
figure_tops AS (
    SELECT iso3, year, max(top) AS top FROM figures GROUP BY ALL
),
nil_years AS (
    SELECT DISTINCT iso3, effective_year AS year FROM live WHERE is_nil_report AND effective_year IS NOT NULL
),
departures AS (
    SELECT iso3, effective_year AS year, max(workers_high) AS sent_home
    FROM live
    WHERE is_departure AND effective_year IS NOT NULL
    GROUP BY ALL
),
departures_held AS (
    -- what the figures current at a departure held: those of its year and the carry_years before,
    -- after the last report that none remained
    SELECT d.iso3, d.year, d.sent_home, max(t.top) AS held
    FROM departures AS d
    CROSS JOIN params AS p
    ASOF LEFT JOIN nil_years AS n ON n.iso3 = d.iso3 AND n.year <= d.year
    LEFT JOIN figure_tops AS t
        ON t.iso3 = d.iso3 AND t.year BETWEEN d.year - p.carry_years AND d.year AND t.year > coalesce(n.year, -1)
    GROUP BY ALL
),
end_years AS (
    -- the years from which earlier figures no longer count: a report that none remain, or of as
    -- many sent home as the figures then current held
    SELECT iso3, year FROM nil_years
    UNION
    SELECT iso3, year FROM departures_held WHERE sent_home >= held
),
last_year AS (
    SELECT max(effective_year) AS year FROM observations
),
years AS (
    -- every year from a country's first figure or end to the latest year of any evidence
    SELECT c.iso3, unnest(range(c.first_year, l.year + 1)) AS year
    FROM (
        SELECT iso3, min(year) AS first_year
        FROM (SELECT iso3, year FROM figure_tops UNION ALL SELECT iso3, year FROM end_years)
        GROUP BY iso3
    ) AS c
    CROSS JOIN last_year AS l
),
as_of AS (
    -- as of each year: the latest end so far, and the earliest year a figure may describe (it
    -- speaks for its year and at most carry_years after it, and never across an end)
    SELECT
        y.iso3,
        y.year,
        e.year AS end_year,
        greatest(y.year - p.carry_years, coalesce(e.year + 1, y.year - p.carry_years)) AS first_allowed
    FROM years AS y
    CROSS JOIN params AS p
    ASOF LEFT JOIN end_years AS e ON e.iso3 = y.iso3 AND e.year <= y.year
),
candidates AS (
    -- the windows that exist as of each year: one ending at every allowed year with a figure
    SELECT a.iso3, a.year, a.first_allowed, f.year AS window_end
    FROM as_of AS a
    JOIN figure_tops AS f ON f.iso3 = a.iso3 AND f.year BETWEEN a.first_allowed AND a.year
),
candidate_origins AS (
    SELECT c.iso3, c.year, c.window_end, count(DISTINCT o.origin_key) AS n_origins
    FROM candidates AS c
    CROSS JOIN params AS p
    JOIN figure_origins AS o
        ON o.iso3 = c.iso3 AND o.year BETWEEN greatest(c.window_end - p.window_years + 1, c.first_allowed) AND c.window_end
    GROUP BY ALL
),
window_ends AS (
    -- the window ends at the latest allowed year whose window holds two or more origins; a
    -- country with none uses its latest allowed figure
    SELECT iso3, year, coalesce(max(window_end) FILTER (WHERE n_origins >= 2), max(window_end)) AS window_end
    FROM candidate_origins
    GROUP BY ALL
),
used_years AS (
    -- as of each year, the figure years its window uses
    SELECT w.iso3, w.year, f.year AS figure_year
    FROM window_ends AS w
    JOIN as_of AS a USING (iso3, year)
    CROSS JOIN params AS p
    JOIN figure_tops AS f
        ON f.iso3 = w.iso3 AND f.year BETWEEN greatest(w.window_end - p.window_years + 1, a.first_allowed) AND w.window_end
),
year_spans AS (
    SELECT iso3, figure_year AS effective_year, min(year) AS first_year_used, max(year) AS last_year_used
    FROM used_years
    GROUP BY ALL
),
latest AS (
    SELECT a.iso3, a.end_year, a.first_allowed, w.window_end
    FROM as_of AS a
    JOIN last_year AS l USING (year)
    LEFT JOIN window_ends AS w USING (iso3, year)
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
        WHEN d.kept_line IS NOT NULL
            THEN format('duplicate: the same source''s figure for this country and year as raw/country_estimates.csv line {}, which counts', d.kept_line)
        WHEN o.is_nil_report AND o.effective_year IS NOT NULL
            THEN format('a report that none remain: ends the figures up to {}, never a figure itself', o.effective_year)
        WHEN h.iso3 IS NOT NULL
            THEN format('workers sent home, as many as the figures then current held ({:,d}): ends the figures up to {}',
                        h.held, o.effective_year)
        WHEN o.measure_reason IS NOT NULL THEN o.measure_reason
        WHEN o.effective_year IS NULL THEN 'no reference year and no publication year'
        WHEN o.is_nil_report THEN 'a report that none remain, of no known year'
        WHEN o.effective_year <= l.end_year
            THEN format('ended: a report of {} says none remain or were sent home', l.end_year)
        WHEN o.effective_year < ly.year - p.carry_years
            THEN format('expired: describes {}, more than {} years before {}', o.effective_year, p.carry_years, ly.year)
        WHEN o.effective_year > l.window_end
            THEN format('newer than the latest window corroborated by two origins ({}–{}); a single origin, kept as evidence',
                        greatest(l.window_end - p.window_years + 1, l.first_allowed), l.window_end)
        WHEN o.effective_year < l.window_end - p.window_years + 1
            THEN format('superseded: describes {}, outside the window {}–{} ending at the latest figure',
                        o.effective_year, l.window_end - p.window_years + 1, l.window_end)
    END AS exclusion_reason,
    u.first_year_used::INTEGER AS first_year_used,
    u.last_year_used::INTEGER AS last_year_used,
    o.origin,
    d.kept_line IS NULL AND (o.is_nil_report OR h.iso3 IS NOT NULL) AS ends_estimate,
    CASE WHEN d.kept_line IS NOT NULL THEN format('raw/country_estimates.csv:{}', d.kept_line) END AS duplicate_of
FROM observations AS o
CROSS JOIN params AS p
CROSS JOIN last_year AS ly
LEFT JOIN duplicates AS d
    ON d.iso3 = o.iso3 AND d.source_id = o.source_id AND d.source_line = o.source_line AND o.raw_file = 'raw/policy_events.csv'
LEFT JOIN latest AS l ON l.iso3 = o.iso3
-- the departure that ends the figures: as many sent home as they held
LEFT JOIN departures_held AS h
    ON h.iso3 = o.iso3 AND h.year = o.effective_year AND o.is_departure
    AND o.workers_high = h.sent_home AND h.sent_home >= h.held
LEFT JOIN year_spans AS u
    ON u.iso3 = o.iso3 AND u.effective_year = o.effective_year AND o.is_worker_figure AND d.kept_line IS NULL
ORDER BY o.iso3, o.effective_year DESC NULLS LAST, o.source_id, o.raw_file, o.source_line;
