"""Staging: every raw file read, checked against its Pandera contract and loaded typed into DuckDB.

All the raw CSVs are validated in one step, so a curator sees every problem of every file at
once (file, line, column, value, rule), in each file's blocking `contract` check and in the
failure. A table is loaded only if its file passes; if any file fails, nothing downstream runs
and nothing is published.
"""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from nk_pipeline.raw import contract, countries
from nk_pipeline.raw.reading import sha256_file
from nk_pipeline.reporting import (
    CONTRACT_CHECK,
    contract_result,
    formula_text_result,
    formula_text_spec,
    table_metadata,
)
from nk_pipeline.resources import PathsResource
from nk_pipeline.shared.issues import RawDataError
from nk_pipeline.shared.settings import shown_path
from nk_pipeline.shared.tables import write_frame
from nk_pipeline.staging import boundaries
from nk_pipeline.staging.inputs import record_input
from nk_pipeline.staging.validation import check_folder, to_typed

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
    checked = check_folder(paths.paths.raw_dir)
    failed = []
    with duckdb.get_connection() as conn:
        for spec in contract.RAW_FILES:
            table, issues = checked[spec.name]
            yield contract_result(spec, issues, 0 if issues else len(table.frame))
            if table is not None:
                yield formula_text_result(spec, table)
            if issues:
                failed.append(spec)
                context.log.error(str(RawDataError(issues)))
                continue
            typed = to_typed(table, spec.name)
            write_frame(conn, f"staging.{spec.name}", typed, f"raw/{spec.filename}, validated. {spec.description}")
            record_input(conn, f"raw/{spec.filename}", table.sha256, table.size_bytes)
            yield dg.MaterializeResult(
                asset_key=["staging", spec.name], metadata={**table_metadata(typed), "input_sha256": table.sha256}
            )
        if failed:
            raise dg.Failure(
                description="raw files break the contract: "
                + ", ".join(f"raw/{spec.filename}" for spec in failed)
                + " (every problem is in their contract checks)"
            )
        named = conn.execute(
            "SELECT DISTINCT iso3, country FROM ("
            + " UNION ".join(f"SELECT iso3, country FROM staging.{f.name}" for f in contract.COUNTRY_FILES)
            + ") WHERE iso3 IS NOT NULL"
        ).df()
        frame = countries.iso3_names(named["iso3"])
        write_frame(conn, "staging.countries", frame, "Countries named in the inputs, with ISO 3166-1 codes.")
    unused = countries.unused_aliases(named["country"])
    if unused:
        context.log.warning(f"country aliases no input uses any more: {', '.join(unused)}")
    yield dg.MaterializeResult(
        asset_key=COUNTRIES_KEY, metadata={**table_metadata(frame), "unused_aliases": ", ".join(unused) or "none"}
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
    path = paths.paths.raw_dir / contract.BOUNDARIES.path
    if not path.is_file():
        raise dg.Failure(f"{shown_path(path)}: boundaries file not found (see raw/reference/README.md for its origin)")
    shapes = boundaries.load_boundaries(path)
    prepared = boundaries.write_geoparquet(shapes, paths.paths.prepared_boundaries)
    frame = pd.DataFrame(shapes.drop(columns="geometry"))
    with duckdb.get_connection() as conn:
        record_input(conn, f"raw/{contract.BOUNDARIES.path}", sha256_file(path), path.stat().st_size)
        write_frame(conn, "staging.boundaries", frame, "Natural Earth 1:50m admin-0 countries with an ISO code.")
    return dg.MaterializeResult(
        metadata={**table_metadata(frame), "prepared_shapes": dg.MetadataValue.path(str(prepared))}
    )
