"""Stage data: the open-data release (CSV, Parquet, reports.xlsx, datapackage.json) and the words it shares with the map."""
