"""The one Definitions object: everything under defs/ plus the settings that cut across stages."""

from __future__ import annotations

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    from nk_pipeline.orchestration import orchestration_definitions

    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        orchestration_definitions(),
    )
