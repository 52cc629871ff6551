-- One row per country and year, from the country's first dated evidence to the latest year of
-- any evidence: the estimate the evidence known by then supports. Which figures a year uses is
-- decided in marts.estimate_evidence (first_year_used..last_year_used); this applies the rules
-- for range, conflict, confidence, staleness and wording. marts.country_estimates is the latest
-- year of this table. Method: docs/methodology.md.
CREATE OR REPLACE TABLE marts.country_years AS
WITH params AS (
    SELECT
        max(value) FILTER (WHERE name = 'stale_before_year') AS stale_before_year,
        max(value) FILTER (WHERE name = 'conflict_ratio') AS conflict_ratio,
        max(value) FILTER (WHERE name = 'high_confidence_sources') AS high_confidence_sources
    FROM marts.method_parameters
),
last_year AS (
    SELECT max(effective_year) AS latest FROM marts.estimate_evidence
),
evidence AS NOT MATERIALIZED (
    -- an observation with neither a stated nor a publication year belongs to no year: it is
    -- known as of the latest one only
    SELECT e.*, m.role, coalesce(e.effective_year, l.latest) AS known_from
    FROM marts.estimate_evidence AS e
    JOIN marts.measures AS m USING (measure)
    CROSS JOIN last_year AS l
),
spans AS (
    -- a report of workers sent home does not make a country a host
    SELECT iso3, min(known_from) AS first_year
    FROM evidence
    WHERE role <> 'departure'
    GROUP BY iso3
),
years AS (
    SELECT s.iso3, unnest(range(s.first_year, l.latest + 1)) AS year
    FROM spans AS s
    CROSS JOIN last_year AS l
),
used AS (
    SELECT e.*, unnest(range(e.first_year_used, e.last_year_used + 1)) AS year
    FROM evidence AS e
    WHERE e.first_year_used IS NOT NULL
),
estimates AS (
    SELECT
        iso3,
        year,
        -- a range's ends: bounds where sources give them, single figures otherwise
        CASE WHEN count(workers_low) > 0 THEN min(coalesce(workers_low, workers_high)) END AS workers_low,
        CASE WHEN count(workers_high) > 0 THEN max(coalesce(workers_high, workers_low)) END AS workers_high,
        median(point) AS central,
        max(reference_year) AS stated_year,
        max(effective_year) AS effective_year,
        count(DISTINCT source_id) AS n_sources,
        string_agg(DISTINCT source_id, ';' ORDER BY source_id) AS source_ids,
        max(point) / nullif(min(point), 0) AS spread,
        max(point) AS max_point,
        min(point) AS min_point,
        max(coalesce(workers_high, workers_low)) = 0 AS all_zero,
        bool_or(source_kind IN ('un', 'government')) AS has_official_source
    FROM used
    GROUP BY iso3, year
),
without_figure AS (
    -- presence and restaurants are only needed where no figure is in the window
    SELECT y.iso3, y.year
    FROM years AS y
    ANTI JOIN estimates AS e USING (iso3, year)
),
reports AS (
    SELECT
        w.iso3,
        w.year,
        e.role = 'restaurant' AS is_restaurant,
        max(e.reference_year) AS stated_year,
        max(e.effective_year) AS effective_year,
        count(DISTINCT e.source_id) AS n_sources,
        string_agg(DISTINCT e.source_id, ';' ORDER BY e.source_id) AS source_ids
    FROM without_figure AS w
    JOIN evidence AS e ON e.iso3 = w.iso3 AND e.known_from <= w.year AND e.role <> 'departure'
    GROUP BY ALL
),
restaurants AS (
    SELECT iso3, min(known_from) AS first_year
    FROM evidence
    WHERE role = 'restaurant'
    GROUP BY iso3
),
departures AS (
    -- reports of workers sent home in the year: shown, never summed into a stock. Reports are
    -- not added up either, since they often repeat one another
    SELECT
        iso3,
        effective_year AS year,
        max(workers_high) AS repatriated_reported,
        string_agg(format('{:,d} sent home ({})', workers_high, source_id), '; ' ORDER BY workers_high DESC, source_id)
            AS repatriation_reports,
        string_agg(DISTINCT source_id, ';' ORDER BY source_id) AS repatriation_source_ids
    FROM evidence
    WHERE role = 'departure' AND effective_year IS NOT NULL
    GROUP BY ALL
),
combined AS (
    SELECT
        y.iso3,
        y.year,
        CASE
            WHEN e.iso3 IS NOT NULL AND e.all_zero THEN 'none_reported_remaining'
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
        -- the latest year a source states; only when none states one, the latest publication year
        coalesce(e.stated_year, p.stated_year, r.stated_year) AS stated_year,
        coalesce(e.effective_year, p.effective_year, r.effective_year) AS effective_year,
        coalesce(e.n_sources, p.n_sources, r.n_sources)::INTEGER AS n_sources,
        coalesce(e.source_ids, p.source_ids, r.source_ids) AS source_ids,
        coalesce(rs.first_year <= y.year, false) AS has_restaurants,
        e.spread,
        coalesce(e.max_point > params.conflict_ratio * e.min_point, false) AS conflict,
        e.has_official_source,
        e.iso3 IS NOT NULL AS has_figure,
        params.*
    FROM years AS y
    CROSS JOIN params
    LEFT JOIN estimates AS e USING (iso3, year)
    LEFT JOIN reports AS p ON p.iso3 = y.iso3 AND p.year = y.year AND NOT p.is_restaurant
    LEFT JOIN reports AS r ON r.iso3 = y.iso3 AND r.year = y.year AND r.is_restaurant
    LEFT JOIN restaurants AS rs ON rs.iso3 = y.iso3
),
worded AS (
    SELECT
        x.*,
        coalesce(x.stated_year, x.effective_year)::INTEGER AS reference_year,
        x.stated_year IS NULL AND x.effective_year IS NOT NULL AS reference_year_from_publication,
        -- a year no source states is shown as the year it was reported, never as the year described
        CASE
            WHEN x.stated_year IS NOT NULL THEN x.stated_year::VARCHAR
            WHEN x.effective_year IS NOT NULL THEN format('reported {}', x.effective_year)
        END AS year_text
    FROM combined AS x
)
SELECT
    x.iso3,
    n.name AS country,
    x.year::INTEGER AS year,
    x.status,
    x.workers_low,
    x.workers_high,
    x.workers_central,
    x.reference_year,
    x.n_sources,
    x.source_ids,
    x.has_restaurants,
    CASE
        WHEN NOT x.has_figure THEN NULL
        WHEN x.n_sources >= x.high_confidence_sources AND NOT x.conflict THEN 'high'
        WHEN x.n_sources >= 2 OR x.has_official_source THEN 'medium'
        ELSE 'low'
    END AS confidence,
    x.conflict,
    round(x.spread, 2) AS spread_ratio,
    -- a year taken from the publication date cannot make a country current
    coalesce(x.stated_year < x.stale_before_year, true) AS stale,
    CASE
        WHEN NOT st.has_figure THEN st.label
        WHEN x.status = 'none_reported_remaining' THEN format('{} ({})', st.label, x.year_text)
        WHEN x.workers_low IS NOT NULL AND x.workers_high IS NOT NULL AND x.workers_low < x.workers_high
            THEN format('{:,d}–{:,d} ({})', x.workers_low, x.workers_high, x.year_text)
        WHEN x.workers_low IS NOT NULL AND x.workers_high IS NOT NULL
            THEN format('about {:,d} ({})', x.workers_low, x.year_text)
        WHEN x.workers_low IS NOT NULL THEN format('at least {:,d} ({})', x.workers_low, x.year_text)
        ELSE format('up to {:,d} ({})', x.workers_high, x.year_text)
    END AS label,
    x.reference_year_from_publication,
    d.repatriated_reported::BIGINT AS repatriated_reported,
    d.repatriation_reports,
    d.repatriation_source_ids,
    x.year = l.latest AS is_latest
FROM worded AS x
CROSS JOIN last_year AS l
JOIN staging.countries AS n USING (iso3)
JOIN marts.statuses AS st USING (status)
LEFT JOIN departures AS d USING (iso3, year)
ORDER BY x.iso3, x.year;
