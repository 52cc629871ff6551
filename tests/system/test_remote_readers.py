"""Readers on other machines: the published folder served over HTTP, attached read-only by DuckDB.

The local equivalent of docs/operating.md's "Readers on other machines": the published
warehouse folder behind a web server on 127.0.0.1, and a consumer with nothing of this project
installed, only a DuckDB 1.5 client and its httpfs extension from PyPI (in a virtual environment
of its own), attaching `nk.duckdb` over HTTP. Web servers and object stores answer HTTP Range
requests, with which DuckDB reads only the parts of a remote database a query needs; Python's
own http.server ignores them (DuckDB then falls back to reading the whole file), so the server
here answers them, as the real ones do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import duckdb
import pytest

# What a consumer installs: a DuckDB 1.x client and its httpfs extension as a package (DuckDB
# would otherwise download the extension from its own site when first needed).
CONSUMER_PACKAGES = ("duckdb==1.5.5", "duckdb-extension-httpfs==1.5.5")

INSTALL_TIMEOUT = 300

QUERY = "SELECT * FROM {db}marts.country_estimates ORDER BY iso3"

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")

CONSUMER = r"""
import json, pathlib, sys
import duckdb, duckdb_extension_httpfs

url, query = sys.argv[1], sys.argv[2]
extension = next(pathlib.Path(duckdb_extension_httpfs.__file__).parent.glob("extensions/v*/httpfs.duckdb_extension"))
con = duckdb.connect()
con.execute(f"LOAD '{extension}'")
con.execute(f"ATTACH '{url}' AS nk (READ_ONLY)")
cursor = con.execute(query.format(db="nk."))
columns = [d[0] for d in cursor.description]
rows = cursor.fetchall()
publishes = con.execute("SELECT max(publish_id) FROM nk.history.publishes").fetchone()[0]
try:
    con.execute("CREATE TABLE nk.marts.scribble (x INTEGER)")
    writable = True
except duckdb.Error:
    writable = False
print(json.dumps({"version": duckdb.__version__, "columns": columns, "rows": rows, "publishes": publishes,
                  "writable": writable}, default=str))
"""


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Static files with single-range `Range: bytes=a-b` requests answered 206, as a web server
    or object store does. Counts the partial responses it sent."""

    partial_responses = 0

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        wanted = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if not wanted or not path.is_file():
            return super().send_head()
        match = _RANGE.match(wanted.strip())
        size = path.stat().st_size
        if not match or int(match[1]) >= size:
            self.send_error(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            return None
        start = int(match[1])
        end = min(int(match[2]) if match[2] else size - 1, size - 1)
        with path.open("rb") as handle:
            handle.seek(start)
            body = handle.read(end - start + 1)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        type(self).partial_responses += 1
        return BytesIO(body)

    def log_message(self, format, *args) -> None:  # keep the test output quiet
        pass


@pytest.fixture()
def served_warehouse(shipped_build) -> Iterator[tuple[str, type[RangeRequestHandler]]]:
    handler = type("Handler", (RangeRequestHandler,), {"partial_responses": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(shipped_build.paths.warehouse_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def consumer_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with only the consumer's packages, installed from the package index."""
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is needed to make the consumer's environment (pip install uv)"
    venv = tmp_path_factory.mktemp("consumer") / "venv"
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    for command in (
        [uv, "venv", "--quiet", "--python", f"{sys.version_info.major}.{sys.version_info.minor}", str(venv)],
        [uv, "pip", "install", "--quiet", "--python", str(python), *CONSUMER_PACKAGES],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        assert result.returncode == 0, f"{' '.join(command)}:\n{result.stderr[-3000:]}"
    return python


def test_a_duckdb_1_5_client_attaches_the_published_warehouse_over_http(
    shipped_build, served_warehouse, consumer_python
):
    base_url, handler = served_warehouse
    result = subprocess.run(
        [str(consumer_python), "-c", CONSUMER, f"{base_url}/nk.duckdb", QUERY],
        cwd=consumer_python.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    remote = json.loads(result.stdout)

    with duckdb.connect(str(shipped_build.paths.warehouse_db), read_only=True) as con:
        cursor = con.execute(QUERY.format(db=""))
        columns = [d[0] for d in cursor.description]
        local = json.loads(json.dumps(cursor.fetchall(), default=str))
        publishes = con.execute("SELECT max(publish_id) FROM history.publishes").fetchone()[0]

    assert remote["version"].startswith("1.5"), "an older client than the pipeline's own reads the file"
    assert remote["columns"] == columns
    assert len(local) > 10 and remote["rows"] == local
    assert remote["publishes"] == publishes
    assert remote["writable"] is False, "attached read-only"
    assert handler.partial_responses > 0, "DuckDB read the file in ranges, not whole"


def test_the_map_files_are_plain_files_over_http(shipped_build, served_warehouse):
    base_url, _ = served_warehouse
    for name in ("countries.geojson", "map.csv", "index.html"):
        with urllib.request.urlopen(f"{base_url}/map/{name}", timeout=30) as response:
            body = response.read()
        assert body == (shipped_build.paths.map_dir / name).read_bytes(), name
    geojson = json.loads((shipped_build.paths.map_dir / "countries.geojson").read_text(encoding="utf-8"))
    assert geojson["type"] == "FeatureCollection" and geojson["features"]
