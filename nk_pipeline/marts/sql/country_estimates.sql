-- One row per country the inputs name: the latest year of marts.country_years, so that the
-- map's figure and the series' last point are one computation. Method: docs/methodology.md.
CREATE OR REPLACE TABLE marts.country_estimates AS
SELECT * EXCLUDE (year, repatriated_reported, repatriation_reports, repatriation_source_ids, is_latest)
FROM marts.country_years
WHERE is_latest
ORDER BY iso3;
