"""Issue 14 item 7: a North Korean firm's project, facility or branch (`measure = 'project'`) is
recorded as what it is: never a figure, and a country known only by projects is not labelled as
a report of workers.

The hand-made inputs get one project row for Benin (a country they do not name otherwise) and
one for Russia (which has worker figures, so nothing about Russia may change).
"""

from __future__ import annotations

import pytest

from nk_pipeline.raw import contract
from nk_pipeline.raw.reading import read_raw
from nk_pipeline.staging.validation import check_table
from tests.conftest import HANDMADE, make_raw, reconcile

PROJECT_ROWS = (
    "Benin,,,project,2017,construction,gov-2017,,A state firm built a monument.,\n"
    "Russia,,,project,2018,construction,media-2018,,A state firm's branch registered.,\n"
)


@pytest.fixture(scope="module")
def project_build(tmp_path_factory):
    # the rules are SQL: the marts built through the stages' doors, in memory, are enough
    raw = make_raw(tmp_path_factory.mktemp("projects") / "raw")
    with (raw / "country_estimates.csv").open("a", encoding="utf-8") as handle:
        handle.write(PROJECT_ROWS)
    connection = reconcile(raw)
    yield connection
    connection.close()


def rows(conn, sql):
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def test_a_country_known_only_by_projects_is_labelled_as_such(project_build):
    (benin,) = rows(project_build, "SELECT * FROM marts.country_years WHERE iso3 = 'BEN' AND year = 2017")
    assert benin["status"] == "present" and benin["workers_central"] is None and benin["confidence"] is None
    assert benin["label"] == "North Korean firms' projects reported, no workers named (2017)"
    # two years later the project is still what was last reported, and says so
    (latest,) = rows(project_build, "SELECT * FROM marts.country_estimates WHERE iso3 = 'BEN'")
    assert (latest["status"], latest["label"]) == (
        "last_reported",
        "Last reported: North Korean firms' projects (2017)",
    )
    (evidence,) = rows(project_build, "SELECT * FROM marts.estimate_evidence WHERE iso3 = 'BEN'")
    assert evidence["measure"] == "project" and evidence["used"] is False
    assert "names no workers" in evidence["exclusion_reason"]


def test_a_project_changes_nothing_where_workers_are_counted(project_build):
    (russia,) = rows(project_build, "SELECT * FROM marts.country_years WHERE iso3 = 'RUS' AND year = 2019")
    # the hand-made figures of tests/unit/test_reconciliation.py, untouched by the project row
    assert (russia["workers_low"], russia["workers_high"], russia["label"]) == (10000, 30000, "10,000–30,000 (2019)")
    (latest,) = rows(project_build, "SELECT label FROM marts.country_estimates WHERE iso3 = 'RUS'")
    assert latest["label"] == "5,000–12,000 (2020)"


def test_a_project_with_a_figure_is_refused(tmp_path):
    path = tmp_path / "country_estimates.csv"
    header = (HANDMADE / "country_estimates.csv").read_text(encoding="utf-8").splitlines()[0]
    path.write_text(
        f"{header}\nBenin,12,12,project,2017,,gov-2017,gov-2017,A clinic with twelve beds.,\n", encoding="utf-8"
    )
    raw = read_raw(path, contract.COUNTRY_ESTIMATES.columns, "raw/country_estimates.csv")
    issues = check_table(raw, contract.COUNTRY_ESTIMATES.name, {"gov-2017"})
    assert len(issues) == 1 and issues[0].line == 2
    assert "'project' means no figure" in issues[0].rule
