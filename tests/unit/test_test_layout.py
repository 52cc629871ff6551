"""The tests' own house (issue 22): the tier is the folder, and helpers two modules share live in
tests/support/ or tests/conftest.py, never imported from another test module."""

import ast
from pathlib import Path

from tests.conftest import SLOW_TIERS, TESTS

TIERS = ("unit", "graph", "build", *SLOW_TIERS)


def test_every_test_module_lives_in_a_tier_folder():
    misplaced = [p.relative_to(TESTS) for p in TESTS.rglob("test_*.py") if p.parent.name not in TIERS]
    assert misplaced == []


def test_no_test_module_imports_another():
    offenders = []
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            offenders += [
                (str(path.relative_to(TESTS)), n) for n in names if Path(n.replace(".", "/")).name.startswith("test_")
            ]
    assert offenders == []
