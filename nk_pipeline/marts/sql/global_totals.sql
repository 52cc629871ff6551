-- The sum of the country estimates set beside each published global figure, with the gap.
-- Countries without a figure add nothing to the sum, so it is a floor of what the inputs show.
CREATE OR REPLACE TABLE marts.global_totals AS
WITH country_sum AS (
    SELECT
        sum(coalesce(workers_low, workers_central))::BIGINT AS sum_low,
        sum(coalesce(workers_high, workers_central))::BIGINT AS sum_high,
        sum(workers_central)::BIGINT AS sum_central,
        count(*) FILTER (WHERE status = 'estimate')::INTEGER AS n_countries_with_estimate,
        count(*)::INTEGER AS n_countries,
        min(reference_year) FILTER (WHERE status = 'estimate') AS first_year,
        max(reference_year) FILTER (WHERE status = 'estimate') AS last_year
    FROM marts.country_estimates
)
SELECT
    h.scope,
    h.year::INTEGER AS year,
    h.low::BIGINT AS headline_low,
    h.high::BIGINT AS headline_high,
    h.source_id,
    s.title AS source_title,
    s.url AS source_url,
    h.evidence,
    c.sum_low AS country_sum_low,
    c.sum_high AS country_sum_high,
    c.sum_central AS country_sum_central,
    c.n_countries_with_estimate,
    c.n_countries,
    format('{}–{}', c.first_year, c.last_year) AS country_years,
    CASE WHEN h.scope = 'global_workers' THEN coalesce(h.low, h.high) - c.sum_central END AS gap_central,
    CASE
        WHEN h.scope <> 'global_workers' THEN NULL
        -- a blank bound is open: "more than 50,000" is never below, "up to 120,000" never above
        WHEN h.high < c.sum_low THEN 'headline below the sum of country lows'
        WHEN h.low > c.sum_high THEN 'headline above the sum of country highs'
        ELSE 'headline overlaps the range of the country sums'
    END AS comparison
FROM staging.headline_estimates AS h
JOIN staging.sources AS s USING (source_id)
CROSS JOIN country_sum AS c
ORDER BY h.scope, h.year NULLS LAST, h.source_id, h.low, h.high;
