-- Publish history: every successful publish adds one snapshot, earlier snapshots are kept.
CREATE SCHEMA IF NOT EXISTS history;

CREATE TABLE IF NOT EXISTS history.publishes (
    publish_id INTEGER PRIMARY KEY,
    published_at TIMESTAMP WITH TIME ZONE NOT NULL,
    inputs_digest VARCHAR NOT NULL,
    inputs_sha256 VARCHAR NOT NULL,
    n_countries INTEGER NOT NULL,
    duckdb_version VARCHAR NOT NULL,
    storage_version VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS history.country_estimates AS
SELECT CAST(NULL AS INTEGER) AS publish_id, * FROM marts.country_estimates WITH NO DATA;
