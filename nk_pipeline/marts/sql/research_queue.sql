-- Where the present is unknown, for curators: every country whose evidence has gone out of date
-- under the method (its latest row is last_reported), ranked by what it last held, with its last
-- figure and its last report of workers, restaurants or IT workers, their years and sources;
-- then the leads of raw/leads.csv not yet read, newest first.
CREATE OR REPLACE TABLE marts.research_queue AS
WITH evidence AS (
    SELECT e.iso3, e.source_id, e.effective_year, e.workers_low, e.workers_high, m.role
    FROM marts.estimate_evidence AS e
    JOIN marts.measures AS m USING (measure)
    WHERE e.duplicate_of IS NULL AND e.effective_year IS NOT NULL
        AND (m.role IN ('presence', 'restaurant', 'it_workers')
             OR (m.counts_for_figure AND coalesce(e.workers_high, e.workers_low) > 0))
),
last_years AS (
    SELECT iso3, role = 'figure' AS is_figure, max(effective_year) AS year
    FROM evidence
    GROUP BY ALL
),
last_reports AS (
    SELECT
        e.iso3,
        l.is_figure,
        l.year,
        min(coalesce(e.workers_low, e.workers_high)) AS low,
        max(coalesce(e.workers_high, e.workers_low)) AS high,
        string_agg(DISTINCT e.source_id, ';' ORDER BY e.source_id) AS source_ids
    FROM evidence AS e
    JOIN last_years AS l ON l.iso3 = e.iso3 AND l.is_figure = (e.role = 'figure') AND l.year = e.effective_year
    GROUP BY ALL
),
out_of_date AS (
    SELECT
        'out_of_date' AS kind,
        c.iso3,
        c.country,
        c.last_status,
        c.label AS last_label,
        -- what it last held: the central figure last shown, else the largest figure of its latest figure year
        coalesce(c.last_workers_central, f.high) AS last_held,
        f.year AS last_figure_year,
        f.low AS last_figure_low,
        f.high AS last_figure_high,
        f.source_ids AS last_figure_source_ids,
        r.year AS last_report_year,
        r.source_ids AS last_report_source_ids,
        NULL::VARCHAR AS lead_found,
        NULL::VARCHAR AS lead_url,
        NULL::VARCHAR AS lead_what,
        NULL::VARCHAR AS lead_note
    FROM marts.country_estimates AS c
    LEFT JOIN last_reports AS f ON f.iso3 = c.iso3 AND f.is_figure
    LEFT JOIN last_reports AS r ON r.iso3 = c.iso3 AND NOT r.is_figure
    WHERE c.status = 'last_reported'
),
leads AS (
    SELECT
        'lead' AS kind,
        l.iso3,
        coalesce(n.country, l.country) AS country,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        l.found,
        l.url,
        l.what,
        l.note
    FROM staging.leads AS l
    LEFT JOIN staging.countries AS n USING (iso3)
)
SELECT
    (row_number() OVER (
        ORDER BY kind = 'lead', last_held DESC NULLS LAST, last_figure_year DESC NULLS LAST,
            last_report_year DESC NULLS LAST, lead_found DESC, country, lead_url
    ))::INTEGER AS rank,
    *
FROM (SELECT * FROM out_of_date UNION ALL SELECT * FROM leads)
ORDER BY rank;
