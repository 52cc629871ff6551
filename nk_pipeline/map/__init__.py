"""Stage map: the map files (GeoJSON, GeoParquet, CSV, PNG, the page) drawn from the marts."""
