"""The team deployment of docs/operating.md, against a real PostgreSQL server.

A throwaway server (tests/system/postgres_cluster.py) holds the Dagster instance configured by
deploy/dagster.yaml, copied into a temporary DAGSTER_HOME; credentials come from the
environment, as in production. The pipeline reads a copy of raw/ and publishes into temporary
folders. What is checked is what a team relies on: `nk-pipeline build`, a run launched through
the webserver's GraphQL API and a sensor-triggered run through the daemon all succeed and land
in PostgreSQL (read with SQL, not only through Dagster), another process sees them, and two
builds started at once neither mix nor lose anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from nk_pipeline.orchestration import RAW_SENSOR, REFRESH_JOB
from nk_pipeline.shared.settings import BUILD_DIR_ENV, PROJECT_ROOT, RAW_DIR_ENV, WAREHOUSE_DIR_ENV, Paths
from nk_pipeline.shared.tables import inputs_digest
from tests.conftest import copy_raw, drop_one_country, post_graphql
from tests.system.postgres_cluster import PostgresCluster, free_port, postgres_cluster

pytestmark = [
    # dagster-graphql's client calls gql the old way; the notice is not about this project
    pytest.mark.filterwarnings("ignore:Using variable_values:DeprecationWarning"),
]

BIN = Path(sys.executable).parent

DEPLOY_CONFIG = PROJECT_ROOT / "deploy" / "dagster.yaml"

LOCATION = "nk_pipeline"

REPOSITORY = "__repository__"

BUILD_TIMEOUT = 300

START_TIMEOUT = 180

RUN_TIMEOUT = 300


@dataclass
class Deployment:
    """One team's folders and Dagster home, and the environment every process of it gets."""

    cluster: PostgresCluster
    database: str
    home: Path
    paths: Paths
    env: dict[str, str]

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        return self.cluster.query(self.database, query, params)

    def build(self, raw_dir: Path | None = None, home: Path | None = None) -> subprocess.Popen:
        env = dict(self.env)
        if raw_dir:
            env[RAW_DIR_ENV] = str(raw_dir)
        if home:
            env["DAGSTER_HOME"] = str(home)
        return subprocess.Popen(
            [str(BIN / "nk-pipeline"), "build"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


def dagster_home(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(DEPLOY_CONFIG, folder / "dagster.yaml")
    return folder


def make_deployment(cluster: PostgresCluster, root: Path, database: str) -> Deployment:
    paths = Paths.create(copy_raw(root / "raw"), root / "warehouse", root / "warehouse.build")
    home = dagster_home(root / "dagster_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "NK_"))}
    env.update(cluster.create_database(database))
    env.update(
        {
            "DAGSTER_HOME": str(home),
            RAW_DIR_ENV: str(paths.raw_dir),
            WAREHOUSE_DIR_ENV: str(paths.warehouse_dir),
            BUILD_DIR_ENV: str(paths.build_dir),
        }
    )
    # as docs/operating.md has it: Dagster's tables once, before processes start together
    migrate = subprocess.run(
        [str(BIN / "dagster"), "instance", "migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    return Deployment(cluster, database, home, paths, env)


def finish(process: subprocess.Popen, timeout: float = BUILD_TIMEOUT) -> tuple[int, str]:
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate(timeout=30)
        raise AssertionError(f"nk-pipeline build still running after {timeout}s:\n{out[-3000:]}") from None
    return process.returncode, out


def run_id_of(output: str) -> str:
    match = re.search(r"\(run ([0-9a-f-]{36})\)", output)
    assert match, output[-3000:]
    return match.group(1)


def every_asset_key() -> set[str]:
    """Every asset a refresh materializes (the raw files are observed, not materialized)."""
    from nk_pipeline.definitions import defs

    graph = defs().resolve_asset_graph()
    return {key.to_user_string() for key in graph.get_all_asset_keys() if not graph.get(key).is_observable}


def observed_in_postgres(deployment: Deployment, run_id: str) -> set[str]:
    rows = deployment.sql(
        "SELECT asset_key FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ASSET_OBSERVATION'", (run_id,)
    )
    return {"/".join(json.loads(key)) for (key,) in rows}


def materialized_in_postgres(deployment: Deployment, run_id: str) -> set[str]:
    rows = deployment.sql(
        "SELECT asset_key FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
        (run_id,),
    )
    return {"/".join(json.loads(key)) for (key,) in rows}


def run_status_in_postgres(deployment: Deployment, run_id: str) -> str | None:
    rows = deployment.sql("SELECT status FROM runs WHERE run_id = %s", (run_id,))
    return rows[0][0] if rows else None


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_inputs(warehouse_db: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        return dict(con.execute("SELECT file, sha256 FROM staging.inputs").fetchall())


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with postgres_cluster() as server:
        yield server


@pytest.fixture(scope="module")
def deployment(cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return make_deployment(cluster, tmp_path_factory.mktemp("team"), "nk_team")


@pytest.fixture(scope="module")
def first_build(deployment: Deployment) -> tuple[str, str]:
    code, output = finish(deployment.build())
    assert code == 0, output[-3000:]
    return run_id_of(output), output


def test_postgres_build_records_its_run_and_every_materialization(deployment, first_build):
    run_id, _ = first_build
    assert run_status_in_postgres(deployment, run_id) == "SUCCESS"
    (job,) = deployment.sql("SELECT pipeline_name FROM runs WHERE run_id = %s", (run_id,))[0]
    assert job == REFRESH_JOB
    assert materialized_in_postgres(deployment, run_id) == every_asset_key()
    assert "raw/sources" in observed_in_postgres(deployment, run_id), "the raw files' observations too"
    checks = deployment.sql(
        "SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ASSET_CHECK_EVALUATION'", (run_id,)
    )[0][0]
    assert checks > 0, "asset check results are stored too"
    known = {"/".join(json.loads(key)) for (key,) in deployment.sql("SELECT asset_key FROM asset_keys")}
    assert every_asset_key() <= known
    # nothing went to SQLite files in the Dagster home
    assert not list(deployment.home.rglob("*.db")), list(deployment.home.rglob("*.db"))
    with duckdb.connect(str(deployment.paths.warehouse_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.country_estimates").fetchone()[0] > 10


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path

    def tail(self) -> str:
        return f"--- {self.name} ---\n" + self.log.read_text(errors="replace")[-3000:]


@contextlib.contextmanager
def service(name: str, command: list[str], env: dict[str, str], log: Path) -> Iterator[Service]:
    """A long-running process in a process group of its own (its code server and run workers
    included), stopped with SIGTERM, then SIGKILL, whatever happens in the test."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield Service(name, process, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # children left behind by a clean exit too
        process.wait(timeout=30)


@dataclass
class Webserver:
    port: int
    services: list[Service]

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        return post_graphql(f"http://127.0.0.1:{self.port}", query, variables)

    def logs(self) -> str:
        return "\n".join(s.tail() for s in self.services)

    def wait_for(self, what: str, condition, timeout: float = START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            for s in self.services:
                assert s.process.poll() is None, f"{s.name} exited while waiting for {what}:\n{self.logs()}"
            with contextlib.suppress(OSError):
                value = condition()
                if value:
                    return value
            assert time.monotonic() < deadline, f"no {what} after {timeout}s:\n{self.logs()}"
            time.sleep(1)


DAEMONS_HEALTHY = "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }"

LOCATION_STATUS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"

START_SENSOR = """
mutation($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) {
    __typename
    ... on Sensor { sensorState { status } }
    ... on PythonError { message }
  }
}"""


@pytest.fixture()
def webserver_and_daemon(deployment, first_build, tmp_path) -> Iterator[Webserver]:
    port = free_port()
    workspace = str(PROJECT_ROOT / "workspace.yaml")
    with (
        service(
            "dagster-webserver",
            [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", workspace],
            deployment.env,
            tmp_path / "webserver.log",
        ) as web,
        service(
            "dagster-daemon",
            [str(BIN / "dagster-daemon"), "run", "-w", workspace],
            deployment.env,
            tmp_path / "daemon.log",
        ) as daemon,
    ):
        server = Webserver(port, [web, daemon])

        def location_loaded() -> bool:
            entries = server.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
            return any(e["name"] == LOCATION and e["loadStatus"] == "LOADED" for e in entries)

        def daemons_healthy() -> bool:
            statuses = server.graphql(DAEMONS_HEALTHY)["instance"]["daemonHealth"]["allDaemonStatuses"]
            wanted = {"SENSOR", "QUEUED_RUN_COORDINATOR", "MONITORING"}
            return wanted <= {s["daemonType"] for s in statuses if s["healthy"]}

        server.wait_for("loaded code location", location_loaded)
        # the daemon's heartbeats reach the webserver only through PostgreSQL
        server.wait_for("healthy daemon heartbeats", daemons_healthy)
        yield server


def wait_for_run_end(deployment: Deployment, server: Webserver, run_id: str) -> str:
    def finished() -> str | None:
        status = run_status_in_postgres(deployment, run_id)
        return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None

    return server.wait_for(f"end of run {run_id}", finished, RUN_TIMEOUT)


def test_postgres_webserver_and_daemon_run_a_graphql_launch_and_a_sensor_run(
    deployment, first_build, webserver_and_daemon
):
    from dagster_graphql import DagsterGraphQLClient

    server = webserver_and_daemon
    build_run, _ = first_build

    # (b) a run launched through the webserver's GraphQL API goes through the queue the daemon runs
    client = DagsterGraphQLClient("127.0.0.1", port_number=server.port)
    launched = client.submit_job_execution(REFRESH_JOB, repository_location_name=LOCATION, repository_name=REPOSITORY)
    assert wait_for_run_end(deployment, server, launched) == "SUCCESS", server.logs()
    events = {
        e
        for (e,) in deployment.sql("SELECT DISTINCT dagster_event_type FROM event_logs WHERE run_id = %s", (launched,))
    }
    assert {"PIPELINE_ENQUEUED", "PIPELINE_STARTING", "PIPELINE_SUCCESS"} <= events, events
    assert materialized_in_postgres(deployment, launched) == every_asset_key()

    # (c) a sensor-triggered run through the daemon: one raw file changed since the last build
    restaurants = deployment.paths.raw_dir / "restaurants.csv"
    restaurants.write_text(restaurants.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "sensorName": RAW_SENSOR}
    started = server.graphql(START_SENSOR, {"selector": selector})["startSensor"]
    assert started["__typename"] == "Sensor" and started["sensorState"]["status"] == "RUNNING", started

    def sensor_run() -> str | None:
        rows = deployment.sql(
            "SELECT run_id FROM run_tags WHERE key = 'dagster/sensor_name' AND value = %s", (RAW_SENSOR,)
        )
        return rows[0][0] if rows else None

    sensor_run_id = server.wait_for("run requested by the sensor", sensor_run, RUN_TIMEOUT)
    assert wait_for_run_end(deployment, server, sensor_run_id) == "SUCCESS", server.logs()
    assert materialized_in_postgres(deployment, sensor_run_id) == every_asset_key()
    tags = dict(deployment.sql("SELECT key, value FROM run_tags WHERE run_id = %s", (sensor_run_id,)))
    assert tags.get("nk_pipeline/changed_files") == "restaurants.csv", tags
    assert published_inputs(deployment.paths.warehouse_db)["raw/restaurants.csv"] == sha256_of(restaurants)

    # (d) a second process, a fresh instance from the same configuration, sees all three runs
    probe = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS],
        cwd=PROJECT_ROOT,
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    for run_id in (build_run, launched, sensor_run_id):
        assert seen["runs"].get(run_id) == "SUCCESS", (run_id, seen)
    assert seen["storage"] == ["PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"], seen[
        "storage"
    ]
    assert seen["latest_publish_run"] == sensor_run_id
    assert seen["sensor_status"] == "RUNNING", "the sensor's state is shared too"


SECOND_PROCESS = """
import json
import dagster as dg
with dg.DagsterInstance.get() as instance:
    runs = {r.run_id: r.status.value for r in instance.get_runs()}
    event = instance.get_latest_materialization_event(dg.AssetKey(["warehouse", "nk_duckdb"]))
    states = [s for s in instance.all_instigator_state() if s.name == "raw_files_changed"]
    print(json.dumps({
        "storage": [type(s).__name__ for s in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)],
        "runs": runs,
        "latest_publish_run": event.run_id if event else None,
        "sensor_status": states[0].status.value if states else None,
    }))
"""


def test_postgres_two_builds_published_at_once_run_one_after_the_other(cluster, tmp_path):
    """Two curators, each on a machine of their own (their own Dagster home, one PostgreSQL),
    build from their own copy of raw/ into the one shared warehouse at the same moment."""
    team = make_deployment(cluster, tmp_path, "nk_two_curators")
    raw_b = copy_raw(tmp_path / "raw_b")
    drop_one_country(raw_b)
    second_home = dagster_home(tmp_path / "dagster_home_b")

    first = team.build()
    second = team.build(raw_dir=raw_b, home=second_home)
    results = {"a": finish(first), "b": finish(second)}
    for name, (code, output) in results.items():
        assert code == 0, f"curator {name}'s build failed:\n{output[-3000:]}"
    runs = {name: run_id_of(output) for name, (_, output) in results.items()}

    # both runs are recorded in the shared database, every asset materialized by each
    for run_id in runs.values():
        assert run_status_in_postgres(team, run_id) == "SUCCESS"
        assert materialized_in_postgres(team, run_id) == every_asset_key()

    # one after the other: the later run's first step started after the earlier run ended
    def first_event(run_id: str, event: str):
        return team.sql(
            "SELECT min(timestamp) FROM event_logs WHERE run_id = %s AND dagster_event_type = %s", (run_id, event)
        )[0][0]

    ended = {name: first_event(run_id, "PIPELINE_SUCCESS") for name, run_id in runs.items()}
    earlier, later = sorted(ended, key=ended.get)
    assert first_event(runs[later], "STEP_START") >= ended[earlier], "the two runs' steps interleaved"
    # because it waited for the build folder, and its log (in PostgreSQL) says for whom
    waited = team.sql(
        "SELECT count(*) FROM event_logs WHERE run_id = %s AND event LIKE %s",
        (runs[later], f"%is in use by run {runs[earlier]}%"),
    )[0][0]
    assert waited >= 1, "the later build did not wait for the earlier one: they did not overlap"

    # the published warehouse is whole, and each publish carries its own curator's inputs
    later_raw = raw_b if later == "b" else team.paths.raw_dir
    with duckdb.connect(str(team.paths.warehouse_db), read_only=True) as con:
        publishes = con.execute(
            "SELECT publish_id, n_countries, inputs_digest FROM history.publishes ORDER BY publish_id"
        ).fetchall()
        rows = con.execute("SELECT count(*) FROM marts.country_estimates").fetchone()[0]
        inputs = dict(con.execute("SELECT file, sha256 FROM staging.inputs").fetchall())
    assert len(publishes) == 2, publishes
    assert publishes[-1][1] == rows and inputs_digest(inputs) == publishes[-1][2]
    for path in later_raw.glob("*.csv"):
        assert inputs[f"raw/{path.name}"] == sha256_of(path), (
            f"{path.name} of the last publish is not the later curator's"
        )
    # curator b's copy has one country fewer: the two publishes differ by exactly that row
    assert publishes[0][1] == rows + (1 if later == "b" else -1)
