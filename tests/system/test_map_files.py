"""A missing shape fails the blocking check and stops the publish, in a build of its own
(the files themselves: tests/build/test_map_files.py)."""

from __future__ import annotations

from nk_pipeline.staging import boundaries


def test_a_missing_shape_fails_the_blocking_check_and_stops_the_publish(shipped_build, tmp_path):
    import shutil

    import dagster as dg

    from nk_pipeline.defs import map as map_defs
    from nk_pipeline.defs import warehouse as warehouse_defs
    from nk_pipeline.resources import build_resources
    from nk_pipeline.shared.settings import Paths

    paths = Paths.create(shipped_build.paths.raw_dir, tmp_path / "warehouse", tmp_path / "build")
    resources = build_resources(paths)
    shutil.copy(shipped_build.paths.warehouse_db, paths.work_db)
    shapes = boundaries.load_boundaries(paths.raw_dir / "reference" / "countries-50m.json")
    boundaries.write_geoparquet(shapes[shapes["iso3"] != "MLT"], paths.prepared_boundaries)

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [map_defs.map_files, warehouse_defs.publish_warehouse],
            resources=resources,
            instance=instance,
            raise_on_error=False,
        )
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == map_defs.MISSING_SHAPES_CHECK]
    assert not check.passed and check.metadata["missing_iso3"].value == "MLT"
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "map/countries_geojson" in materialized  # written to the build folder, to be inspected
    assert "warehouse/nk_duckdb" not in materialized
    assert not paths.warehouse_db.exists() and not paths.map_dir.exists()
