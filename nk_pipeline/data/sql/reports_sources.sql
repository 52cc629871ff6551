-- One row per source for reports.xlsx: what it is, where to read it, and every figure it
-- contributes to the marts, written out ("Russia: 30,000–50,000 workers (2017)").
WITH range_text AS (
    SELECT source_id, subject, low, high, year, unit, sort_key
    FROM (
        SELECT e.source_id, coalesce(c.country, e.country_as_reported) AS subject, e.workers_low AS low,
               e.workers_high AS high, e.effective_year AS year,
               CASE WHEN e.measure = 'restaurant' THEN 'North Korean restaurants reported'
                    WHEN e.measure = 'presence' THEN 'workers reported present'
                    ELSE 'workers (' || e.measure || ')' END AS unit,
               1 AS sort_key
        FROM marts.estimate_evidence AS e
        LEFT JOIN marts.country_estimates AS c USING (iso3)
        UNION ALL
        SELECT source_id, scope, headline_low, headline_high, year, NULL, 2
        FROM marts.global_totals
        UNION ALL
        SELECT source_id, host || ' entries (' || category || ', ' || period || ')', entrants, entrants, year, 'entries', 3
        FROM marts.border_entries
        UNION ALL
        SELECT source_id, coalesce(country_as_reported, 'UN'), figure, figure, year,
               coalesce(figure_meaning || ' ', '') || '(' || event || ')', 4
        FROM marts.policy_timeline
        WHERE figure IS NOT NULL
    )
),
figure_text AS (
    SELECT
        source_id,
        sort_key,
        subject,
        year,
        low,
        high,
        subject || ': ' || concat_ws(' ', figure_range(low, high), unit) || coalesce(' (' || year || ')', '') AS text
    FROM range_text
),
figures AS (
    -- the text itself ends the order: two figures alike in subject, year and range (say, of two
    -- measures) would otherwise come in any order, and two builds would differ
    SELECT source_id, string_agg(text, '; ' ORDER BY sort_key, subject, year, low, high, text) AS figures
    FROM figure_text
    GROUP BY source_id
)
SELECT
    s.source_id,
    s.title,
    s.title_en,
    s.publisher,
    s.authors,
    s.published,
    s.url,
    s.kind,
    s.n_figures,
    s.n_countries,
    s.n_used_in_estimates,
    f.figures,
    s.cited_in,
    s.notes
FROM marts.sources AS s
LEFT JOIN figures AS f USING (source_id)
ORDER BY s.source_id;
