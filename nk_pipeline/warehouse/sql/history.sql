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

-- The raw lines behind each publish's changes (nk_pipeline/warehouse/sql/evidence_changes.sql).
CREATE TABLE IF NOT EXISTS history.evidence_changes (
    publish_id INTEGER NOT NULL,
    iso3 VARCHAR NOT NULL,
    change VARCHAR NOT NULL,
    raw_file VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    old_source_line BIGINT,
    new_source_line BIGINT,
    old_measure VARCHAR,
    new_measure VARCHAR,
    old_workers_low BIGINT,
    new_workers_low BIGINT,
    old_workers_high BIGINT,
    new_workers_high BIGINT,
    old_reference_year BIGINT,
    new_reference_year BIGINT,
    old_effective_year BIGINT,
    new_effective_year BIGINT,
    evidence VARCHAR
);

-- The reviewed changes (raw/reviewed_changes.csv) that let a held change through a publish.
CREATE TABLE IF NOT EXISTS history.reviewed_changes (
    publish_id INTEGER NOT NULL,
    iso3 VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    figure VARCHAR NOT NULL,
    old_value VARCHAR NOT NULL,
    new_value VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw_file VARCHAR NOT NULL,
    source_line BIGINT NOT NULL
);
