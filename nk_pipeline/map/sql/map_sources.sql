-- The sources the map page and the PNG credit line name, with the English gloss of a title in
-- another language, and whether a country's current row (marts.statuses.is_current) cites it:
-- the map files list a country's sources only up to a limit, so what "the map rests on" is
-- counted here, from the full lists.
WITH current_ids AS (
    SELECT DISTINCT u.source_id
    FROM marts.country_estimates AS c
    JOIN marts.statuses AS st USING (status)
    , unnest(string_split(c.source_ids, ';')) AS u(source_id)
    WHERE st.is_current
)
SELECT s.source_id, s.title, s.title_en, s.publisher, s.published, s.url, s.kind, k.source_id IS NOT NULL AS current
FROM marts.sources AS s
LEFT JOIN current_ids AS k USING (source_id)
ORDER BY s.source_id;
