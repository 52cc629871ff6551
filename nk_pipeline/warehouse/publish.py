"""The door of the warehouse stage: the build compared with the published warehouse, held on an
unreviewed jump, otherwise every file of the build folder (map/, data/, the database last)
replaced into warehouse/ in atomic renames."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from nk_pipeline.data.release import release_files
from nk_pipeline.map.map_outputs import MAP_FILES
from nk_pipeline.shared.publishing import atomic_copies, remove_stale_tmp_files
from nk_pipeline.shared.settings import Paths
from nk_pipeline.warehouse import changes


class PublishHeld(RuntimeError):
    """A change that looks like a mistake, not acknowledged in raw/reviewed_changes.csv."""

    def __init__(self, review: changes.Review):
        super().__init__(review.hold_message())
        self.review = review


@dataclass
class Published:
    review: changes.Review
    input_hashes: dict[str, str]  # raw file → sha256, as staging.inputs recorded them
    files: list[Path]  # the map and data files published (the database besides)
    removed: list[Path]  # temporaries of an interrupted publish, removed first


def published_files(folders: Paths) -> list[tuple[Path, Path]]:
    """(built, published) pairs: the map and data files, then the database, which goes last, so
    that a reader who finds the new snapshot also finds its files."""
    map_files = [(folders.build_map_dir / name, folders.map_dir / name) for name in MAP_FILES.values()]
    data_files = [(folders.build_data_dir / name, folders.data_dir / name) for name in release_files()]
    return [*map_files, *data_files, (folders.work_db, folders.warehouse_db)]


def publish(folders: Paths, connect: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]) -> Published:
    """Publish the build folder. `connect()` opens the build's database; it is closed (after a
    checkpoint) before the file is copied. Raises PublishHeld and publishes nothing on a held jump."""
    removed = remove_stale_tmp_files(folders.warehouse_dir)
    with connect() as conn:
        input_hashes = dict(conn.execute("SELECT file, sha256 FROM staging.inputs ORDER BY file").fetchall())
        review = changes.review(conn, folders.warehouse_db)
        if not review.held.empty:
            raise PublishHeld(review)
        conn.execute("CHECKPOINT")
    published = atomic_copies(published_files(folders))[:-1]
    return Published(review, input_hashes, published, removed)
