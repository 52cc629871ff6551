"""Validate: enforce the Pandera contract on every raw file, then load it typed into `staging`.

A file that breaks the contract fails its staging asset with every problem listed (file, line,
column, value, rule) in the failure and in the `contract` check's metadata; nothing downstream
runs, so nothing is published.
"""


from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from nk_pipeline.asset_metadata import table_metadata
from nk_pipeline.lib import contract, countries, geo
from nk_pipeline.lib.issues import RawDataError, issues_frame
from nk_pipeline.lib.reading import RawTable, sha256_bytes
from nk_pipeline.lib.validation import check_table, to_typed
from nk_pipeline.lib.warehouse import record_input, write_frame
from nk_pipeline.resources import PathsResource

CONTRACT_CHECK = "contract"
CODE_VERSION = "1"


def _contract_failure(table: RawTable, issues) -> tuple[dg.AssetCheckResult, dg.Failure]:
    error = RawDataError(issues)
    issues_md = dg.MetadataValue.md(issues_frame(error.issues).to_markdown(index=False))
    metadata = {"file": table.file, "problem_count": len(error.issues), "issues": issues_md}
    check = dg.AssetCheckResult(check_name=CONTRACT_CHECK, passed=False, metadata=metadata, description=str(error))
    return check, dg.Failure(description=str(error), metadata=metadata)


def _validate_and_load(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBResource,
    spec: contract.RawFile,
    raw_table: RawTable,
    source_ids: set[str] | None,
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    issues = check_table(raw_table, spec.name, source_ids)
    if issues:
        check, failure = _contract_failure(raw_table, issues)
        context.log.error(failure.description)
        yield check
        raise failure
    typed = to_typed(raw_table, spec.name)
    with duckdb.get_connection() as conn:
        write_frame(conn, f"staging.{spec.name}", typed, f"raw/{spec.filename}, validated. {spec.description}")
        record_input(conn, f"raw/{spec.filename}", raw_table.sha256, raw_table.size_bytes)
    yield dg.AssetCheckResult(check_name=CONTRACT_CHECK, passed=True, metadata={"rows_checked": len(typed)})
    yield dg.MaterializeResult(metadata={**table_metadata(typed), "input_sha256": raw_table.sha256})


def staging_asset(spec: contract.RawFile) -> dg.AssetsDefinition:
    cites_sources = spec in contract.CITING_FILES
    ins = {"raw_table": dg.AssetIn(key=["raw", spec.name])}
    if cites_sources:
        ins["raw_sources"] = dg.AssetIn(key=["raw", contract.SOURCES.name])
    decorator = dg.asset(
        key=["staging", spec.name],
        ins=ins,
        kinds={"pandera", "duckdb"},
        description=f"{spec.description} Validated against the contract and typed (staging.{spec.name}).",
        code_version=CODE_VERSION,
        check_specs=[
            dg.AssetCheckSpec(
                CONTRACT_CHECK,
                asset=["staging", spec.name],
                blocking=True,
                description=f"raw/{spec.filename} satisfies its Pandera model and the cross-file rules.",
            )
        ],
    )
    if cites_sources:

        @decorator
        def _validate_citing(
            context: dg.AssetExecutionContext, duckdb: DuckDBResource, raw_table: RawTable, raw_sources: RawTable
        ):
            known = set(raw_sources.frame["source_id"].dropna())
            yield from _validate_and_load(context, duckdb, spec, raw_table, known)

        return _validate_citing

    @decorator
    def _validate(context: dg.AssetExecutionContext, duckdb: DuckDBResource, raw_table: RawTable):
        yield from _validate_and_load(context, duckdb, spec, raw_table, None)

    return _validate


STAGING_ASSETS = [staging_asset(spec) for spec in contract.RAW_FILES]

COUNTRY_TABLES = [f"staging.{f.name}" for f in contract.COUNTRY_FILES]


@dg.asset(
    key=["staging", "countries"],
    deps=[["staging", f.name] for f in contract.COUNTRY_FILES],
    kinds={"pycountry", "duckdb"},
    description="Every country the inputs name, with its ISO 3166-1 codes and a short English name.",
    code_version=CODE_VERSION,
)
def staging_countries(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        union = " UNION ".join(f"SELECT iso3, country FROM {t}" for t in COUNTRY_TABLES)
        named = conn.execute(f"SELECT DISTINCT iso3, country FROM ({union}) WHERE iso3 IS NOT NULL").df()
        frame = geo.iso3_names(named["iso3"])
        write_frame(conn, "staging.countries", frame, "Countries named in the inputs, with ISO 3166-1 codes.")
    unused = countries.unused_aliases(named["country"])
    if unused:
        context.log.warning(f"country aliases no input uses any more: {', '.join(unused)}")
    return dg.MaterializeResult(metadata={**table_metadata(frame), "unused_aliases": ", ".join(unused) or "none"})


@dg.asset(
    key=["staging", "boundaries"],
    ins={"boundaries_path": dg.AssetIn(key=["raw", "boundaries"])},
    kinds={"geopandas", "geoparquet", "duckdb"},
    description=(
        "Natural Earth countries that carry an ISO code, cut at the antimeridian: the attributes in "
        "staging.boundaries, the shapes in the build folder's boundaries.parquet for the map outputs."
    ),
    code_version=CODE_VERSION,
)
def staging_boundaries(duckdb: DuckDBResource, paths: PathsResource, boundaries_path: str) -> dg.MaterializeResult:
    shapes = geo.load_boundaries(boundaries_path)
    prepared = geo.write_geoparquet(shapes, paths.paths.prepared_boundaries)
    frame = pd.DataFrame(shapes.drop(columns="geometry"))
    data = Path(boundaries_path).read_bytes()
    with duckdb.get_connection() as conn:
        record_input(conn, f"raw/{contract.BOUNDARIES_PATH}", sha256_bytes(data), len(data))
        write_frame(conn, "staging.boundaries", frame, "Natural Earth 1:50m admin-0 countries with an ISO code.")
    return dg.MaterializeResult(
        metadata={**table_metadata(frame), "prepared_shapes": dg.MetadataValue.path(str(prepared))}
    )
