"""README.md and data/about.py say the same thing: the caveats and the terms are written once in
the code for every published file, and README prints the same words."""

import re

from nk_pipeline.data import about
from nk_pipeline.raw import contract
from nk_pipeline.shared.settings import PROJECT_ROOT


def _plain(markdown: str) -> str:
    return re.sub(r"\s+", " ", markdown.replace("**", "").replace("`", "")).strip()


def test_readme_prints_every_caveat_in_the_same_words():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    caveats = readme.split("## Caveats", 1)[1].split("\n## ", 1)[0]
    bullets = [_plain(b) for b in caveats.split("\n- ")[1:]]
    assert bullets == [c.text for c in about.CAVEATS]


def test_readme_states_the_same_terms_and_description():
    readme = _plain((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    assert about.LICENCE_NOTE in readme
    assert about.DATA_DESCRIPTION in readme


def test_every_kind_of_page_has_its_words():
    # the credit line and the page name the kinds of pages behind what is current
    assert set(about.KIND_WORDS) == set(contract.SOURCE_KINDS)


def test_readme_prints_the_credit_line_a_reuser_copies():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert about.credit_line("<version>", "<date>") in readme
