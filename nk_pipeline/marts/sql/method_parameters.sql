-- The knobs of the reconciliation method (docs/methodology.md), kept as data so that
-- consumers can see which values produced the marts they read.
CREATE OR REPLACE TABLE marts.method_parameters AS
SELECT * FROM (VALUES
    ('recency_window_years', 3,
     'A country''s estimate uses its worker figures from the latest year with one and the years just before it, this many years in all.'),
    ('carry_years', 2,
     'A figure, or a report of workers, restaurants or none remaining, speaks for the year it describes and at most this many years after it; past that the country is last_reported, never an estimate of that year.'),
    ('max_spread', 10,
     'A range whose high is more than this many times its low is low confidence, however many origins agree on it.'),
    ('stale_before_year', 2020,
     'An estimate whose reference year is before this is stale: it predates the 22 December 2019 repatriation deadline of UNSC resolution 2397.'),
    ('conflict_ratio', 2,
     'Sources conflict when the highest figure used is more than this many times the lowest.'),
    ('high_confidence_sources', 3,
     'Distinct origins (who first stated a figure, not the outlets repeating it) needed, without conflict, for high confidence.'),
    ('jump_factor', 3,
     'A publish is held when a country''s low, central or high figure moves more than this many times up or down against the last publish, unless raw/reviewed_changes.csv acknowledges that change.')
) AS p(name, value, meaning);
