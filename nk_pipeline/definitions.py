"""The one Definitions object: everything under defs/ plus the settings that cut across stages.

Policy that holds for every asset is applied here once, not on each decorator: an asset's
group is its layer, the first part of its key (`raw`, `staging`, `marts`, `map`, `warehouse`),
which is also its DuckDB schema or its folder, so the UI, the keys and the storage share one
vocabulary.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import dagster as dg

OWNER = "team:nk-pipeline"


def _layer_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    layer = spec.key.path[0]
    return spec.replace_attributes(group_name=layer, owners=[OWNER]).merge_attributes(tags={"layer": layer})


@dg.definitions
def defs() -> dg.Definitions:
    with warnings.catch_warnings():
        # map_asset_specs and AssetSelection.all(include_sources=...) are marked preview/beta;
        # dagster is pinned to one release (pyproject.toml) and the tests cover both, so the
        # notices would only clutter every log of `dagster dev`.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        warnings.simplefilter("ignore", dg.BetaWarning)
        from nk_pipeline.orchestration import orchestration_definitions

        return dg.Definitions.merge(
            dg.load_from_defs_folder(path_within_project=Path(__file__).parent).map_asset_specs(func=_layer_policy),
            orchestration_definitions(),
        )
