-- One wording for a figure's bounds, wherever a range is written out for a reader: "4,000–15,000",
-- "50" (both bounds the same), "at least 100", "up to 120,000"; NULL for presence without a figure.
-- TEMP: the macro lives on the connection that runs the SQL and never enters the warehouse.
CREATE OR REPLACE TEMP MACRO figure_range(low, high) AS
    CASE
        WHEN low = high THEN format('{:,d}', low)
        WHEN low IS NOT NULL AND high IS NOT NULL THEN format('{:,d}–{:,d}', low, high)
        WHEN low IS NOT NULL THEN format('at least {:,d}', low)
        WHEN high IS NOT NULL THEN format('up to {:,d}', high)
    END;
