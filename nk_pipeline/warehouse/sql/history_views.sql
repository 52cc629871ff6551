-- What changed per country between each publish and the one before it.
CREATE OR REPLACE VIEW history.country_estimate_changes AS
WITH ordered AS (
    SELECT publish_id, lag(publish_id) OVER (ORDER BY publish_id) AS previous_publish_id
    FROM history.publishes
),
pairs AS (
    SELECT o.publish_id, o.previous_publish_id, k.iso3
    FROM ordered AS o
    JOIN (
        SELECT publish_id, iso3 FROM history.country_estimates
        UNION
        SELECT o2.publish_id, h.iso3
        FROM ordered AS o2 JOIN history.country_estimates AS h ON h.publish_id = o2.previous_publish_id
    ) AS k USING (publish_id)
    WHERE o.previous_publish_id IS NOT NULL
)
SELECT
    p.publish_id,
    p.previous_publish_id,
    p.iso3,
    CASE
        WHEN old.iso3 IS NULL THEN 'added'
        WHEN new.iso3 IS NULL THEN 'removed'
        ELSE 'changed'
    END AS change,
    old.status AS old_status,
    new.status AS new_status,
    old.workers_low AS old_workers_low,
    new.workers_low AS new_workers_low,
    old.workers_high AS old_workers_high,
    new.workers_high AS new_workers_high,
    old.workers_central AS old_workers_central,
    new.workers_central AS new_workers_central,
    old.label AS old_label,
    new.label AS new_label,
    coalesce(new.country, old.country) AS country,
    -- how many times the old figure the new one is: 10 is ten times up, 0.1 ten times down
    round(new.workers_central / nullif(old.workers_central, 0), 4) AS central_factor,
    round(new.workers_high / nullif(old.workers_high, 0), 4) AS high_factor,
    round(new.workers_low / nullif(old.workers_low, 0), 4) AS low_factor
FROM pairs AS p
LEFT JOIN history.country_estimates AS old ON old.publish_id = p.previous_publish_id AND old.iso3 = p.iso3
LEFT JOIN history.country_estimates AS new ON new.publish_id = p.publish_id AND new.iso3 = p.iso3
WHERE old.iso3 IS NULL OR new.iso3 IS NULL
   OR old.status IS DISTINCT FROM new.status
   OR old.workers_low IS DISTINCT FROM new.workers_low
   OR old.workers_high IS DISTINCT FROM new.workers_high
   OR old.workers_central IS DISTINCT FROM new.workers_central
   OR old.reference_year IS DISTINCT FROM new.reference_year;
