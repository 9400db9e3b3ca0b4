"""The attack labs (exercises/README.md, "Attack it") are complete: each has its text,
difficulty, hints, starting files and solution, and the breaks and stages it names
exist. (`make labs-check`, run by CI, goes further and runs every lab three ways: too
slow for `make test`.)"""

import re
import sys

import pytest
from course import ROOT, STAGES

sys.path.insert(0, str(ROOT / "tools"))
import labs  # noqa: E402
import practise  # noqa: E402

LABS = labs.lab_folders()


def lab_id(folder):
    return labs.key(folder)


def test_there_are_labs():
    assert LABS


@pytest.mark.parametrize("folder", LABS, ids=lab_id)
def test_every_lab_has_its_text_difficulty_and_hints(folder):
    module = labs.load(folder)
    readme = (folder / "README.md").read_text()
    assert module.TITLE and readme.splitlines()[0] == f"# {module.TITLE}"
    assert module.DIFFICULTY in labs.LEVELS
    assert f"\nDifficulty: {module.DIFFICULTY}\n" in readme
    for heading in ["## Goal", "## Your file", "## Hints", "## Run", "## What stops it"]:
        assert f"\n{heading}" in readme, heading  # "## Your files" too
    hints = re.findall(r"<details><summary>Hint \d</summary>", readme)
    assert len(hints) >= 2


@pytest.mark.parametrize("folder", LABS, ids=lab_id)
def test_every_lab_keeps_the_line_that_stops_it_folded_until_the_learner_looks(folder):
    """Finding the defending line is the learner's last step: the answer is folded."""
    what_stops_it = (folder / "README.md").read_text().split("\n## What stops it\n")[1]
    shown, _, folded = what_stops_it.partition("<details><summary>Which line stopped you</summary>")
    assert folded.strip().endswith("</details>")
    assert "DEFENDED=1" in shown
    assert ".py`" not in shown and ".py:" not in shown  # no file of the defence named


@pytest.mark.parametrize("folder", LABS, ids=lab_id)
def test_every_lab_has_starting_files_a_solution_and_its_functions(folder):
    module = labs.load(folder)
    assert module.FILES
    for file in module.FILES:
        assert file.endswith((".py", ".html", ".js")), file
        starter, solution = folder / file, folder / "solution" / file
        assert starter.is_file() and solution.is_file(), file
        assert starter.read_text() != solution.read_text(), file
        assert f"]({file})" in (folder / "README.md").read_text(), file
    assert callable(module.check)


@pytest.mark.parametrize("folder", LABS, ids=lab_id)
def test_every_lab_names_breaks_and_stages_that_exist(folder):
    module = labs.load(folder)
    stage = folder.parent.parent.name
    target = module.DEFENCE_STAGE or stage
    assert target in STAGES
    if module.BREAK:
        assert module.BREAK in practise.breaks_of(stage)
    if module.DEFENCE_BREAK:
        assert module.DEFENCE_BREAK in practise.breaks_of(target)
    # The defence is another stage, or the same stage with another break (or none).
    assert (target, module.DEFENCE_BREAK) != (stage, module.BREAK)


@pytest.mark.parametrize("stage", STAGES)
def test_the_readme_names_every_lab(stage):
    readme = (ROOT / stage / "README.md").read_text()
    practise_part = readme.split("## Practise", 1)[1].split("\n## ", 1)[0]
    for folder in labs.lab_folders(stage):
        module = labs.load(folder)
        link = f"[`{folder.name}`](../exercises/{stage}/labs/{folder.name}/README.md)"
        assert f"\n- {link} ({module.DIFFICULTY}): {module.TITLE}\n" in practise_part
