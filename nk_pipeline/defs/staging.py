"""Staging: every raw file read, checked against its Pandera contract and loaded typed into DuckDB.

All the raw CSVs are validated in one step, so a curator sees every problem of every file at
once (file, line, column, value, rule), in each file's blocking `contract` check and in the
failure. A table is loaded only if its file passes; if any file fails, nothing downstream runs
and nothing is published.
"""

from collections.abc import Iterator

import dagster as dg
from dagster_duckdb import DuckDBResource

from nk_pipeline.raw import contract
from nk_pipeline.raw.reading import InputRefused
from nk_pipeline.reporting import (
    CONTRACT_CHECK,
    contract_result,
    formula_text_result,
    formula_text_spec,
    table_metadata,
)
from nk_pipeline.resources import PathsResource
from nk_pipeline.shared.issues import RawDataError
from nk_pipeline.staging.stage import stage_boundaries, stage_raw

CODE_VERSION = "2"
COUNTRIES_KEY = dg.AssetKey(["staging", "countries"])


@dg.multi_asset(
    name="staging_tables",
    specs=[
        *(
            dg.AssetSpec(
                key=["staging", spec.name],
                deps=[["raw", spec.name]] + ([["raw", contract.SOURCES.name]] if spec in contract.CITING_FILES else []),
                kinds={"pandera", "duckdb"},
                description=f"{spec.description} raw/{spec.filename}, validated against the contract and typed.",
                code_version=CODE_VERSION,
            )
            for spec in contract.RAW_FILES
        ),
        dg.AssetSpec(
            key=COUNTRIES_KEY,
            deps=[["staging", f.name] for f in contract.COUNTRY_FILES],
            kinds={"pycountry", "duckdb"},
            description="Every country the inputs name, with its ISO 3166-1 codes and a short English name.",
            code_version=CODE_VERSION,
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CONTRACT_CHECK,
            asset=["staging", spec.name],
            blocking=True,
            description=f"raw/{spec.filename} satisfies its Pandera model and the cross-file rules.",
        )
        for spec in contract.RAW_FILES
    ]
    + [formula_text_spec(spec) for spec in contract.RAW_FILES],
)
def staging_tables(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PathsResource
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    with duckdb.get_connection() as conn:
        staged = stage_raw(conn, paths.paths.raw_dir)
    for done in staged.files:
        yield contract_result(done.spec, done.issues, done.rows)
        if done.formula_cells is not None:
            yield formula_text_result(done.spec, done.formula_cells)
        if done.issues:
            context.log.error(str(RawDataError(done.issues)))
            continue
        yield dg.MaterializeResult(
            asset_key=["staging", done.spec.name],
            metadata={**table_metadata(done.head), "dagster/row_count": done.rows, "input_sha256": done.sha256},
        )
    if staged.failed:
        raise dg.Failure(
            description="raw files break the contract: "
            + ", ".join(f"raw/{done.spec.filename}" for done in staged.failed)
            + " (every problem is in their contract checks)"
        )
    if staged.unused_aliases:
        context.log.warning(f"country aliases no input uses any more: {', '.join(staged.unused_aliases)}")
    yield dg.MaterializeResult(
        asset_key=COUNTRIES_KEY,
        metadata={**table_metadata(staged.countries), "unused_aliases": ", ".join(staged.unused_aliases) or "none"},
    )


@dg.asset(
    key=["staging", "boundaries"],
    deps=[["raw", contract.BOUNDARIES.name]],
    kinds={"geopandas", "geoparquet", "duckdb"},
    description=(
        "Natural Earth countries that carry an ISO code, cut at the antimeridian: the attributes in "
        "staging.boundaries, the shapes in the build folder's boundaries.parquet for the map outputs."
    ),
    code_version=CODE_VERSION,
)
def staging_boundaries(duckdb: DuckDBResource, paths: PathsResource) -> dg.MaterializeResult:
    folders = paths.paths
    try:
        with duckdb.get_connection() as conn:
            frame = stage_boundaries(conn, folders.raw_dir, folders.prepared_boundaries)
    except (FileNotFoundError, InputRefused) as unread:
        raise dg.Failure(str(unread)) from unread
    return dg.MaterializeResult(
        metadata={**table_metadata(frame), "prepared_shapes": dg.MetadataValue.path(str(folders.prepared_boundaries))}
    )
