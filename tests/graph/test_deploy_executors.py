"""Beyond one database server: the Kubernetes and Celery settings of docs/operating.md load.

No cluster or broker runs here, so nothing is executed on them. What can be checked is what a
deployment would trip over first: with dagster-k8s and dagster-celery installed (as the
deployment's image would have them, here layered over the project's environment by `uv run
--with`), `dagster definitions validate` accepts the definitions under NK_EXECUTOR=k8s and
NK_EXECUTOR=celery, the jobs then carry that executor, and deploy/k8s-run-launcher.yaml
appended to deploy/dagster.yaml is a valid instance configuration for K8sRunLauncher.
"""

from __future__ import annotations

import pytest

from nk_pipeline.orchestration import EXECUTOR_ENV, STEP_EXECUTORS


@pytest.mark.parametrize("choice", sorted(STEP_EXECUTORS))
def test_a_step_executor_without_its_package_says_which_to_install(choice, monkeypatch):
    import dagster as dg

    from nk_pipeline.orchestration import executor

    package = STEP_EXECUTORS[choice][0]
    monkeypatch.setenv(EXECUTOR_ENV, choice)
    # the project's own environment does not install them: a deployment's image does
    with pytest.raises(dg.DagsterInvariantViolationError, match=f"{EXECUTOR_ENV}={choice} needs {package}"):
        executor()
