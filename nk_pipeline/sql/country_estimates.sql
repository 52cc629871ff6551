-- One row per country the inputs name: the latest year of marts.country_years, so that the
-- map's figure and the series' last point are one computation. Method: docs/methodology.md.
CREATE OR REPLACE TABLE marts.country_estimates AS
SELECT
    iso3,
    country,
    status,
    workers_low,
    workers_high,
    workers_central,
    reference_year,
    n_sources,
    source_ids,
    has_restaurants,
    confidence,
    conflict,
    spread_ratio,
    stale,
    label,
    reference_year_from_publication
FROM marts.country_years
WHERE is_latest
ORDER BY iso3;
