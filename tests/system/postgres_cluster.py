"""A throwaway PostgreSQL server for the deployment tests: Debian's binaries, a temporary folder.

`initdb` refuses to run as root, so under root (as on CI) the cluster belongs to the unprivileged
`nobody` and every server command runs as that user (`runuser`). The server listens on 127.0.0.1
on a free port, with its unix socket in the cluster's folder, and is stopped (then the folder
deleted) by `stop()`, which the fixtures call even when a test fails.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 60
SERVICE_USER = "nobody"
USERNAME = "nk_dagster"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (the newest installed major version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresCluster:
    folder: Path
    port: int
    password: str
    bindir: Path
    user: str | None  # the account the server runs as, when we are root
    databases: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def _command(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.user, "--", *args] if self.user else list(args)

    def _run(self, *args: str) -> None:
        # from the cluster's folder: the service user may not be allowed into the current one
        result = subprocess.run(
            self._command(*args), cwd=self.folder, capture_output=True, text=True, timeout=START_TIMEOUT
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def connect(self, dbname: str = "postgres"):
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=USERNAME, password=self.password, dbname=dbname, connect_timeout=10
        )

    def create_database(self, name: str) -> dict[str, str]:
        """A new empty database; returns the environment deploy/dagster.yaml reads it from."""
        connection = self.connect()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()
        self.databases.append(name)
        return {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": USERNAME,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": name,
        }

    def query(self, dbname: str, sql: str, params: tuple = ()) -> list[tuple]:
        connection = self.connect(dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    bindir = server_binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql (.ci/run does)")
    user = SERVICE_USER if os.geteuid() == 0 else None
    # not under pytest's tmp_path: that is private to root, and the server runs as another user
    folder = Path(tempfile.mkdtemp(prefix="nk-postgres-"))
    cluster = PostgresCluster(folder, free_port(), secrets.token_urlsafe(16), bindir, user)
    try:
        if user:
            account = pwd.getpwnam(user)
            os.chown(folder, account.pw_uid, account.pw_gid)
        folder.chmod(0o700)
        password_file = folder / "password"
        password_file.write_text(cluster.password + "\n", encoding="utf-8")
        if user:
            os.chown(password_file, account.pw_uid, account.pw_gid)
        cluster._run(
            str(bindir / "initdb"),
            "-D",
            str(cluster.data),
            "-U",
            USERNAME,
            "--pwfile",
            str(password_file),
            "--auth",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        password_file.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {folder} "
            # a throwaway server: durability is not what is tested
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        cluster._run(
            str(bindir / "pg_ctl"),
            "-D",
            str(cluster.data),
            "-l",
            str(cluster.log),
            "-o",
            options,
            "-w",
            "-t",
            str(START_TIMEOUT),
            "start",
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # pg_ctl -w waits for the socket; make sure a TCP login works too
            try:
                cluster.connect().close()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield cluster
    finally:
        cluster.stop()
