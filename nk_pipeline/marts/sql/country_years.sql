-- One row per country and year, from the country's first dated evidence to the latest year of
-- any evidence: what the evidence known by then says of that year. Which figures a year uses is
-- decided in marts.estimate_evidence (first_year_used..last_year_used); this applies the rules
-- for range, departures, conflict, confidence, expiry and wording. marts.country_estimates is the
-- latest year of this table. Method: docs/methodology.md.
CREATE OR REPLACE TABLE marts.country_years AS
WITH params AS (
    SELECT
        max(value) FILTER (WHERE name = 'stale_before_year') AS stale_before_year,
        max(value) FILTER (WHERE name = 'conflict_ratio') AS conflict_ratio,
        max(value) FILTER (WHERE name = 'high_confidence_sources') AS high_confidence_sources,
        max(value) FILTER (WHERE name = 'carry_years') AS carry_years,
        max(value) FILTER (WHERE name = 'max_spread') AS max_spread
    FROM marts.method_parameters
),
last_year AS (
    SELECT max(effective_year) AS latest FROM marts.estimate_evidence
),
evidence AS NOT MATERIALIZED (
    -- an observation with neither a stated nor a publication year belongs to no year: it is
    -- known as of the latest one only
    SELECT
        e.*,
        m.role,
        coalesce(e.effective_year, l.latest) AS known_from,
        coalesce(e.origin, 'source:' || e.source_id) AS origin_key,
        s.publisher,
        s.official
    FROM marts.estimate_evidence AS e
    JOIN marts.measures AS m USING (measure)
    JOIN staging.sources AS s USING (source_id)
    CROSS JOIN last_year AS l
    WHERE e.duplicate_of IS NULL
),
ends AS (
    SELECT iso3, known_from AS year FROM evidence WHERE ends_estimate GROUP BY ALL
),
spans AS (
    -- a report of workers sent home alone does not put a country in the series
    SELECT iso3, min(known_from) AS first_year
    FROM evidence
    WHERE role <> 'departure' OR ends_estimate
    GROUP BY iso3
),
years AS (
    SELECT y.iso3, y.year, e.year AS end_year, y.year - p.carry_years AS first_current
    FROM (
        SELECT s.iso3, unnest(range(s.first_year, l.latest + 1)) AS year
        FROM spans AS s
        CROSS JOIN last_year AS l
    ) AS y
    CROSS JOIN params AS p
    ASOF LEFT JOIN ends AS e ON e.iso3 = y.iso3 AND e.year <= y.year
),
basis AS (
    -- what a year's row rests on: the figures its window uses; otherwise reports of workers (or
    -- restaurants) from the last carry_years, after the last end; otherwise that end; otherwise
    -- reports that state no year and have no date at all, which cannot make a row current
    SELECT y.year, 'figure' AS basis, e.*
    FROM evidence AS e
    JOIN years AS y ON y.iso3 = e.iso3 AND y.year BETWEEN e.first_year_used AND e.last_year_used
    UNION ALL BY NAME
    SELECT y.year, CASE WHEN e.role IN ('restaurant', 'it_workers') THEN e.role ELSE 'presence' END AS basis, e.*
    FROM evidence AS e
    JOIN years AS y
        ON y.iso3 = e.iso3 AND e.known_from <= y.year
        AND e.known_from >= greatest(y.first_current, coalesce(y.end_year + 1, y.first_current))
    WHERE e.role IN ('presence', 'restaurant', 'it_workers') AND e.effective_year IS NOT NULL
    UNION ALL BY NAME
    SELECT y.year, 'undated' AS basis, e.*
    FROM evidence AS e
    JOIN years AS y ON y.iso3 = e.iso3 AND e.known_from <= y.year
    WHERE e.role IN ('presence', 'restaurant', 'it_workers') AND e.effective_year IS NULL
    UNION ALL BY NAME
    SELECT y.year, 'end' AS basis, e.*
    FROM evidence AS e
    JOIN years AS y ON y.iso3 = e.iso3 AND e.known_from = y.end_year
    WHERE e.ends_estimate
),
origin_chains AS (
    -- who first said it, and who repeated it: "ROK National Intelligence Service, reported by Yonhap and Korea Herald"
    SELECT
        iso3,
        year,
        basis,
        origin_key,
        CASE
            WHEN origin_key LIKE 'source:%'
                THEN joined_in_order(list(publisher) FILTER (WHERE publisher IS NOT NULL), ' and ')
            WHEN bool_and(publisher = origin) THEN any_value(origin)
            ELSE format('{}, reported by {}', any_value(origin),
                        joined_in_order(list(publisher) FILTER (WHERE publisher <> origin), ' and '))
        END AS chain
    -- each publisher once (as DISTINCT inside the aggregates would, at a fraction of the memory)
    FROM (SELECT DISTINCT iso3, year, basis, origin_key, origin, publisher FROM basis)
    GROUP BY iso3, year, basis, origin_key
),
summaries AS (
    SELECT
        b.iso3,
        b.year,
        b.basis,
        count(DISTINCT b.source_id) AS n_sources,
        count(DISTINCT b.origin_key) AS n_origins,
        joined_in_order(list_distinct(list(b.source_id)), ';') AS source_ids,
        max(b.reference_year) AS stated_year,
        max(b.effective_year) AS effective_year,
        bool_and(b.measure = 'project') AS projects_only,
        bool_and(b.role = 'restaurant') AS restaurants_only,
        bool_and(b.role = 'it_workers') AS it_workers_only
    FROM basis AS b
    GROUP BY ALL
),
chains AS (
    SELECT iso3, year, basis, joined_in_order(list(chain) FILTER (WHERE chain IS NOT NULL), '; ') AS origin_chain
    FROM origin_chains
    GROUP BY ALL
),
estimates AS (
    SELECT
        iso3,
        year,
        -- a range's ends: bounds where sources give them, single figures otherwise
        CASE WHEN count(workers_low) > 0 THEN min(coalesce(workers_low, workers_high)) END AS workers_low,
        CASE WHEN count(workers_high) > 0 THEN max(coalesce(workers_high, workers_low)) END AS workers_high,
        median(point) AS central,
        max(point) / nullif(min(point), 0) AS spread,
        max(point) AS max_point,
        min(point) AS min_point,
        max(effective_year) AS last_figure_year,
        -- official: the source's kind is one of contract.OFFICIAL_SOURCE_KINDS (staging.sources)
        bool_or(official) AS has_official_source
    FROM basis
    WHERE basis = 'figure'
    GROUP BY ALL
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
lowered AS (
    -- a partial departure reported after the figures' year lowers both ends of the range by the
    -- largest such report (not their sum: they often repeat one another)
    SELECT e.iso3, e.year, max(d.workers_high) AS sent_home_since
    FROM estimates AS e
    JOIN evidence AS d
        ON d.iso3 = e.iso3 AND d.role = 'departure' AND NOT d.ends_estimate
        AND d.effective_year > e.last_figure_year AND d.effective_year <= e.year
    GROUP BY ALL
),
it_reports AS (
    -- IT workers reported in the year or the carry_years before it, after the last end: shown
    -- beside whatever else the row says, never added to it
    SELECT
        iso3,
        year,
        max(known_from) AS last_year,
        min(coalesce(workers_low, workers_high)) AS low,
        max(coalesce(workers_high, workers_low)) AS high,
        count(workers_low) > 0 AS has_low,
        count(workers_high) > 0 AS has_high,
        string_agg(DISTINCT source_id, ';' ORDER BY source_id) AS source_ids
    FROM basis
    WHERE basis = 'it_workers'
    GROUP BY ALL
),
named AS (
    -- the first year a source names the country as a host (a figure, presence, restaurants or a
    -- departure): a report that none remain from a country nobody named is not a host's
    SELECT iso3, min(known_from) AS first_named
    FROM evidence
    WHERE NOT ends_estimate AND (role <> 'figure' OR coalesce(workers_high, workers_low) > 0)
    GROUP BY iso3
),
combined AS (
    SELECT
        y.iso3,
        y.year,
        y.end_year,
        CASE
            WHEN e.iso3 IS NOT NULL AND coalesce(e.workers_high - l.sent_home_since, 1) <= 0 THEN 'none_reported_remaining'
            WHEN e.iso3 IS NOT NULL THEN 'estimate'
            WHEN p.iso3 IS NOT NULL THEN 'present'
            WHEN r.iso3 IS NOT NULL THEN 'restaurants_only'
            WHEN itw.iso3 IS NOT NULL THEN 'it_workers_only'
            WHEN y.end_year IS NOT NULL AND coalesce(nm.first_named > y.year, true) THEN 'none_reported'
            WHEN y.end_year >= y.first_current THEN 'none_reported_remaining'
            ELSE 'last_reported'
        END AS status,
        CASE WHEN e.iso3 IS NOT NULL THEN 'figure' WHEN p.iso3 IS NOT NULL THEN 'presence'
             WHEN r.iso3 IS NOT NULL THEN 'restaurant' WHEN itw.iso3 IS NOT NULL THEN 'it_workers'
             WHEN n.iso3 IS NOT NULL THEN 'end'
             WHEN u.iso3 IS NOT NULL THEN 'undated' END AS basis,
        e.workers_low,
        e.workers_high,
        e.central,
        l.sent_home_since,
        e.spread,
        e.max_point,
        e.min_point,
        e.has_official_source,
        coalesce(rs.first_year <= y.year, false) AS has_restaurants,
        itw.iso3 IS NOT NULL AS has_it_workers,
        CASE WHEN itw.iso3 IS NOT NULL THEN concat(
            format('North Korean IT workers reported ({})', itw.last_year),
            -- a single figure reads "about", as in a country's label
            CASE WHEN itw.has_low OR itw.has_high THEN concat(': ', CASE WHEN itw.low = itw.high THEN 'about ' END, figure_range(
                CASE WHEN itw.has_low THEN itw.low END, CASE WHEN itw.has_high THEN itw.high END
            )) END
        ) END AS it_workers_note,
        itw.source_ids AS it_source_ids
    FROM years AS y
    LEFT JOIN estimates AS e USING (iso3, year)
    LEFT JOIN lowered AS l USING (iso3, year)
    LEFT JOIN (SELECT DISTINCT iso3, year FROM basis WHERE basis = 'presence') AS p USING (iso3, year)
    LEFT JOIN (SELECT DISTINCT iso3, year FROM basis WHERE basis = 'restaurant') AS r USING (iso3, year)
    LEFT JOIN it_reports AS itw USING (iso3, year)
    LEFT JOIN (SELECT DISTINCT iso3, year FROM basis WHERE basis = 'end') AS n USING (iso3, year)
    LEFT JOIN (SELECT DISTINCT iso3, year FROM basis WHERE basis = 'undated') AS u USING (iso3, year)
    LEFT JOIN named AS nm USING (iso3)
    LEFT JOIN (SELECT iso3, min(known_from) AS first_year FROM evidence WHERE role = 'restaurant' GROUP BY iso3) AS rs
        USING (iso3)
),
figured AS (
    SELECT
        x.*,
        s.n_sources,
        s.n_origins,
        s.source_ids,
        c.origin_chain,
        s.stated_year,
        s.effective_year,
        s.projects_only,
        s.restaurants_only,
        s.it_workers_only,
        -- a partial departure lowers both ends (a range's missing end stays missing); a full one
        -- leaves zeros
        CASE WHEN x.status = 'none_reported_remaining' THEN 0
             -- greatest() skips NULL: an "up to" figure must not gain a low of 0
             WHEN x.workers_low IS NOT NULL THEN greatest(x.workers_low - coalesce(x.sent_home_since, 0), 0) END AS low,
        CASE WHEN x.status = 'none_reported_remaining' THEN 0
             ELSE x.workers_high - coalesce(x.sent_home_since, 0) END AS high,
        CASE WHEN x.status = 'none_reported_remaining' THEN 0
             WHEN x.central IS NOT NULL THEN greatest(round(x.central)::BIGINT - coalesce(x.sent_home_since, 0), 0) END AS mid
    FROM combined AS x
    LEFT JOIN summaries AS s USING (iso3, year, basis)
    LEFT JOIN chains AS c USING (iso3, year, basis)
),
worded AS (
    SELECT
        x.*,
        st.has_figure,
        st.label AS status_label,
        st.is_current,
        coalesce(x.stated_year, x.effective_year)::INTEGER AS reference_year,
        x.stated_year IS NULL AND x.effective_year IS NOT NULL AS reference_year_from_publication,
        -- a year no source states is shown as the year it was reported, never as the year described
        CASE
            WHEN x.stated_year IS NOT NULL THEN x.stated_year::VARCHAR
            WHEN x.effective_year IS NOT NULL THEN format('reported {}', x.effective_year)
        END AS year_text,
        -- the median figure, lowered as the range is, kept inside it
        least(greatest(x.mid, coalesce(x.low, 0)), coalesce(x.high, x.mid))::BIGINT AS central_kept
    FROM figured AS x
    JOIN marts.statuses AS st USING (status)
),
labelled AS (
    SELECT
        x.*,
        CASE
            -- a firm's projects are not a report of workers: the label says what the sources do report
            WHEN x.status = 'present' AND x.projects_only
                THEN concat('North Korean firms'' projects reported, no workers named', ' (' || x.year_text || ')')
            WHEN x.status IN ('present', 'restaurants_only', 'it_workers_only') THEN concat(x.status_label, ' (' || x.year_text || ')')
            WHEN x.status IN ('none_reported_remaining', 'none_reported') THEN format('{} ({})', x.status_label, x.year_text)
            -- undated reports alone: what they say, as last reported, with no year
            WHEN x.basis = 'undated' AND x.restaurants_only THEN 'North Korean restaurants, year not stated'
            WHEN x.basis = 'undated' AND x.it_workers_only THEN 'North Korean IT workers, year not stated'
            WHEN x.basis = 'undated' THEN 'workers present, no figure, year not stated'
            WHEN x.status <> 'estimate' THEN NULL
            -- a single figure reads "about": one reconciled estimate, never a count
            ELSE concat(CASE WHEN x.low = x.high THEN 'about ' END, figure_range(x.low, x.high), ' (', x.year_text, ')')
        END AS current_label
    FROM worded AS x
),
stated AS (
    -- what a row says, once: its own words, or (with nothing current) what was last reported
    SELECT
        x.*,
        struct_pack(
            -- in words that follow "Last reported: " when carried
            label := CASE
                WHEN x.status = 'estimate' AND x.sent_home_since IS NOT NULL
                    THEN format('{}, less {:,d} since sent home', x.current_label, x.sent_home_since)
                WHEN x.status = 'estimate' OR x.basis = 'undated' THEN x.current_label
                WHEN x.status = 'none_reported_remaining' THEN format('none remaining ({})', x.year_text)
                WHEN x.status = 'present' AND x.projects_only THEN format('North Korean firms'' projects ({})', x.year_text)
                WHEN x.status = 'present' THEN format('workers present, no figure ({})', x.year_text)
                WHEN x.status = 'it_workers_only' THEN format('North Korean IT workers ({})', x.year_text)
                ELSE format('North Korean restaurants ({})', x.year_text)
            END,
            status := CASE
                WHEN x.basis <> 'undated' THEN x.status
                WHEN x.restaurants_only THEN 'restaurants_only'
                WHEN x.it_workers_only THEN 'it_workers_only'
                ELSE 'present'
            END,
            low := CASE WHEN x.status = 'estimate' THEN x.low END,
            high := CASE WHEN x.status = 'estimate' THEN x.high END,
            central := CASE WHEN x.status = 'estimate' THEN x.central_kept END,
            stated_year := x.stated_year,
            reference_year := x.reference_year,
            from_publication := x.reference_year_from_publication,
            n_sources := x.n_sources,
            n_origins := x.n_origins,
            source_ids := x.source_ids,
            origin_chain := x.origin_chain
        ) AS own
    FROM labelled AS x
),
carried AS (
    -- a year with nothing current says what was last reported, and when; never as that year's
    -- figure. Reports with no year at all are last reported from the start.
    SELECT
        x.*,
        CASE WHEN x.status = 'last_reported' THEN coalesce(
            last_value(CASE WHEN x.is_current THEN x.own END IGNORE NULLS)
                OVER (PARTITION BY x.iso3 ORDER BY x.year ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
            x.own
        ) ELSE x.own END AS shown
    FROM stated AS x
)
SELECT
    x.iso3,
    n.country,
    x.year::INTEGER AS year,
    x.status,
    CASE WHEN x.has_figure THEN x.low END::BIGINT AS workers_low,
    CASE WHEN x.has_figure THEN x.high END::BIGINT AS workers_high,
    CASE WHEN x.has_figure THEN x.central_kept END::BIGINT AS workers_central,
    x.shown.reference_year::INTEGER AS reference_year,
    x.shown.n_sources::INTEGER AS n_sources,
    x.shown.source_ids AS source_ids,
    x.has_restaurants,
    CASE
        WHEN x.status <> 'estimate' THEN NULL
        -- sources this far apart do not agree on anything, however many they are
        WHEN x.workers_high > p.max_spread * x.workers_low THEN 'low'
        WHEN x.n_origins >= p.high_confidence_sources AND NOT coalesce(x.max_point > p.conflict_ratio * x.min_point, false)
            THEN 'high'
        WHEN x.n_origins >= 2 OR x.has_official_source THEN 'medium'
        ELSE 'low'
    END AS confidence,
    coalesce(x.status = 'estimate' AND x.max_point > p.conflict_ratio * x.min_point, false) AS conflict,
    CASE WHEN x.status = 'estimate' THEN round(x.spread, 2) END AS spread_ratio,
    -- a year taken from the publication date cannot make a country current
    coalesce(x.shown.stated_year < p.stale_before_year, true) AS stale,
    CASE
        WHEN x.status = 'last_reported' THEN format('Last reported: {}', x.shown.label)
        WHEN x.status = 'estimate' THEN x.own.label
        ELSE x.current_label
    END AS label,
    x.shown.from_publication AS reference_year_from_publication,
    d.repatriated_reported::BIGINT AS repatriated_reported,
    d.repatriation_reports,
    d.repatriation_source_ids,
    x.year = l.latest AS is_latest,
    x.shown.n_origins::INTEGER AS n_origins,
    x.shown.origin_chain AS origin_chain,
    x.sent_home_since::BIGINT AS sent_home_since,
    CASE WHEN x.status = 'last_reported' THEN x.shown.status END AS last_status,
    CASE WHEN x.status = 'last_reported' THEN x.shown.low END::BIGINT AS last_workers_low,
    CASE WHEN x.status = 'last_reported' THEN x.shown.high END::BIGINT AS last_workers_high,
    CASE WHEN x.status = 'last_reported' THEN x.shown.central END::BIGINT AS last_workers_central,
    x.has_it_workers,
    x.it_workers_note,
    x.it_source_ids
FROM carried AS x
CROSS JOIN params AS p
CROSS JOIN last_year AS l
JOIN staging.countries AS n USING (iso3)
LEFT JOIN departures AS d USING (iso3, year)
ORDER BY x.iso3, x.year;
