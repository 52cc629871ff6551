"""Stage marts: the reconciliation, one DuckDB mart per SQL file in sql/, described by the catalog."""
