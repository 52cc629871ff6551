"""Tier 1: the Definitions load, and the asset graph is the one documented."""

import dagster as dg

from nk_pipeline.definitions import defs
from nk_pipeline.marts.catalog import MARTS
from nk_pipeline.raw import contract

EXPECTED_KEYS = sorted(
    [f"raw/{f.name}" for f in contract.RAW_FILES]
    + ["raw/boundaries"]
    + [f"staging/{f.name}" for f in contract.RAW_FILES]
    + ["staging/countries", "staging/boundaries"]
    + [f"marts/{t.name}" for t in MARTS]
    + ["map/countries_geojson", "map/countries_parquet", "map/points_geojson", "map/map_csv"]
    + ["map/map_png", "map/index_html", "map/country_years_csv", "map/map_years_png"]
    + ["data/marts_csv", "data/marts_parquet", "data/reports_xlsx", "data/datapackage_json"]
    + ["warehouse/changes", "warehouse/nk_duckdb"]
)


def _graph():
    return defs().resolve_asset_graph()


def test_asset_keys_are_the_documented_ones():
    keys = sorted(k.to_user_string() for k in _graph().get_all_asset_keys())
    assert set(EXPECTED_KEYS) <= set(keys), sorted(set(EXPECTED_KEYS) - set(keys))


def test_every_asset_is_grouped_by_its_layer_and_described():
    graph = _graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name == key.path[0], key
        assert node.description, key


def test_dependencies_follow_the_flow():
    graph = _graph()

    def parents(key: str) -> set[str]:
        return {k.to_user_string() for k in graph.get(dg.AssetKey.from_user_string(key)).parent_keys}

    assert parents("staging/country_estimates") == {"raw/country_estimates", "raw/sources"}
    # the window of every year is chosen in the evidence, the series built on it, the latest year published
    assert "marts/estimate_evidence" in parents("marts/country_years")
    assert parents("marts/country_estimates") == {"marts/country_years"}
    assert "marts/country_estimates" in parents("map/countries_geojson")
    assert {"map/countries_geojson", "map/map_csv", "warehouse/changes"} <= parents("warehouse/nk_duckdb")
    assert {"marts/country_estimates", "marts/estimate_evidence", "staging/reviewed_changes"} <= parents(
        "warehouse/changes"
    )
    # the release is built from every mart and published in the same step as the warehouse
    assert {f"marts/{t.name}" for t in MARTS} <= parents("data/datapackage_json")
    assert {"data/marts_csv", "data/reports_xlsx", "data/datapackage_json"} <= parents("warehouse/nk_duckdb")


def test_contract_checks_are_blocking():
    graph = _graph()
    checks = {k.name: graph.get_check_spec(k) for k in graph.asset_check_keys}
    assert checks["contract"].blocking
    assert checks["every_estimate_has_a_source"].blocking
    assert checks["every_country_has_a_shape"].blocking
    assert checks["no_unreviewed_jump"].blocking
    assert not checks["no_formula_like_text"].blocking  # a warning: the exports defuse such text anyway


def test_the_refresh_job_observes_the_raw_files_and_builds_every_asset():
    from nk_pipeline.orchestration import refresh_all

    graph = _graph()
    selected = {k.to_user_string() for k in refresh_all.selection.resolve(graph)}
    assert selected == {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {f"raw/{f.name}" for f in contract.INPUT_FILES} <= selected
    job = defs().resolve_job_def("refresh_all")
    assert "raw_files" in {node.name for node in job.nodes}, "the raw files are observed in the same run"
