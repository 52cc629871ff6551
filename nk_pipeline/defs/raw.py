"""Raw: the hand-curated files in raw/, as observable source assets.

Dagster does not copy them anywhere: observing them records each file's sha256 as its data
version (so a changed file marks everything downstream stale, and the sensor can tell what
changed), and the staging assets read the files themselves.
"""

import dagster as dg

from nk_pipeline.raw import contract
from nk_pipeline.raw.reading import MISSING, file_version
from nk_pipeline.resources import PathsResource


def _raw_specs() -> list[dg.AssetSpec]:
    # built in a function: a module-level AssetSpec would be loaded as an asset of its own
    return [
        dg.AssetSpec(
            key=["raw", spec.name],
            description=f"raw/{spec.path}: {spec.description}",
            kinds={spec.kind},
            metadata={"file": f"raw/{spec.path}"},
        )
        for spec in contract.INPUT_FILES
    ]


@dg.multi_observable_source_asset(specs=_raw_specs(), name="raw_files")
def raw_files(paths: PathsResource):
    """One observation per raw file: its sha256 (or "missing", or "refused" for a link, a special
    file or a file too large, which is not read), in a single step for all of them."""
    folder = paths.paths.raw_dir
    for spec in contract.INPUT_FILES:
        path = folder / spec.path
        version = file_version(folder, spec.path, spec.max_bytes)
        yield dg.ObserveResult(
            asset_key=["raw", spec.name],
            data_version=dg.DataVersion(version),
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "size_bytes": path.lstat().st_size if version != MISSING else 0,
            },
        )
