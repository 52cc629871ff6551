"""The release's file list and keys, without a build (fast tier)."""

from nk_pipeline.data.release import DATAPACKAGE_JSON, REPORTS_XLSX, release_files
from nk_pipeline.marts.catalog import MARTS, MARTS_BY_NAME


def test_every_mart_is_released_as_csv_and_parquet_and_the_package_comes_last():
    files = release_files()
    assert files[-1] == DATAPACKAGE_JSON and REPORTS_XLSX in files
    for table in MARTS:
        assert {f"{table.name}.csv", f"{table.name}.parquet"} <= set(files)
    assert len(files) == len(set(files)) == 2 * len(MARTS) + 2


def test_every_mart_declares_its_key_and_its_keys_point_at_marts():
    for table in MARTS:
        assert table.primary_key, (
            f"{table.qualified}: declare primary_key in marts/catalog.py (datapackage.json needs it)"
        )
        assert set(table.primary_key) <= set(table.columns), table.name
        for column, target in table.foreign_keys.items():
            assert column in table.columns and target in MARTS_BY_NAME, (table.name, column, target)
            assert MARTS_BY_NAME[target].primary_key == (column,), (table.name, column, target)
