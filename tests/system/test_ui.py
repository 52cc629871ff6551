"""The Dagster UI as a data engineer uses it: `dagster dev`, a browser, "Materialize all", a green run.

Each test starts its own `dagster dev` on a free port of 127.0.0.1 with every output in a
temporary folder, and kills the whole process group afterwards (webserver, daemon, code server
and run workers included).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nk_pipeline.definitions import defs
from nk_pipeline.shared.settings import PROJECT_ROOT
from tests.conftest import ARTIFACTS, CHROMIUM, chromium, post_graphql

DAGSTER = Path(sys.executable).with_name("dagster")

START_TIMEOUT = 180

RUN_TIMEOUT = 300

LOCATION = "nk_pipeline"

# dagster-graphql's client calls gql the old way; the notice is not about this project
pytestmark = [pytest.mark.filterwarnings("ignore:Using variable_values:DeprecationWarning")]


@dataclass
class DagsterDev:
    port: int
    cwd: Path
    warehouse: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        return post_graphql(self.url, query, variables)

    def client(self):
        from dagster_graphql import DagsterGraphQLClient

        return DagsterGraphQLClient("127.0.0.1", port_number=self.port)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _location_loaded(dev: DagsterDev) -> bool:
    data = dev.graphql(
        "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
        "locationOrLoadError { __typename } } } } }"
    )
    for entry in data["workspaceOrError"]["locationEntries"]:
        if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
            assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
            return True
    return False


@contextlib.contextmanager
def dagster_dev(cwd: Path, env: dict[str, str], log: Path) -> Iterator[DagsterDev]:
    dev = DagsterDev(port=_free_port(), cwd=cwd, warehouse=Path(env["NK_WAREHOUSE_DIR"]), log=log)
    process = subprocess.Popen(
        [str(DAGSTER), "dev", "-h", "127.0.0.1", "-p", str(dev.port)],
        cwd=cwd,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # one process group: the webserver, daemon, code servers, run workers
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"dagster dev exited:\n{dev.log_tail()}"
            with contextlib.suppress(OSError):
                if _location_loaded(dev):
                    break
            assert time.monotonic() < deadline, f"dagster dev did not come up:\n{dev.log_tail()}"
            time.sleep(1)
        yield dev
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)  # let it stop its children and clean up
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "NK_BUILD_DIR", "NK_RAW_DIR")}
    env.update(overrides)
    return env


def _wait_for_run(dev: DagsterDev, run_id: str) -> str:
    from dagster import DagsterRunStatus

    client = dev.client()
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        status = client.get_run_status(run_id)
        if status in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED):
            return status.value
        time.sleep(2)
    raise AssertionError(f"run {run_id} did not finish in {RUN_TIMEOUT}s:\n{dev.log_tail()}")


def _run_messages(dev: DagsterDev, run_id: str) -> list[str]:
    data = dev.graphql(
        "query($runId: ID!) { logsForRun(runId: $runId) { ... on EventConnection { events { "
        "__typename ... on MessageEvent { message } } } } }",
        {"runId": run_id},
    )
    return [e["message"] for e in data["logsForRun"]["events"] if e.get("message")]


def _latest_run_id(dev: DagsterDev) -> str | None:
    data = dev.graphql("{ runsOrError(limit: 1) { ... on Runs { results { runId } } } }")
    runs = data["runsOrError"]["results"]
    return runs[0]["runId"] if runs else None


def _assert_published(dev: DagsterDev) -> None:
    import duckdb

    with duckdb.connect(str(dev.warehouse / "nk.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.country_estimates").fetchone()[0] > 10


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium")
def test_materialize_all_from_the_asset_graph_in_a_browser(tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    ARTIFACTS.mkdir(exist_ok=True)
    env = _env(DAGSTER_HOME=str(tmp_path / "dagster_home"), NK_WAREHOUSE_DIR=str(tmp_path / "warehouse"))
    (tmp_path / "dagster_home").mkdir()
    with dagster_dev(PROJECT_ROOT, env, tmp_path / "dagster-dev.log") as dev:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            # the first-visit "Join the Dagster community" dialog, whenever it shows up
            page.add_locator_handler(page.get_by_role("button", name="Skip"), lambda skip: skip.click())
            page.goto(f"{dev.url}/asset-groups")  # the global asset graph ("Lineage")
            for layer in ("raw", "staging", "marts", "map", "data", "warehouse"):
                page.get_by_text(layer, exact=True).first.wait_for(timeout=60_000)
            materialize_all = page.get_by_role("button", name="Materialize all")
            materialize_all.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "ui-asset-graph.png"))

            run_id = None
            for _ in range(3):  # a click while the graph's data is still loading may do nothing
                materialize_all.click(timeout=30_000)
                deadline = time.monotonic() + 30
                while not run_id and time.monotonic() < deadline:
                    time.sleep(1)
                    run_id = _latest_run_id(dev)  # a launched run is stored at once
                if run_id:
                    break
            if not run_id:
                page.screenshot(path=str(ARTIFACTS / "ui-no-run-launched.png"))
                raise AssertionError(f"no run was launched:\n{dev.log_tail()}")
            with contextlib.suppress(PlaywrightTimeout):
                page.get_by_text("Launched run").first.wait_for(timeout=10_000)

            assert _wait_for_run(dev, run_id) == "SUCCESS", dev.log_tail()
            page.goto(f"{dev.url}/runs/{run_id}")
            page.get_by_text("Success").first.wait_for(timeout=60_000)
            with contextlib.suppress(PlaywrightTimeout):
                page.get_by_text("Loading run logs").wait_for(state="hidden", timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "ui-run-success.png"))

        messages = _run_messages(dev, run_id)
        assert any(m.startswith("Executing steps in process") for m in messages), "the in_process executor ran it"
        graph = defs().resolve_asset_graph()
        materializable = [k for k in graph.get_all_asset_keys() if not graph.get(k).is_observable]
        assert sum("Materialized value" in m for m in messages) == len(materializable)
    _assert_published(dev)


def test_refresh_all_through_graphql_with_the_projects_instance_config(tmp_path):
    """Plain `dagster dev` (no DAGSTER_HOME) keeps runs in .dagster/ next to dagster.yaml."""
    cwd = tmp_path / "project"
    cwd.mkdir()
    # the project's own instance and workspace files, in a folder of their own so that the
    # test's runs do not land in the developer's .dagster/
    for name in ("dagster.yaml", "workspace.yaml"):
        shutil.copy(PROJECT_ROOT / name, cwd / name)
    env = _env(NK_WAREHOUSE_DIR=str(tmp_path / "warehouse"))
    with dagster_dev(cwd, env, tmp_path / "dagster-dev.log") as dev:
        run_id = dev.client().submit_job_execution(
            "refresh_all", repository_location_name=LOCATION, repository_name="__repository__"
        )
        assert _wait_for_run(dev, run_id) == "SUCCESS", dev.log_tail()
        assert any(m.startswith("Executing steps in process") for m in _run_messages(dev, run_id))

    _assert_published(dev)
    assert (cwd / ".dagster" / "history" / "runs.db").exists()
    assert (cwd / ".dagster" / "history" / "runs" / f"{run_id}.db").exists(), "the run's events are kept"
    leftovers = [p for p in cwd.glob(".tmp_dagster_home_*/**/*") if p.is_file()]
    assert leftovers == [], "nothing is stored in the temporary home dagster dev deletes on exit"
