-- One publish's history.evidence_changes as the build's report words them: each side's figures
-- in the shared wording of ranges (shared/sql/macros.sql).
SELECT
    *,
    figure_range(old_workers_low, old_workers_high) AS old_figures,
    figure_range(new_workers_low, new_workers_high) AS new_figures
FROM history.evidence_changes
WHERE publish_id = $publish_id
ORDER BY iso3, raw_file, coalesce(new_source_line, old_source_line)
