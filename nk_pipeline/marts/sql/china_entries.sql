-- China's rows of marts.border_entries under the names programs read before Russia's series
-- joined them (docs/consumers.md).
CREATE OR REPLACE TABLE marts.china_entries AS
SELECT
    year,
    period,
    is_full_year,
    category,
    entrants,
    total_entrants_same_source,
    share_of_total,
    source_id,
    source_title,
    source_url,
    evidence,
    source_line,
    host_estimate_label AS china_estimate_label,
    host_estimate_year AS china_estimate_year,
    caveat
FROM marts.border_entries
WHERE host = 'China'
ORDER BY year, period, category, source_id;
