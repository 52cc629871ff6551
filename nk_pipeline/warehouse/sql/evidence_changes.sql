-- The raw lines a publish changed: marts.estimate_evidence of this build against the published
-- warehouse's (attached as `previous`). Lines are compared by what they say, not where they
-- are: a row that only moved (rows inserted or deleted above it) is no change. A row of the
-- same file, country and source that says something else is 'altered'; the rest are 'added'
-- or 'removed'. Evidence wording and notes are not compared: they never move a figure.
INSERT INTO history.evidence_changes
WITH old AS (
    SELECT iso3, raw_file, source_id, source_line, measure, workers_low, workers_high,
           reference_year, effective_year, evidence,
           to_json(struct_pack(measure, workers_low, workers_high, reference_year, effective_year))::VARCHAR AS content
    FROM previous.marts.estimate_evidence
),
new AS (
    SELECT iso3, raw_file, source_id, source_line, measure, workers_low, workers_high,
           reference_year, effective_year, evidence,
           to_json(struct_pack(measure, workers_low, workers_high, reference_year, effective_year))::VARCHAR AS content
    FROM marts.estimate_evidence
),
-- identical rows pair one to one, in line order
old_numbered AS (
    SELECT *, row_number() OVER (PARTITION BY iso3, raw_file, source_id, content ORDER BY source_line) AS copy
    FROM old
),
new_numbered AS (
    SELECT *, row_number() OVER (PARTITION BY iso3, raw_file, source_id, content ORDER BY source_line) AS copy
    FROM new
),
gone AS (
    SELECT * FROM old_numbered ANTI JOIN new_numbered USING (iso3, raw_file, source_id, content, copy)
),
came AS (
    SELECT * FROM new_numbered ANTI JOIN old_numbered USING (iso3, raw_file, source_id, content, copy)
),
gone_ranked AS (
    SELECT *, row_number() OVER (PARTITION BY iso3, raw_file, source_id ORDER BY source_line) AS rank FROM gone
),
came_ranked AS (
    SELECT *, row_number() OVER (PARTITION BY iso3, raw_file, source_id ORDER BY source_line) AS rank FROM came
)
SELECT
    $publish_id AS publish_id,
    coalesce(c.iso3, g.iso3) AS iso3,
    CASE WHEN g.iso3 IS NULL THEN 'added' WHEN c.iso3 IS NULL THEN 'removed' ELSE 'altered' END AS change,
    coalesce(c.raw_file, g.raw_file) AS raw_file,
    coalesce(c.source_id, g.source_id) AS source_id,
    g.source_line AS old_source_line,
    c.source_line AS new_source_line,
    g.measure AS old_measure,
    c.measure AS new_measure,
    g.workers_low AS old_workers_low,
    c.workers_low AS new_workers_low,
    g.workers_high AS old_workers_high,
    c.workers_high AS new_workers_high,
    g.reference_year AS old_reference_year,
    c.reference_year AS new_reference_year,
    g.effective_year AS old_effective_year,
    c.effective_year AS new_effective_year,
    coalesce(c.evidence, g.evidence) AS evidence
FROM gone_ranked AS g
FULL JOIN came_ranked AS c
    ON c.iso3 = g.iso3 AND c.raw_file = g.raw_file AND c.source_id = g.source_id AND c.rank = g.rank
ORDER BY iso3, raw_file, coalesce(c.source_line, g.source_line), change;
