"""The Kubernetes and Celery executors' settings validate with their packages installed
(tests/graph/test_deploy_executors.py holds the rest)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from nk_pipeline.orchestration import EXECUTOR_ENV, STEP_EXECUTORS
from nk_pipeline.shared.settings import PROJECT_ROOT

PACKAGES = ("dagster-k8s==0.29.27", "dagster-celery==0.29.27")

TIMEOUT = 600

CHECK = r"""
import json, os, pathlib, sys
from dagster._config import validate_config
from dagster._core.instance.config import dagster_instance_config
from dagster_k8s import K8sRunLauncher
from nk_pipeline.definitions import defs

deploy, home = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
# the ConfigMap's dagster.yaml: the team configuration with the launcher block appended
text = (deploy / "dagster.yaml").read_text() + "\n" + (deploy / "k8s-run-launcher.yaml").read_text()
(home / "dagster.yaml").write_text(text)
config, _ = dagster_instance_config(str(home))  # raises on an invalid instance configuration
launcher = validate_config(K8sRunLauncher.config_type(), config["run_launcher"]["config"])
executors = {}
for choice in sys.argv[3:]:
    os.environ["NK_EXECUTOR"] = choice
    d = defs()
    executors[choice] = [d.resolve_job_def("refresh_all").executor_def.name,
                         d.resolve_implicit_global_asset_job_def().executor_def.name]
print(json.dumps({
    "storage": sorted(config["storage"]),
    "launcher_errors": [e.message for e in launcher.errors or []],
    "executors": executors,
}))
"""


def with_step_packages(*command: str, **env: str) -> subprocess.Popen:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is needed (pip install uv)"
    extra = [arg for package in PACKAGES for arg in ("--with", package)]
    return subprocess.Popen(
        [uv, "run", "--frozen", *extra, *command],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_kubernetes_and_celery_settings_validate(tmp_path):
    def home(name: str) -> str:
        # one each: processes starting at once on one SQLite home can find its database locked
        folder = tmp_path / f"dagster_home_{name}"
        folder.mkdir()
        return str(folder)

    validations = {
        choice: with_step_packages(
            "dagster",
            "definitions",
            "validate",
            "-m",
            "nk_pipeline.definitions",
            DAGSTER_HOME=home(choice),
            **{EXECUTOR_ENV: choice},
        )
        for choice in STEP_EXECUTORS
    }
    instance_home = tmp_path / "k8s_instance"
    instance_home.mkdir()
    check = with_step_packages(
        "python",
        "-c",
        CHECK,
        str(PROJECT_ROOT / "deploy"),
        str(instance_home),
        *STEP_EXECUTORS,
        DAGSTER_HOME=home("check"),
    )
    outputs = {}
    for name, process in [*validations.items(), ("check", check)]:
        try:
            out, _ = process.communicate(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        outputs[name] = (process.returncode, out)

    for choice in STEP_EXECUTORS:
        code, out = outputs[choice]
        assert code == 0 and "All code locations passed validation" in out, out[-3000:]
    code, out = outputs["check"]
    assert code == 0, out[-3000:]
    report = json.loads(out.strip().splitlines()[-1])
    assert report["storage"] == ["postgres"], report
    assert report["launcher_errors"] == [], report
    assert report["executors"] == {"k8s": ["k8s", "k8s"], "celery": ["celery", "celery"]}
