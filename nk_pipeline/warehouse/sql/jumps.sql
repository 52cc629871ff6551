-- The implausible jumps of a publish against the one before it, each with the reviewed
-- change (raw/reviewed_changes.csv) that lets it through, if any (docs/methodology.md):
-- a low, central or high figure more than jump_factor times up or down (or from or to 0), an
-- estimate that becomes a status without a figure, a country no longer listed. A country new
-- to the publish, and the first publish, have nothing to jump from.
WITH params AS (
    SELECT max(value) FILTER (WHERE name = 'jump_factor') AS jump_factor FROM marts.method_parameters
),
changes AS (
    SELECT * FROM history.country_estimate_changes WHERE publish_id = $publish_id
),
figures AS (
    SELECT iso3, country, 'workers_low' AS figure, old_workers_low AS old_value, new_workers_low AS new_value,
           low_factor AS factor
    FROM changes
    UNION ALL
    SELECT iso3, country, 'workers_central', old_workers_central, new_workers_central, central_factor FROM changes
    UNION ALL
    SELECT iso3, country, 'workers_high', old_workers_high, new_workers_high, high_factor FROM changes
),
jumps AS (
    -- a bound that opens or closes ("up to" becoming a range) has no factor and is no jump
    SELECT iso3, country, figure, old_value::VARCHAR AS old_value, new_value::VARCHAR AS new_value, factor,
           'factor' AS rule
    FROM figures CROSS JOIN params
    WHERE old_value IS NOT NULL AND new_value IS NOT NULL AND old_value <> new_value
      AND (factor IS NULL OR factor > jump_factor OR factor < 1.0 / jump_factor)
    UNION ALL
    SELECT iso3, country, 'status', old_status, coalesce(new_status, 'absent'),
           NULL, CASE WHEN change = 'removed' THEN 'absent' ELSE 'lost_estimate' END
    FROM changes
    WHERE change = 'removed' OR (old_status = 'estimate' AND new_status <> 'estimate')
),
reviews AS (
    -- figures as people type them ("150,000"), compared as the whole numbers they are
    SELECT
        iso3, figure, source_line, reason, old_value AS old_as_typed, new_value AS new_as_typed,
        CASE WHEN figure = 'status' THEN old_value ELSE replace(old_value, ',', '')::BIGINT::VARCHAR END AS old_value,
        CASE WHEN figure = 'status' THEN new_value ELSE replace(new_value, ',', '')::BIGINT::VARCHAR END AS new_value
    FROM staging.reviewed_changes
)
SELECT
    j.iso3,
    j.country,
    j.figure,
    j.old_value,
    j.new_value,
    j.factor,
    j.rule,
    p.jump_factor,
    (SELECT min(r.source_line) FROM reviews AS r
     WHERE r.iso3 = j.iso3 AND r.figure = j.figure AND r.old_value = j.old_value AND r.new_value = j.new_value
    ) AS reviewed_line,
    -- reviews of the same figure that describe another change: they do not let this one through
    (SELECT string_agg(format('line {}: {} → {}', r.source_line, r.old_as_typed, r.new_as_typed), '; ' ORDER BY r.source_line)
     FROM reviews AS r
     WHERE r.iso3 = j.iso3 AND r.figure = j.figure AND (r.old_value <> j.old_value OR r.new_value <> j.new_value)
    ) AS other_reviews
FROM jumps AS j
CROSS JOIN params AS p
ORDER BY j.iso3, j.figure;
