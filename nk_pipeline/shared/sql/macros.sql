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

-- A list written out for a map file, whose size must not grow with the reports: its first n items
-- (split on `separator`), and with first_and_more "and N more" after them when there are more.
CREATE OR REPLACE TEMP MACRO first_of(items, separator, n) AS
    array_to_string(string_split(items, separator)[:n], separator);
CREATE OR REPLACE TEMP MACRO first_and_more(items, separator, n) AS
    first_of(items, separator, n)
    || CASE WHEN len(string_split(items, separator)) > n
        THEN format('{}and {} more', separator, len(string_split(items, separator)) - n) ELSE '' END;

-- A list (from list()) written out in order, as string_agg(x, separator ORDER BY x) writes it, NULL
-- for none: a group's list is only sorted once it is whole, which at a million rows in as many groups
-- costs a fraction of the time and memory of an ordered aggregate.
CREATE OR REPLACE TEMP MACRO joined_in_order(items, separator) AS
    nullif(array_to_string(list_sort(items), separator), '');
