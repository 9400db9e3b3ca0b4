"""CONTRIBUTING.md's "Names used in every stage": each name is in the code of the stage
where the table says it first appears, and the names it replaced are gone from every stage."""

import re

import pytest
from course import ROOT, STAGES

CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text()
SECTION = re.search(r"^## Names used in every stage\n(.*?)^## ", CONTRIBUTING, re.M | re.S).group(1)
ROWS = re.findall(r"^\| (?!the idea|---)(.+?) \| (.+?) \| (.+?) \|$", SECTION, re.M)

# Names that said the same thing differently before the stages shared one vocabulary.
RETIRED = [
    "clear_token_cookies", "end_sessions_response", "SESSION_COOKIE_SECURE",
    "g.user_session", "g.user.id", "login_required(roles=", "logged_out(",
]  # fmt: skip


def stage_code(prefix: str) -> tuple[str, set[str]]:
    """The Python code of the stage whose folder starts with PREFIX, and its file names."""
    [stage] = [s for s in STAGES if s.startswith(prefix)]
    files = sorted((ROOT / stage).glob("*.py"))
    return "\n".join(f.read_text() for f in files), {f.name for f in files}


def names(cell: str) -> list[str]:
    """The code names in a table cell: `@login_required`, `User.set_password()`, ..."""
    found = []
    for name in re.findall(r"`([^`]+)`", cell):
        name = re.sub(r"\(.*\)$", "", name.lstrip("@"))  # a call's arguments
        if not name.startswith("g.") and "." in name and not name.endswith(".py"):
            name = name.rsplit(".", 1)[1]  # a method: User.set_password -> set_password
        found.append(name)
    return found


@pytest.mark.parametrize(("idea", "cell", "first_in"), ROWS, ids=[row[0] for row in ROWS])
def test_each_name_is_in_the_stage_where_it_first_appears(idea, cell, first_in):
    code, files = "", set()
    for prefix in re.findall(r"\d\d(?:_\d)?", first_in):
        stage_text, stage_files = stage_code(prefix)
        code, files = code + stage_text, files | stage_files
    checked = names(cell)
    assert checked, idea
    for name in checked:
        if name.endswith(".py"):
            assert name in files, (idea, name)
        else:
            assert re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", code), (idea, name, first_in)


def test_the_table_covers_the_course():
    assert len(ROWS) >= 20


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_uses_a_retired_name(stage):
    code = "\n".join(path.read_text() for path in (ROOT / stage).glob("*.py"))
    assert [name for name in RETIRED if name in code] == []
