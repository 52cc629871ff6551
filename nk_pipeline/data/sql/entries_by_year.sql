-- One full-year figure per host, year and purpose for the entries charts (index.html and
-- reports.xlsx): where sources differ, the one stated exactly, then the newest source. The total
-- is kept beside the purposes; the charts show what the purposes leave of it.
SELECT
    e.host,
    e.year,
    e.category,
    e.entrants,
    e.qualifier,
    e.source_id,
    e.caveat
FROM marts.border_entries AS e
JOIN marts.sources AS s USING (source_id)
WHERE e.is_full_year
QUALIFY row_number() OVER (
    PARTITION BY e.host, e.year, e.category
    ORDER BY e.qualifier IS NOT NULL, s.published DESC NULLS LAST, e.source_id
) = 1
ORDER BY e.host, e.year, e.category;
